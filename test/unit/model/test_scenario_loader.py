"""Scenario YAML: roundtrips, and every validation error names file, line and field."""

from __future__ import annotations

import pytest

from offload_ros.model import ModelError, Scenario, ScenarioLoader
from test.conftest import SCENARIOS

GOOD = """\
name: tiny
horizon_s: 600
metric: euclidean
speed_mps: 2.5
edge_servers:
  - {id: es1, position: [100, 0], rate_kb_per_min: 60, capacity_kb: 150}
  - {id: es2, position: [100, 100], rate_kb_per_min: 30, capacity_kb: 100}
agvs:
  - {id: agv1, start: [0, -50], route: [es1, es2], load_kb: 300,
     start_time_s: 5.0, speed_mps: 4.0, plan_kb: [120, 180]}
  - {id: agv2, start: [0, 0], route: [es2], load_kb: 50}
"""


def error_of(text: str) -> ModelError:
    with pytest.raises(ModelError) as info:
        ScenarioLoader().loads(text, source="bad.yaml")
    return info.value


def test_good_file_loads_with_every_field():
    sc = ScenarioLoader().loads(GOOD)
    assert sc.name == "tiny" and sc.horizon_s == 600 and sc.metric == "euclidean"
    a1, a2 = sc.agvs
    assert a1.route == ("es1", "es2") and a1.plan_kb == (120.0, 180.0)
    assert a1.start_time_s == 5.0 and sc.speed_of(a1) == 4.0
    assert sc.speed_of(a2) == 2.5 and a2.start_time_s == 0.0 and a2.plan_kb is None
    # euclidean: start (0,-50) -> es1 (100,0) is sqrt(100^2 + 50^2)
    assert sc.leg_times(a1)[0] == pytest.approx((100**2 + 50**2) ** 0.5 / 4.0)


def test_yaml_roundtrip_of_every_shipped_scenario():
    files = sorted(SCENARIOS.glob("*.yaml"))
    assert {f.stem for f in files} >= {"factory_5agv", "congested_2agv", "congested_4agv",
                                        "congested_6agv", "congested_8agv", "congested_10agv"}
    for f in files:
        sc = Scenario.load(f)
        assert ScenarioLoader().loads(sc.to_yaml()) == sc, f


@pytest.mark.parametrize("old,new,line,field,words", [
    ("route: [es1, es2]", "route: [es1, es9]", 9, "agvs[0].route[1]", "unknown edge server 'es9'"),
    ("id: es2, position: [100, 100]", "id: es1, position: [100, 100]", 7, "edge_servers[1].id",
     "duplicate edge server id 'es1'"),
    ("id: agv2", "id: agv1", 11, "agvs[1].id", "duplicate AGV id 'agv1'"),
    ("route: [es2]", "route: []", 11, "agvs[1].route", "at least one edge server"),
    ("rate_kb_per_min: 60", "rate_kb_per_min: -60", 6, "edge_servers[0].rate_kb_per_min",
     "must be > 0"),
    ("capacity_kb: 100", "capacity_kb: 0", 7, "edge_servers[1].capacity_kb", "must be > 0"),
    ("speed_mps: 2.5", "speed_mps: 0", 4, "speed_mps", "must be > 0"),
    ("speed_mps: 4.0", "speed_mps: -1", 10, "agvs[0].speed_mps", "must be > 0"),
    ("load_kb: 50", "load_kb: 0", 11, "agvs[1].load_kb", "must be > 0"),
    ("horizon_s: 600", "horizon_s: -1", 2, "horizon_s", "must be > 0"),
    ("start_time_s: 5.0", "start_time_s: -5.0", 10, "agvs[0].start_time_s", "must be >= 0"),
    ("plan_kb: [120, 180]", "plan_kb: [120]", 10, "agvs[0].plan_kb", "has 1 amounts but the route has 2"),
    ("plan_kb: [120, 180]", "plan_kb: [120, -1]", 10, "agvs[0].plan_kb[1]", "must be >= 0"),
    ("capacity_kb: 150", "capcity_kb: 150", 6, "edge_servers[0].capcity_kb",
     "did you mean 'capacity_kb'"),
    ("horizon_s: 600", "horizon: 600", 2, "horizon", "did you mean 'horizon_s'"),
    ("load_kb: 300", "load_kb: lots", 9, "agvs[0].load_kb", "must be a number, not 'lots'"),
    ("load_kb: 300", "load_kb: true", 9, "agvs[0].load_kb", "must be a number, not True"),
    ("position: [100, 0]", "position: [100]", 6, "edge_servers[0].position", "two numbers"),
    ("metric: euclidean", "metric: chebyshev", 3, "metric", "must be one of manhattan, euclidean"),
    ("route: [es2]", "route: es2", 11, "agvs[1].route", "must be a list"),
    ("horizon_s: 600", "horizon_s: 1e26", 2, "horizon_s", "over the limit of 20,000,000"),
    ("  - {id: agv2, start: [0, 0], route: [es2], load_kb: 50}",
     "  - {id: agv2, start: [0, 0], route: [es2]}", 11, "agvs[1].load_kb", "missing (required)"),
])
def test_each_validation_error_names_file_line_and_field(old, new, line, field, words):
    assert old in GOOD
    err = error_of(GOOD.replace(old, new))
    assert err.file == "bad.yaml"
    assert err.field == field
    assert err.line == line
    assert words in err.message
    assert str(err).startswith(f"bad.yaml:{line}: {field}: ")


