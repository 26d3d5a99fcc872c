"""The same scenario and policy give the same numbers, run after run."""

import json

from offload_ros.model import ScenarioGenerator
from offload_ros.planning import PlannerRegistry
from offload_ros.sim import Simulator
from test.unit.sim.test_conservation import RandomFraction


def test_repeat_runs_are_identical():
    sc = ScenarioGenerator(agvs=8, es=6).generate(11)
    for name in ("greedy", "balanced", "cooperative"):
        a = Simulator(sc).run(PlannerRegistry.make(name, sc)).to_json()
        b = Simulator(sc).run(PlannerRegistry.make(name, sc)).to_json()
        assert json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)
    a = Simulator(sc).run(RandomFraction(5)).to_json()
    b = Simulator(sc).run(RandomFraction(5)).to_json()
    c = Simulator(sc).run(RandomFraction(6)).to_json()
    assert a == b and a != c
