"""The rollout planner: exact values from the simulator's state, never below its base, the
same numbers for the same factory, and refused where no simulator state exists (live)."""

from __future__ import annotations

import pytest

from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_generator import ScenarioGenerator
from offload_ros.planning.errors import PlanningError
from offload_ros.planning.planner_registry import PlannerRegistry
from offload_ros.planning.rollout_planner import RolloutPlanner, RolloutPlannerConfig
from offload_ros.sim.simulator import Simulator
from test.conftest import SCENARIOS

BASE_POLICY = {"greedy": "greedy", "plan": "balanced", "searched": "searched"}


def test_a_rollout_of_the_base_amount_is_the_base_episode_exactly():
    """From the state at any decision, continuing with the base's amount to the horizon is
    the base's own episode: its processed work to the last bit."""
    sc = Scenario.load(SCENARIOS / "congested_8agv.yaml")
    sim = Simulator(sc)
    values = []

    class Probe:                          # greedy, and the rollout value of its every choice
        name = "probe"

        def decide_in(self, obs, simulator, snapshot):
            values.append(simulator.rollout(snapshot(), obs.agv, obs.remaining_kb, "greedy"))
            return obs.remaining_kb

    probed = sim.run(Probe())
    greedy = sim.run(PlannerRegistry.make("greedy", sc))
    assert probed.processed_kb == greedy.processed_kb
    assert len(values) > 50
    assert values == pytest.approx([greedy.processed_kb] * len(values), rel=1e-12)


def test_a_rollout_on_the_searched_plan_continues_it_exactly():
    """The searched base is a table of multiples of the plan: continuing with the table's
    amount from any decision is the searched plan's own episode."""
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    sim = Simulator(sc)
    planner = RolloutPlanner(sc, RolloutPlannerConfig(base="searched"))
    searched = sim.run(PlannerRegistry.make("searched", sc))
    assert planner.table.actions == PlannerRegistry.make("searched", sc).table.actions
    values = []

    class Probe:                          # the searched plan, and the rollout of its choices
        name = "probe"

        def decide_in(self, obs, simulator, snapshot):
            base = planner.candidates(obs)[0]
            values.append(simulator.rollout(snapshot(), obs.agv, base, planner.continuation))
            return base

    assert sim.run(Probe()).processed_kb == searched.processed_kb
    assert len(values) > 50 and any(a != 4 for row in planner.table.actions for a in row)
    assert values == pytest.approx([searched.processed_kb] * len(values), rel=1e-12)


@pytest.mark.parametrize("base,margin_kb,factories", [
    ("greedy", 0.0, 12), ("plan", 0.0, 12), ("greedy", 100.0, 12), ("searched", 0.0, 4)])
def test_rollout_is_never_below_its_base_on_random_factories(base, margin_kb, factories):
    """A margin keeps the property: the chosen amount's value is still at least the base's."""
    gen = ScenarioGenerator(agvs=5, es=6, route_min=3, route_max=5, horizon_s=1800.0)
    gains = []
    for seed in range(factories):
        sc = gen.generate(seed)
        sim = Simulator(sc)
        base_kb = sim.run(PlannerRegistry.make(BASE_POLICY[base], sc)).processed_kb
        config = RolloutPlannerConfig(base=base, margin_kb=margin_kb)
        rolled = sim.run(RolloutPlanner(sc, config)).processed_kb
        assert rolled >= base_kb - 1e-6 * base_kb, (seed, rolled, base_kb)
        gains.append(rolled / base_kb)
    assert max(gains) > 1.001              # and it does find something somewhere


def test_rollout_gains_on_a_congested_shipped_factory_and_repeats_itself():
    sc = Scenario.load(SCENARIOS / "congested_8agv.yaml")
    sim = Simulator(sc)
    greedy = sim.run(PlannerRegistry.make("greedy", sc)).processed_kb
    first = sim.run(PolicyFactory.make("rollout", sc))
    again = sim.run(PolicyFactory.make("rollout", sc))
    assert first.processed_kb == again.processed_kb and first.agvs == again.agvs
    assert first.processed_kb > 1.02 * greedy
    assert first.conservation()["loaded_minus_delivered_carried"] == pytest.approx(0, abs=1e-6)


