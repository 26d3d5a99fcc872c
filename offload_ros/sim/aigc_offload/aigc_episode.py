"""One AIGC offloading episode of a policy (anything with ``act(AigcObservation)``)."""

from __future__ import annotations

from offload_ros.model.scenario import Scenario
from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
from offload_ros.sim.aigc_offload.aigc_simulator import (
    AigcSimulator,
    AigcSimulatorConfig,
)


class AigcEpisode:
    @staticmethod
    def run(scenario: Scenario, policy, seed: int,
            config: AigcSimulatorConfig | None = None) -> dict:
        """The episode's :meth:`AigcSimulator.summary` plus ``return`` (the mean over AGVs of
        their summed rewards) and ``agvs``."""
        sim = AigcSimulator(scenario, config)
        sim.reset(seed)
        total = 0.0
        while not sim.done:
            total += float(sim.step(policy.act(AigcObservation(sim))).mean())
        sim.check_conservation()
        return {**sim.summary(), "return": total, "agvs": sim.n_agvs}
