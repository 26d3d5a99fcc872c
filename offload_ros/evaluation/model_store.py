"""Which checkpoint ``--policy mcoo`` (``dqn``, ``ac``) means for a factory.

Policies are per factory: ``models/<algo>/factories/<name>/`` holds a model trained for one
shipped scenario, with ``factory.json`` naming the factories' fingerprints
(``Scenario.fingerprint``: layout, routes, loads, speeds and rates, not the name). A factory
whose fingerprint one of them lists gets that model, whatever its file is called; any other
gets the generalist ``models/<algo>/policy.pt`` (trained across random factories) and a
one-line notice saying so and how to train one for it.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from offload_ros.evaluation.errors import EvaluationError
from offload_ros.learning.checkpoint_reader import FACTORY_FILE
from offload_ros.model.errors import ModelError
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario


class ModelStore:
    """``ModelStore().find("mcoo", scenario)`` → the checkpoint's path."""

    _noticed: set[tuple[str, str]] = set()

    def __init__(self, root: Path | None = None, notify=None) -> None:
        """``root``: the models folder (default: the package's); ``notify(line, key)``: where
        the fallback notice goes (default: standard error, once per ``key``: algorithm and
        fingerprint)."""
        self._root = root
        self.notify = notify or self._stderr_once

    @property
    def root(self) -> Path:
        if self._root is None:
            try:
                self._root = PackagePaths.share() / "models"
            except ModelError as err:
                raise EvaluationError(str(err)) from err
        return self._root

    def generalist(self, algo: str) -> Path:
        return self.root / algo / "policy.pt"

    def per_factory(self, algo: str) -> dict[str, Path]:
        """Fingerprint → checkpoint of every per-factory model of ``algo``."""
        out: dict[str, Path] = {}
        for sidecar in sorted((self.root / algo / "factories").glob(f"*/{FACTORY_FILE}")):
            try:
                info = json.loads(sidecar.read_text())
                for factory in info["factories"]:
                    out.setdefault(str(factory["fingerprint"]), sidecar.parent / "policy.pt")
            except (OSError, ValueError, KeyError, TypeError) as err:
                raise EvaluationError(f"{sidecar}: not a factory file ({err})") from err
        return out

    def find(self, algo: str, scenario: Scenario | None) -> Path:
        """The model trained for ``scenario``'s factory, else the generalist (noticed)."""
        if scenario is None:
            return self.generalist(algo)
        fingerprint = scenario.fingerprint()
        path = self.per_factory(algo).get(fingerprint)
        if path is not None:
            return path
        generalist = self.generalist(algo)
        self.notify(f"policy {algo!r}: no model trained for factory {scenario.name!r} "
                    f"(fingerprint {fingerprint}) in {self.root / algo / 'factories'}; using "
                    f"the generalist {generalist} (train one: offload-ros train --algo {algo} "
                    f"--scenarios FACTORY.yaml --out DIR, then --policy {algo}:DIR/policy.pt)",
                    (algo, fingerprint))
        return generalist

    @classmethod
    def _stderr_once(cls, line: str, key: tuple[str, str]) -> None:
        if key not in cls._noticed:
            cls._noticed.add(key)
            print(f"offload-ros: {line}", file=sys.stderr)
