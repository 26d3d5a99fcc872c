"""Only fleet members speak: a fleet's certificates (mutual TLS) and the router's access
control, both from the eclipse-zenoh configuration.

Every process of the fleet has an identity: a certificate whose common name is its node name
(``router``, ``sim_clock``, ``es1``, ``agv1``, ``agv1_policy`` …), signed by the fleet's own
certificate authority. The router listens on ``tls/`` with ``enable_mtls``: a peer without a
certificate of that authority cannot even connect. Its ``access_control`` (default deny,
subjects matched by ``cert_common_names``) then lets each identity send only what its role
sends:

- an AGV ``a``: its status ``a/status`` and AIGC progress ``a/aigc/progress``, pheromones
  at any server, transitions; offers, AIGC placements and AIGC state queries to any server
  (queries on ``*/offload``, ``*/aigc/place``, ``*/aigc/state_at``) and its own decisions
  (``a/decide``, ``a/decide_aigc``);
- an edge server ``e``: ``e/state``, ``e/aigc/state`` and ``e/aigc/results``; it alone
  answers ``e/offload``, ``e/aigc/place`` and ``e/aigc/state_at``;
- a policy node: it alone answers the ``decide`` and ``decide_aigc`` services of the AGVs
  it serves;
- the clock: ``clock``;
- everyone: subscriptions, liveliness (the ready tokens, under its own name only), and the
  transient-local caches it publishes (``<prefix>_cache/…/<its name>``).

So an outside client cannot send an offer as ``agv1``, and a fleet member cannot publish an
edge server's state, answer as an edge server, or publish another AGV's status.
``FleetSecurity.write`` makes the files; :meth:`session_tls` / :meth:`router_config` are
what a node's Zenoh config gets.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from offload_ros.model.scenario import Scenario
from offload_ros.transport.errors import TransportError

CA = "ca"
ACL = "access_control.json"
READY = "ready"           # node_process.READY: the liveliness key chunk of ready tokens
MESSAGES = ["put", "delete", "declare_subscriber", "query", "declare_queryable", "reply",
            "liveliness_token", "liveliness_query", "declare_liveliness_subscriber"]


@dataclass(frozen=True)
class Identity:
    """One process of the fleet and the roles it speaks for."""

    name: str
    agvs: tuple[str, ...] = ()             # AGVs whose status, offers and decisions it sends
    edge_servers: tuple[str, ...] = ()     # servers whose state it sends and offers it answers
    policies_for: tuple[str, ...] = ()     # AGVs whose decide service it answers
    clock: bool = False
    router: bool = False


@dataclass
class FleetSecurity:
    """``FleetSecurity.for_demo(scenario).write(folder)``; ``identities`` names every process."""

    identities: list[Identity] = field(default_factory=list)
    prefix: str = "offload"
    days: int = 365
    #: names and addresses the router's certificate is valid for (clients check it)
    hosts: tuple[str, ...] = ("localhost", "127.0.0.1")

    @classmethod
    def for_demo(cls, scenario: Scenario, prefix: str = "offload",
                 hosts: tuple[str, ...] = ("localhost", "127.0.0.1"),
                 agvs_per_process: int = 1) -> FleetSecurity:
        """The demo's processes: the router, this process (the clock), an edge server per
        ES, an AGV node per AGV and a policy node per ``agvs_per_process`` AGVs (named after
        the first it serves)."""
        ids = [Identity("router", router=True), Identity("sim_clock", clock=True)]
        ids += [Identity(e.id, edge_servers=(e.id,)) for e in scenario.edge_servers]
        agvs = [a.id for a in scenario.agvs]
        ids += [Identity(a, agvs=(a,)) for a in agvs]
        for i in range(0, len(agvs), agvs_per_process):
            group = tuple(agvs[i:i + agvs_per_process])
            ids.append(Identity(f"{group[0]}_policy", policies_for=group))
        return cls(ids, prefix, hosts=hosts)

    def names(self) -> list[str]:
        return [i.name for i in self.identities]

    # ------------------------------------------------------------------ access control
    def _rule(self, rid: str, flows: list[str], messages: list[str],
              keys: Iterable[str]) -> dict:
        return {"id": rid, "permission": "allow", "flows": flows, "messages": messages,
                "key_exprs": sorted(set(keys))}

    def access_control(self) -> dict:
        """The router's ``access_control`` section (default deny)."""
        p, c = self.prefix, f"{self.prefix}_cache"
        members = [i.name for i in self.identities if not i.router]
        rules = [self._rule("receive", ["egress"], MESSAGES, [f"{p}/**", f"{c}/**"]),
                 self._rule("listen", ["ingress"], ["declare_subscriber", "liveliness_query",
                                                    "declare_liveliness_subscriber"],
                            [f"{p}/**", f"{c}/**"]),
                 self._rule("read caches", ["ingress"], ["query"], [f"{c}/**"])]
        subjects = [{"id": "members", "cert_common_names": members}]
        policies = [{"id": "members", "rules": ["receive", "listen", "read caches"],
                     "subjects": ["members"]}]
        for ident in self.identities:
            if ident.router:
                continue
            n = ident.name
            put = [k for a in ident.agvs for k in (f"{p}/{a}/status", f"{p}/{a}/aigc/progress")]
            if ident.agvs:
                put += [f"{p}/*/pheromones", f"{p}/offload/transitions"]
            put += [k for e in ident.edge_servers for k in (f"{p}/{e}/state",
                                                            f"{p}/{e}/aigc/results",
                                                            f"{p}/{e}/aigc/state")]
            if ident.clock:
                put.append(f"{p}/clock")
            ask = ([f"{p}/*/offload", f"{p}/*/aigc/place", f"{p}/*/aigc/state_at"]
                   if ident.agvs else []) + \
                [f"{p}/{a}/{s}" for a in ident.agvs for s in ("decide", "decide_aigc")]
            answer = [k for e in ident.edge_servers
                      for k in (f"{p}/{e}/offload", f"{p}/{e}/aigc/place",
                                f"{p}/{e}/aigc/state_at")] + \
                [f"{p}/{a}/{s}" for a in ident.policies_for
                 for s in ("decide", "decide_aigc")] + [f"{c}/**/{n}"]
            rules += [self._rule(f"{n} token", ["ingress"], ["liveliness_token"],
                                 [f"{p}/{READY}/{n}"] + [f"{p}/{READY}/{a}_policy"
                                                         for a in ident.policies_for]),
                      self._rule(f"{n} answers", ["ingress"], ["declare_queryable", "reply"],
                                 answer)]
            mine = [f"{n} token", f"{n} answers"]
            if put:
                rules.append(self._rule(f"{n} publishes", ["ingress"], ["put"], put))
                mine.append(f"{n} publishes")
            if ask:
                rules.append(self._rule(f"{n} asks", ["ingress"], ["query"], ask))
                mine.append(f"{n} asks")
            subjects.append({"id": n, "cert_common_names": [n]})
            policies.append({"id": n, "rules": mine, "subjects": [n]})
        return {"enabled": True, "default_permission": "deny", "rules": rules,
                "subjects": subjects, "policies": policies}

    # ------------------------------------------------------------------ certificates
    def write(self, folder: Path | str) -> Path:
        """``ca.pem`` (and its key), ``NAME.pem``/``NAME.key`` per identity and
        ``access_control.json`` in ``folder``; keys are written readable by the owner only."""
        try:
            from cryptography import x509
            from cryptography.hazmat.primitives import hashes, serialization
            from cryptography.hazmat.primitives.asymmetric import ec
            from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
        except ImportError as err:
            raise TransportError("fleet certificates need the cryptography package "
                                 "(pip install cryptography)") from err
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        now = datetime.datetime.now(datetime.timezone.utc)
        start, end = now - datetime.timedelta(minutes=5), now + datetime.timedelta(days=self.days)

        def save_key(key, path: Path) -> None:
            path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                               serialization.PrivateFormat.PKCS8,
                                               serialization.NoEncryption()))
            path.chmod(0o600)

        def name(cn: str):
            return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "offload_ros fleet"),
                              x509.NameAttribute(NameOID.COMMON_NAME, cn)])

        ca_key = ec.generate_private_key(ec.SECP256R1())
        ca = (x509.CertificateBuilder().subject_name(name("fleet CA")).issuer_name(name("fleet CA"))
              .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
              .not_valid_before(start).not_valid_after(end)
              .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
              .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False,
                                           False), critical=True)
              .sign(ca_key, hashes.SHA256()))
        save_key(ca_key, folder / f"{CA}.key")
        (folder / f"{CA}.pem").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        bad = [h for h in self.hosts if not (_is_ip(h) or re.fullmatch(r"[A-Za-z0-9.-]+", h))]
        if bad or not self.hosts:
            raise TransportError(f"hosts: not a host name or address: {bad or 'none given'}")
        try:
            hosts = x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address(h)) if _is_ip(h) else x509.DNSName(h)
                for h in self.hosts])
        except ValueError as err:
            raise TransportError(f"hosts: not a host name or address: {err}") from err
        for ident in self.identities:
            key = ec.generate_private_key(ec.SECP256R1())
            cert = (x509.CertificateBuilder().subject_name(name(ident.name))
                    .issuer_name(ca.subject).public_key(key.public_key())
                    .serial_number(x509.random_serial_number())
                    .not_valid_before(start).not_valid_after(end)
                    .add_extension(hosts, critical=False)
                    .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH,
                                                          ExtendedKeyUsageOID.CLIENT_AUTH]),
                                   critical=False)
                    .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                                   critical=True)
                    .sign(ca_key, hashes.SHA256()))
            save_key(key, folder / f"{ident.name}.key")
            (folder / f"{ident.name}.pem").write_bytes(cert.public_bytes(
                serialization.Encoding.PEM))
        (folder / ACL).write_text(json.dumps(self.access_control(), indent=2))
        return folder

    # ------------------------------------------------------------------ zenoh config
    @staticmethod
    def session_tls(folder: Path | str, node: str, *, listen: bool = False) -> dict:
        """``transport/link/tls`` of ``node``'s session: the fleet CA, its own certificate
        and key (as the listening side for the router), mutual TLS."""
        folder = Path(folder)
        side = "listen" if listen else "connect"
        files = {"root_ca_certificate": folder / f"{CA}.pem",
                 f"{side}_private_key": folder / f"{node}.key",
                 f"{side}_certificate": folder / f"{node}.pem"}
        missing = [str(p) for p in files.values() if not p.is_file()]
        if missing:
            raise TransportError(f"no certificate for {node!r} in {folder} (missing "
                                 f"{', '.join(missing)}; make them with `offload-ros config "
                                 f"certs`)")
        return {**{k: str(v) for k, v in files.items()}, "enable_mtls": True,
                "verify_name_on_connect": True}

    @staticmethod
    def router_access_control(folder: Path | str) -> dict:
        path = Path(folder) / ACL
        try:
            return json.loads(path.read_text())
        except (OSError, ValueError) as err:
            raise TransportError(f"{path}: cannot read the fleet's access control: "
                                 f"{err}") from err


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True
