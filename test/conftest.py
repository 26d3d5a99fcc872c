"""Shared fixtures: scenario builders and paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from offload_ros.model import ScenarioLoader

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SCENARIOS = ROOT / "config" / "scenarios"


@pytest.fixture
def load_text():
    """Build a scenario from YAML text (the loader's own path, so tests see real errors)."""
    def _load(text: str, source: str = "test.yaml"):
        return ScenarioLoader().loads(text, source=source)
    return _load
