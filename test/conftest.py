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


def aigc_ledger(journals: Path) -> tuple[set[str], int, int]:
    """What a run's journals say of its AIGC tasks: the ids the edge servers answered, how
    many they still hold open, and how many the AGVs sent (emitted minus still queued)."""
    from offload_ros.runtime.agv_journal import AgvJournal
    from offload_ros.runtime.edge_journal import EdgeJournal
    answered, still_open, sent = set(), 0, 0
    for f in sorted(journals.glob("es*.db")):
        state, _ = EdgeJournal(f).load()
        answered |= set(state["aigc_done"])
        still_open += len(state["aigc_open"])
    for f in sorted(journals.glob("agv*.db")):
        state = AgvJournal(f).load()
        sent += state["aigc_count"] - len(state["aigc_queue"])
    return answered, still_open, sent
