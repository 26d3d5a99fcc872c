"""The per-factory fixed-plan search and its plan table."""

from __future__ import annotations

import dataclasses

import pytest

from offload_ros.model import Scenario
from offload_ros.model.disturbance import Disturbance
from offload_ros.model.scenario_generator import ScenarioGenerator
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.errors import SimError
from offload_ros.sim.plan_search import PlanSearch, PlanSearchConfig
from offload_ros.sim.plan_table import PlanTable
from offload_ros.sim.simulator import Simulator
from test.conftest import SCENARIOS

QUICK = PlanSearchConfig(restarts=1, sweeps=3, noise_draws=2)


def greedy_kb(sim: Simulator) -> float:
    return sim.run(lambda obs: obs.remaining_kb).processed_kb


@pytest.mark.parametrize("seed", range(6))
def test_the_searched_plan_is_never_below_greedy_on_its_episodes(seed):
    sc = ScenarioGenerator(agvs=3 + seed % 3, es=4, route_min=2, route_max=4,
                           horizon_s=1200).generate(seed)
    search = PlanSearch(sc, QUICK)
    table = search.run()
    sims = search.sims
    assert len(sims) == 3 and sims[0].draw is None and all(s.draw for s in sims[1:])
    w = QUICK.nominal_weight
    greedy = w * greedy_kb(sims[0]) + (1 - w) * sum(greedy_kb(s) for s in sims[1:]) / 2
    again = w * sims[0].run(table).processed_kb + \
        (1 - w) * sum(s.run(table).processed_kb for s in sims[1:]) / 2
    assert table.greedy_kb == pytest.approx(greedy, rel=1e-12)
    assert table.value_kb == pytest.approx(again, rel=1e-12)     # the value is the table's
    assert table.value_kb >= table.greedy_kb * (1 - 1e-12)
    assert table.gain >= 1 - 1e-12


def test_it_finds_more_than_greedy_on_the_shipped_factory():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    table = PlanSearch(sc, PlanSearchConfig(restarts=0, noise_draws=0)).run()
    # a measured figure (docs/benchmarks.md: 1.032 x with restarts); greedy is a local
    # optimum nowhere near it, so a broken ascent shows
    assert table.gain > 1.02
    assert table.value_kb == Simulator(sc).run(table).processed_kb


def test_the_same_seed_gives_the_same_plan_and_another_seed_other_starts():
    sc = ScenarioGenerator(agvs=4, es=4, route_min=3, route_max=4, horizon_s=1200).generate(7)
    a = PlanSearch(sc, QUICK).run()
    b = PlanSearch(sc, QUICK).run()
    assert a.actions == b.actions and a.value_kb == b.value_kb
    other = PlanSearch(sc, dataclasses.replace(QUICK, seed=1))
    assert [s.noise_seed for s in other.sims] != [s.noise_seed for s in PlanSearch(sc, QUICK).sims]


def test_the_scenarios_own_disturbance_is_used_and_zero_noise_is_nominal():
    sc = ScenarioGenerator(agvs=3, es=3, horizon_s=900).generate(3)
    own = dataclasses.replace(sc, disturbance=Disturbance(start_jitter_s=40.0))
    assert PlanSearch(own, QUICK).sims[1].draw.start_offset_s != \
        PlanSearch(sc, QUICK).sims[1].draw.start_offset_s
    quiet = dataclasses.replace(sc, disturbance=Disturbance())
    assert len(PlanSearch(quiet, QUICK).sims) == 1


def test_a_plan_table_acts_through_the_action_set():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    plan = PlanTable([[ActionSet.DEFAULT] * len(a.route) for a in sc.agvs])
    sim = Simulator(sc)
    # every stop asking for the plan: the balanced planner (the Algorithm 1 plan)
    assert sim.run(plan).processed_kb == sim.run(lambda o: o.plan_kb).processed_kb
    assert plan.describe(["a"])[0].startswith("a: plan")


@pytest.mark.parametrize("bad, field", [({"restarts": -1}, "restarts"),
                                        ({"sweeps": 0}, "sweeps"),
                                        ({"noise_draws": -2}, "noise_draws"),
                                        ({"nominal_weight": 0.0}, "nominal_weight")])
def test_bad_settings_name_the_field(bad, field):
    with pytest.raises(SimError, match=field):
        PlanSearchConfig(**bad)
    with pytest.raises(SimError, match=r"\[0\]\[1\] = 9"):
        PlanTable([[0, 9]])