def test_exponents_without_a_dot_are_numbers():
    # YAML 1.1 (PyYAML) would read these as strings
    sc = ScenarioLoader().loads(GOOD.replace("load_kb: 300", "load_kb: 3e2")
                                .replace("load_kb: 50", "load_kb: 1e308"))
    assert sc.agvs[0].load_kb == 300.0 and sc.agvs[1].load_kb == 1e308
    assert "must be a number, not '3e2x'" in error_of(GOOD.replace("load_kb: 300",
                                                                   "load_kb: 3e2x")).message


def test_the_event_estimate_bounds_a_real_run():
    from offload_ros.evaluation.policy_factory import PolicyFactory
    from offload_ros.sim.simulator import Simulator
    sc = ScenarioLoader().loads(GOOD)
    res = Simulator(sc).run(PolicyFactory.make("greedy", sc))
    stops = sum(a.cycles * (len(agv.route) + 1) for a, agv in zip(res.agvs.values(), sc.agvs))
    assert 0 < stops <= sc.events()
    # a cycle of length 0 is bounded by the work the servers take, not by driving
    still = ScenarioLoader().loads(GOOD.replace("start: [0, 0]", "start: [100, 100]"))
    res = Simulator(still).run(PolicyFactory.make("greedy", still))
    assert res.agvs["agv2"].cycles * 2 <= still.events() < 1e5


def test_not_yaml_gives_the_line():
    err = error_of("name: x\nedge_servers: [\n  {id: es1\nagvs: ]\n")
    assert "not valid YAML" in err.message and err.line is not None and err.line >= 3


def test_empty_and_non_mapping_files():
    assert "empty file" in error_of("").message
    assert "must be a mapping" in error_of("- just\n- a list\n").message


def test_all_problems_are_collected_and_counted():
    err = error_of(GOOD.replace("load_kb: 50", "load_kb: -1").replace("horizon_s: 600",
                                                                       "horizon_s: 0"))
    fields = [p[0] for p in err.problems]
    assert "horizon_s" in fields and "agvs[1].load_kb" in fields
    assert "(and 1 more problem)" in str(err)
    assert len(err.describe_all()) == 2


def test_missing_file_is_a_model_error(tmp_path):
    with pytest.raises(ModelError, match="cannot read scenario"):
        Scenario.load(tmp_path / "nope.yaml")


def test_programmatic_construction_is_validated_too():
    sc = ScenarioLoader().loads(GOOD)
    with pytest.raises(ModelError, match="unknown edge server 'zz'"):
        Scenario(edge_servers=sc.edge_servers,
                 agvs=(sc.agvs[0].__class__("x", (0.0, 0.0), ("zz",), 10.0),))
