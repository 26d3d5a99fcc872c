"""A fleet's live AIGC placement in one process, with no middleware between its parts: one
:class:`AigcPlacer` per AGV, one :class:`AigcPlacementServer` per AGV (its policy node) and
one :class:`AigcEdge` per edge server, exchanging what the graph carries (the servers' states
at each epoch's start, placement requests and answers, outcomes). What the shells wire over
a transport; here it shows that the live parts, placed the same tasks, reproduce
``offload-ros aigc offload`` (``test_aigc_local_fleet``)."""

from __future__ import annotations

from offload_ros.model.scenario import Scenario
from offload_ros.model.seeding import Seeding
from offload_ros.runtime.aigc_edge import AigcEdge
from offload_ros.runtime.aigc_placement_server import AigcPlacementServer
from offload_ros.runtime.aigc_placer import AigcPlacer, AigcPlacerConfig
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.aigc_offload.aigc_simulator import EPS, AigcTask


class AigcLocalFleet:
    """``run()`` → the episode's summary, with the keys of :meth:`AigcSimulator.summary`."""

    def __init__(self, scenario: Scenario, policy: str, seed: int) -> None:
        self.scenario = scenario
        config = AigcPlacerConfig(aigc_seed=seed)
        self.placers = [AigcPlacer(scenario, a.id, config) for a in scenario.agvs]
        self.deciders = {a.id: AigcPlacementServer(   # one policy node per AGV, own stream
            scenario, policy, Seeding.int_seed(seed, "aigc-policy", a.id))
            for a in scenario.agvs}
        self.edges = {e.id: AigcEdge(scenario, e.id) for e in scenario.edge_servers}
        self.settings = self.placers[0].settings
        self.now = 0.0
        self.epochs = 0

    # the ports: direct calls
    def place_decide(self, agv_id: str, obs: AigcObservation) -> int | None:
        return self.deciders[agv_id].decide(obs)

    def place(self, es_id: str, task_id: str, task: AigcTask, now: float) -> str | None:
        return self.edges[es_id].place(task_id, task, now)

    @property
    def done(self) -> bool:
        s = self.settings
        total = sum(len(p.tasks) for p in self.placers)
        finished = sum(p.finished() for p in self.placers)
        return self.now >= s.horizon_s + s.drain_s - EPS or (
            self.now >= s.horizon_s - EPS and finished == total)

    def states(self) -> dict[str, dict]:
        """What each server broadcasts at the epoch's start."""
        return {e: edge.state() for e, edge in self.edges.items()}

    def run(self) -> dict:
        s = self.settings
        while not self.done:
            states = self.states()
            for placer in self.placers:
                placer.epoch(self.now, states, self)
            end = min(self.now + s.epoch_s, s.horizon_s + s.drain_s)
            by_agv = {p.i: p for p in self.placers}
            for edge in self.edges.values():
                for outcome in edge.advance(end):
                    by_agv[outcome.agv].on_outcome(outcome)
            self.now = end
            self.epochs += 1
            for placer in self.placers:
                placer.admit(self.now)
        return self.summary()

    def summary(self) -> dict:
        return {**AigcPlacer.summary(self.placers, self.now), "epochs": self.epochs,
                "end_s": self.now}
