"""How a node joins the Zenoh network: on loopback by default, multicast scouting off."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from offload_ros.transport.errors import TransportError

MODES = ("client", "peer", "router")
DEFAULT_ENDPOINT = "tcp/127.0.0.1:7447"


@dataclass(frozen=True)
class ZenohConfig:
    """Zenoh session settings shared by every node process."""

    mode: str = field(default="client", metadata={
        "help": "client (through the router), peer, or router"})
    connect: str = field(default=DEFAULT_ENDPOINT, metadata={
        "help": "comma-separated endpoints to connect to (the demo's router by default)"})
    listen: str = field(default="", metadata={
        "help": "comma-separated endpoints to listen on (a router listens on connect's)"})
    multicast: bool = field(default=False, metadata={
        "help": "multicast scouting (off: only the configured endpoints)"})
    prefix: str = field(default="offload", metadata={
        "help": "first key chunk of every topic and service (a fleet's namespace)"})
    tls_dir: str = field(default="", metadata={
        "help": "the fleet's certificates (`offload-ros config certs`): mutual TLS and, on "
                "the router, access control; '' = plain TCP, no authentication"})

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            raise TransportError(f"mode: must be one of {MODES}, got {self.mode!r}")
        if not self.prefix or "/" in self.prefix or "*" in self.prefix:
            raise TransportError(f"prefix: one key chunk without '/' or '*', got "
                                 f"{self.prefix!r}")

    def endpoints(self, text: str) -> list[str]:
        return [e.strip() for e in text.split(",") if e.strip()]

    def session_config(self, node: str = ""):
        """``node``'s session: with ``tls_dir``, its certificate (``node``.pem/.key) on
        ``tls/`` endpoints, and for a router the fleet's access control too."""
        import zenoh
        conf = zenoh.Config()
        conf.insert_json5("mode", json.dumps(self.mode))
        conf.insert_json5("scouting/multicast/enabled", json.dumps(self.multicast))
        listen = self.endpoints(self.listen)
        connect = self.endpoints(self.connect)
        if self.mode == "router":
            listen = listen or connect
            connect = []
        if self.tls_dir:
            from offload_ros.transport.fleet_security import FleetSecurity
            listen = [self.secure(e) for e in listen]
            connect = [self.secure(e) for e in connect]
            router = self.mode == "router"
            conf.insert_json5("transport/link/tls", json.dumps(
                FleetSecurity.session_tls(self.tls_dir, node or "router", listen=router)))
            if router:
                conf.insert_json5("access_control", json.dumps(
                    FleetSecurity.router_access_control(self.tls_dir)))
        if listen:
            conf.insert_json5("listen/endpoints", json.dumps(listen))
        if connect:
            conf.insert_json5("connect/endpoints", json.dumps(connect))
        return conf

    @staticmethod
    def secure(endpoint: str) -> str:
        """``tcp/HOST:PORT`` as ``tls/HOST:PORT`` (TLS runs over TCP)."""
        return "tls/" + endpoint[4:] if endpoint.startswith("tcp/") else endpoint
