"""Shared fixtures: scenario builders and paths."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from offload_ros.model import ScenarioLoader

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SCENARIOS = ROOT / "config" / "scenarios"


def free_port() -> int:
    """A TCP port on loopback that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def load_text():
    """Build a scenario from YAML text (the loader's own path, so tests see real errors)."""
    def _load(text: str, source: str = "test.yaml"):
        return ScenarioLoader().loads(text, source=source)
    return _load
