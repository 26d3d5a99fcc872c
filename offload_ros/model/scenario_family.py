"""A family of factories that one learned policy serves: shipped/own files, or the random
generator with a range of fleet sizes. Training draws from seeds below
``Seeding.EVALUATION_SEED_BASE``; evaluation uses the seeds at or above it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from offload_ros.model.errors import ModelError
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_generator import ScenarioGenerator
from offload_ros.model.seeding import Seeding


@dataclass(frozen=True)
class ScenarioFamily:
    """Where training episodes come from (defaults: congested random factories, 6 ES)."""

    scenarios: str = field(default="random", metadata={
        "help": "'random' (the generator with the knobs below) or comma-separated scenario "
                "files / shipped names, drawn uniformly"})
    agvs_min: int = field(default=5, metadata={"help": "fewest AGVs of a random factory"})
    agvs_max: int = field(default=10, metadata={"help": "most AGVs of a random factory"})
    es: int = field(default=6, metadata={"help": "edge servers of a random factory"})
    route_min: int = field(default=4, metadata={"help": "fewest stops per random route"})
    route_max: int = field(default=7, metadata={"help": "most stops per random route"})
    rate_max: float = field(default=90.0, metadata={
        "help": "ES rate bound of a random factory", "unit": "kB/min"})
    horizon_s: float = field(default=3600.0, metadata={
        "help": "horizon of a random factory (files keep their own)", "unit": "s"})

    def __post_init__(self) -> None:
        if not 1 <= self.agvs_min <= self.agvs_max:
            raise ModelError(f"need 1 <= agvs_min <= agvs_max, got {self.agvs_min}, "
                             f"{self.agvs_max}", field="agvs_min")
        if self.horizon_s <= 0:
            raise ModelError(f"must be > 0, got {self.horizon_s}", field="horizon_s")
        self.generator(self.agvs_min)  # validates the generator knobs

    @property
    def is_random(self) -> bool:
        return self.scenarios.strip() == "random"

    def files(self) -> list[Path]:
        out = []
        for name in (s.strip() for s in self.scenarios.split(",")):
            if not name:
                continue
            path = Path(name)
            if not path.exists() and "/" not in name:
                path = PackagePaths.scenario(name)
            if not path.exists():
                raise ModelError(f"no such scenario file or shipped scenario: {name}",
                                 field="scenarios")
            out.append(path)
        if not out:
            raise ModelError("names no scenario", field="scenarios")
        return out

    def generator(self, agvs: int) -> ScenarioGenerator:
        return ScenarioGenerator(agvs=agvs, es=self.es, route_min=self.route_min,
                                 route_max=self.route_max, rate_max=self.rate_max,
                                 horizon_s=self.horizon_s)

    def draw(self, seed: int, *stream: str | int, evaluation: bool = False) -> Scenario:
        """The factory for ``(seed, *stream)``: training draws use generator seeds below
        ``Seeding.EVALUATION_SEED_BASE``; ``evaluation=True`` draws at or above it."""
        rng = Seeding.rng(seed, "scenario-family", *stream)
        if not self.is_random:
            files = self.files()
            return Scenario.load(files[int(rng.integers(len(files)))])
        agvs = int(rng.integers(self.agvs_min, self.agvs_max + 1))
        base = Seeding.EVALUATION_SEED_BASE
        gen_seed = int(rng.integers(base, 2 * base)) if evaluation else int(rng.integers(base))
        return self.generator(agvs).generate(gen_seed)

    def evaluation_set(self, n: int) -> list[Scenario]:
        """``n`` held-out factories of this family (random: seeds from the evaluation range,
        fleet sizes cycling through agvs_min..agvs_max; files: the files themselves)."""
        if not self.is_random:
            return [Scenario.load(p) for p in self.files()][:max(n, 1)]
        sizes = range(self.agvs_min, self.agvs_max + 1)
        return [self.generator(sizes[k % len(sizes)]).generate(seed)
                for k, seed in enumerate(Seeding.evaluation_seeds(n))]
