"""Each planner on a factory where its behaviour is known in advance."""

from __future__ import annotations

import pytest

from offload_ros.model import Scenario
from offload_ros.planning import (BalancedPlanner, CooperativePlanner, FixedPlanner,
                                  GreedyPlanner, PlannerRegistry, PlanningError)
from offload_ros.sim import Simulator
from test.conftest import DATA, SCENARIOS
from test.unit.sim.test_simulator_rules import PARTIAL, Recorder


def test_greedy_asks_for_everything(load_text):
    sc = load_text(PARTIAL)
    res = Simulator(sc).run(GreedyPlanner(sc), record=True)
    (decision,) = res.trace.decisions
    assert decision[5] == 200 and decision[6] == 50      # asked all, X admitted its 50


def test_fixed_asks_for_plan_kb_and_needs_it(load_text):
    sc = load_text(PARTIAL.replace("load_kb: 200}", "load_kb: 200, plan_kb: [20, 180]}"))
    res = Simulator(sc).run(FixedPlanner(sc), record=True)
    assert res.trace.decisions[0][5] == 20 and res.trace.decisions[0][6] == 20
    with pytest.raises(PlanningError, match="needs plan_kb for every AGV; a in 'partial'"):
        FixedPlanner(load_text(PARTIAL))


def test_balanced_follows_algorithm_1_and_carries_shortfalls_forward(load_text):
    sc = load_text(PARTIAL)
    rec = Recorder()
    Simulator(sc).run(rec)
    res = Simulator(sc).run(BalancedPlanner(sc), record=True)
    assert res.trace.decisions[0][5] == pytest.approx(rec.seen[0].plan_kb)
    assert res.trace.snapshots == {}          # never deviates from its own plan


def test_cooperative_yields_where_it_helps_the_coalition():
    sc = Scenario.load(DATA / "yield_helps.yaml")
    sim = Simulator(sc)
    balanced = sim.run(BalancedPlanner(sc))
    coop_planner = CooperativePlanner(sc)
    coop = sim.run(coop_planner)
    assert coop_planner.yields > 0
    assert coop.agvs["B"].wait_s < 0.6 * balanced.agvs["B"].wait_s
    assert coop.agvs["B"].cycles > balanced.agvs["B"].cycles
    assert coop.agvs["A"].wait_s == 0 == balanced.agvs["A"].wait_s   # yielding cost A nothing
    assert coop.processed_kb > balanced.processed_kb + 50


def test_cooperative_refuses_where_yielding_costs_more_than_it_saves():
    sc = Scenario.load(DATA / "yield_costs.yaml")
    sim = Simulator(sc)
    planner = CooperativePlanner(sc)
    sim.run(planner)
    assert planner.refusals > 0 and planner.yields == 0
    assert sim_json(sc, planner) == sim_json(sc, BalancedPlanner(sc))


def test_without_pheromones_cooperative_is_balanced(load_text):
    sc = load_text(PARTIAL)            # one AGV: nothing is shared, no pheromone is ever left
    planner = CooperativePlanner(sc)
    a = sim_json(sc, planner)
    assert a == sim_json(sc, BalancedPlanner(sc)) and planner.yields == 0


def sim_json(sc, policy):
    return Simulator(sc).run(policy, name="x").to_json()


def test_registry_knows_every_planner_and_rejects_others():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    for name in ("greedy", "fixed", "balanced", "cooperative"):
        assert PlannerRegistry.make(name, sc).name == name
    with pytest.raises(PlanningError, match="unknown planner 'gredy'"):
        PlannerRegistry.make("gredy", sc)


@pytest.mark.parametrize("name,message", [
    ("greedy:margin_kb=1", "^policy 'greedy:margin_kb=1': planner 'greedy' takes no options"),
    ("rollout:margin=1", "^policy 'rollout:margin=1': unknown option 'margin' \\(options: "
                         "candidates, base, lookahead_s, margin_kb\\)"),
    ("rollout:candidates=many", "^policy 'rollout:candidates=many': option "
                                "candidates='many' is not of type int"),
    ("rollout:candidates", "is not KEY=VALUE"),
    ("rollout:base=plan:base=greedy", "option 'base' given twice"),
    ("rollout:candidates=1", "^policy 'rollout:candidates=1': candidates: must be >= 2"),
    ("cooperative:margin_s=12:max_yield_fraction=0.25", None),
])
def test_planner_options_are_checked_by_their_dataclass(name, message):
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    if message is None:
        planner = PlannerRegistry.make(name, sc)
        assert planner.name == name
        assert (planner.config.margin_s, planner.config.max_yield_fraction) == (12.0, 0.25)
        return
    with pytest.raises(PlanningError, match=message):
        PlannerRegistry.make(name, sc)


def test_random_planner_is_seeded_and_asks_within_what_it_carries():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    sim = Simulator(sc)
    a = sim.run(PlannerRegistry.make("random", sc), record=True)
    b = sim.run(PlannerRegistry.make("random", sc), record=True)
    assert a.trace.requests == b.trace.requests
    from offload_ros.planning import RandomPlanner
    c = sim.run(RandomPlanner(sc, seed=1), record=True)
    assert c.trace.requests != a.trace.requests
    for t, m, k, cycle, es, request, adm, plan, _ in a.trace.decisions:
        assert 0 <= adm <= request