def test_a_margin_leaves_the_base_only_for_a_larger_gain():
    """Each decision against the values it compared: with margin M the planner moves off the
    base's amount only where a candidate's value beats the base's by more than M, and then
    to the best candidate; an unreachable margin is the base's episode exactly."""
    sc = Scenario.load(SCENARIOS / "congested_8agv.yaml")
    sim = Simulator(sc)
    margin = 200.0
    log = []

    class Spy(RolloutPlanner):
        def decide_in(self, obs, simulator, snapshot):
            snap = snapshot()
            values = [simulator.rollout(snap, obs.agv, a, "greedy") for a in self.candidates(obs)]
            chosen = super().decide_in(obs, simulator, lambda: snap)
            log.append((self.candidates(obs), values, chosen))
            return chosen

    margined = sim.run(Spy(sc, RolloutPlannerConfig(margin_kb=margin)))
    moved = 0
    for cands, values, chosen in log:
        best = max(range(len(values)), key=lambda k: (values[k], -k))
        if values[best] > values[0] + margin + 1e-6:
            assert chosen == cands[best]
            moved += 1
        else:
            assert chosen == cands[0]
    assert 0 < moved < len(log) // 4          # it does move, and only seldom
    greedy = sim.run(PlannerRegistry.make("greedy", sc)).processed_kb
    assert greedy < margined.processed_kb
    unreachable = sim.run(RolloutPlanner(sc, RolloutPlannerConfig(margin_kb=1e12)))
    assert unreachable.processed_kb == greedy


def test_options_in_the_policy_name_set_the_config():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    planner = PolicyFactory.make("rollout:margin_kb=150:base=plan:candidates=3", sc)
    assert planner.config == RolloutPlannerConfig(candidates=3, base="plan", margin_kb=150.0)
    assert planner.name == "rollout:margin_kb=150:base=plan:candidates=3"
    result = Simulator(sc).run(planner)
    assert result.policy == planner.name


def test_candidates_start_with_the_base_and_stay_within_what_it_carries():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    seen = []

    class Spy(RolloutPlanner):
        def decide_in(self, obs, simulator, snapshot):
            seen.append((obs, self.candidates(obs)))
            return super().decide_in(obs, simulator, snapshot)

    searched = PlannerRegistry.make("searched", sc)
    for base in ("greedy", "plan", "searched"):
        seen.clear()
        planner = Spy(sc, RolloutPlannerConfig(base=base, candidates=3))
        Simulator(sc).run(planner)
        assert seen and planner.rollouts == sum(len(c) for _, c in seen)
        for obs, cands in seen:
            want = {"greedy": obs.remaining_kb, "plan": min(obs.plan_kb, obs.remaining_kb),
                    "searched": searched.decide(obs)}[base]
            assert cands[0] == want
            assert all(0.0 <= a <= obs.remaining_kb for a in cands)
            assert 0.0 in cands and obs.remaining_kb in cands
            assert len(set(cands)) == len(cands)


def test_without_the_simulator_state_it_refuses_plainly():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    with pytest.raises(PlanningError, match="plans from the simulator's state"):
        RolloutPlanner(sc).decide(None)


@pytest.mark.parametrize("kwargs,field", [({"candidates": 1}, "candidates"),
                                          ({"base": "mcoo"}, "base"),
                                          ({"lookahead_s": -1.0}, "lookahead_s"),
                                          ({"margin_kb": -5.0}, "margin_kb")])
def test_bad_settings_name_the_field(kwargs, field):
    with pytest.raises(PlanningError, match=f"^{field}: "):
        RolloutPlannerConfig(**kwargs)
