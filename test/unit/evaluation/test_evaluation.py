"""Statistics, comparisons, experiments and policy names."""

from __future__ import annotations

import csv

import pytest

from offload_ros.evaluation import (Comparison, EvaluationError, Experiment, ExperimentConfig,
                                    PolicyFactory, Statistics)
from offload_ros.model import Scenario
from test.conftest import SCENARIOS


def test_confidence_interval_matches_students_t():
    s = Statistics.of([1.0, 2.0, 3.0, 4.0])
    # mean 2.5, sd 1.29099, t(0.975, 3) = 3.18245: half-width 3.18245 * 1.29099 / 2
    assert s.mean == 2.5 and s.n == 4
    assert s.half_width == pytest.approx(3.182446 * 1.290994 / 2, rel=1e-5)


def test_comparison_rows_table_csv_and_png(tmp_path):
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    rows = Comparison([sc], ["greedy", "cooperative"]).run()
    assert [r.policy for r in rows] == ["greedy", "cooperative"]
    assert all(0 < r.of_bound <= 1 for r in rows)
    path = Comparison.write_csv(rows, tmp_path / "c.csv")
    assert len(list(csv.DictReader(path.open()))) == 2
    png = Comparison.plot(rows, tmp_path / "c.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize("scenarios", [["factory_5agv"], ["factory_5agv", "congested_10agv"]])
def test_the_comparison_legend_hides_no_bar(scenarios):
    """The report: compare's legend (bottom right) covered the last policy's bar (ac)."""
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from offload_ros.evaluation.comparison import ComparisonRow
    policies = ["greedy", "balanced", "cooperative", "mcoo", "dqn", "ac"]
    heights = [20_400, 20_400, 20_400, 20_400, 18_800, 10_000]   # compare factory_5agv's
    rows = [ComparisonRow(s, p, kb * (1 + 0.1 * k), 0, 0, 0, 0, 0, 22_800 * (1 + 0.1 * k))
            for k, s in enumerate(scenarios) for p, kb in zip(policies, heights)]
    fig = Comparison.figure(rows)
    try:
        fig.canvas.draw()
        (ax,) = fig.axes
        legend = ax.get_legend()
        assert [t.get_text() for t in legend.get_texts()] == ["flow bound"] + policies
        box = legend.get_window_extent()
        bars = [p for p in ax.patches if isinstance(p, Rectangle)]
        assert len(bars) == len(policies) * len(scenarios)
        assert not [b.get_label() for b in bars if box.overlaps(b.get_window_extent())]
        assert not box.overlaps(ax.get_window_extent())      # beside the axes: hides nothing
        assert fig.bbox.contains(box.x0, box.y0) and fig.bbox.contains(box.x1, box.y1)
        assert ax.get_xlabel() and "[kB/h]" in ax.get_ylabel() and ax.get_title()
    finally:
        plt.close(fig)


def test_experiment_sweeps_held_out_seeds_and_writes_outputs(tmp_path):
    exp = Experiment("agv-count", ExperimentConfig(seeds=3, policies="greedy,balanced"))
    calls = []
    points, raw = exp.run(progress=lambda: calls.append(1))
    assert len(calls) == exp.total() == 15 and len(raw) == 15
    assert {p.policy for p in points} == {"greedy", "balanced", "flow bound"}
    for x in (2, 4, 6, 8, 10):
        bound = next(p for p in points if p.x == x and p.policy == "flow bound").stats.mean
        greedy = next(p for p in points if p.x == x and p.policy == "greedy").stats.mean
        assert 0 < greedy <= bound
    for p in points:   # the paired difference is per factory, so it matches the raw rows
        diffs = [r[p.policy] - r["greedy"] for r in raw if r["x"] == p.x]
        assert p.paired.mean == pytest.approx(sum(diffs) / len(diffs))
    summary, per_seed, png = exp.write(points, raw, tmp_path)
    assert len(list(csv.DictReader(summary.open()))) == 15
    assert png.exists() and per_seed.exists()
    import matplotlib.pyplot as plt
    fig = exp.figure(points)
    try:
        fig.canvas.draw()
        ax, gain = fig.axes
        assert all(float(t).is_integer() for t in ax.get_xticks())     # AGVs: whole numbers
        legend = gain.get_legend()
        assert len(legend.get_texts()) == 3                            # 2 policies + bound
        for a in (ax, gain):
            assert not legend.get_window_extent().overlaps(a.get_window_extent())
        (line,) = gain.lines[:1]            # balanced - greedy, factory by factory
        assert list(line.get_ydata()) == pytest.approx(
            [p.paired.mean for p in points if p.policy == "balanced"])
    finally:
        plt.close(fig)


def test_the_noise_sweep_starts_nominal_and_disturbs_each_factory_by_its_own_draw():
    from dataclasses import replace

    from offload_ros.evaluation.experiment import KINDS
    from offload_ros.model.seeding import Seeding
    from offload_ros.sim.simulator import Simulator
    exp = Experiment("noise", ExperimentConfig(seeds=2, policies="greedy", horizon_s=900.0))
    _, raw = exp.run()
    kind = KINDS["noise"]
    for row in raw:
        sc = replace(kind.generator(row["x"]), horizon_s=900.0).generate(row["seed"])
        nominal = Simulator(sc).run(PolicyFactory.make("greedy", sc)).processed_kb_per_h
        noisy = replace(sc, disturbance=kind.disturbance(row["x"]))
        drawn = Simulator(noisy, noise_seed=row["seed"]).run(
            PolicyFactory.make("greedy", noisy)).processed_kb_per_h
        assert row["greedy"] == drawn
        assert (row["greedy"] == nominal) == (row["x"] == 0)
    assert {r["seed"] for r in raw} == set(Seeding.evaluation_seeds(2))


def test_bad_experiment_requests():
    with pytest.raises(EvaluationError, match="unknown experiment"):
        Experiment("agv-speed")
    with pytest.raises(EvaluationError, match="--seeds must be >= 2"):
        Experiment("es-rate", ExperimentConfig(seeds=1))


def test_policy_names_resolve_or_explain():
    sc = Scenario.load(SCENARIOS / "factory_5agv.yaml")
    assert PolicyFactory.make("greedy", sc).name == "greedy"
    with pytest.raises(EvaluationError, match="unknown policy 'gready'"):
        PolicyFactory.make("gready", sc)
    with pytest.raises(EvaluationError, match="no checkpoint at models/x.pt"):
        PolicyFactory.make("mcoo:models/x.pt", sc)
    with pytest.raises(EvaluationError, match="'amarl' is the AIGC offloading policy"):
        PolicyFactory.make("amarl", sc)
