"""The optional ``aigc:`` section of a scenario: defaults, validation with file/line/field,
and the cost formula shared with the AIGC cost model."""

from __future__ import annotations

import pytest

from offload_ros.model.aigc_offload.aigc_settings import AigcSettings
from offload_ros.model.errors import ModelError
from offload_ros.model.scenario_loader import ScenarioLoader

BASE = """name: t
edge_servers:
  - {id: es1, position: [0, 0], rate_kb_per_min: 60, capacity_kb: 150}
agvs:
  - {id: agv1, start: [0, 0], route: [es1], load_kb: 300}
"""


def test_no_section_means_the_defaults_and_a_section_roundtrips(load_text):
    sc = load_text(BASE)
    assert sc.aigc is None and sc.aigc_settings() == AigcSettings()
    sc = load_text(BASE + "aigc:\n  arrival_rate_per_s: 0.2\n  steps: [10, 40]\n"
                          "  classes: [scratch, dent]\n")
    assert sc.aigc.arrival_rate_per_s == 0.2 and sc.aigc.steps == (10, 40)
    assert sc.aigc.classes == ("scratch", "dent")
    assert ScenarioLoader().loads(sc.to_yaml()) == sc


@pytest.mark.parametrize("section, line, field, message", [
    ("aigc:\n  bandwidth_hz: -1\n", 7, "aigc.bandwidth_hz", "must be > 0"),
    ("aigc:\n  images_min: 9\n  images_max: 4\n", 6, "aigc.images_max", "must be >= images_min"),
    ("aigc:\n  steps: [20, 2.5]\n", 7, "aigc.steps[1]", "whole number"),
    ("aigc:\n  bandwith_hz: 5\n", 7, "aigc.bandwith_hz", "did you mean 'bandwidth_hz'"),
    ("aigc:\n  classes: [a, 3]\n", 7, "aigc.classes", "must be a list of names"),
    ("aigc: 5\n", 6, "aigc", "must be a mapping"),
])
def test_a_bad_section_is_rejected_naming_file_line_and_field(load_text, section, line, field,
                                                              message):
    with pytest.raises(ModelError) as err:
        load_text(BASE + section, source="f.yaml")
    assert err.value.file == "f.yaml" and err.value.field == field
    assert message in str(err.value)
    if field != "aigc.images_max":
        assert err.value.line == line


def test_the_cost_formula_is_the_cost_models():
    from offload_ros.aigc.cost_model import CostModel
    cm = CostModel()
    s = AigcSettings(step_fixed_s=cm.fixed_s, step_per_image_s=cm.per_image_s,
                     max_batch=cm.max_batch, cost_resolution=cm.resolution)
    for images, steps, res in ((1, 20, 32), (16, 50, 64), (37, 30, 32)):
        assert s.task_s(images, steps, res) == pytest.approx(cm.task_s(images, steps, res))
