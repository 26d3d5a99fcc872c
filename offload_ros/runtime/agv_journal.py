"""An AGV's journal: its state (cycle, stop, kB on board, delivered, waits, the door it waits
at, offers in doubt, the offer it is sending) in SQLite (WAL mode), so a restarted AGV
resumes where it was. The controller writes it before every offer it sends (write-ahead:
the offer's request id and amount are in it) and after every step that changed something;
servers answer a repeated request id with its first answer, so re-sending the journalled
offer after a restart admits nothing twice."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from offload_ros.runtime.errors import NodeError
from offload_ros.runtime.sqlite_journal import SqliteJournal


class AgvJournal:
    """``save(state)`` replaces the journalled state in one transaction; ``load()`` gives it
    back (None for a new journal)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.db = SqliteJournal.connect(self.path)
        self.saves = 0

    def save(self, state: dict[str, Any]) -> None:
        try:
            with self.db:
                self.db.execute("BEGIN")
                self.db.execute("INSERT OR REPLACE INTO state (id, body) VALUES (1, ?)",
                                (json.dumps(state),))
        except sqlite3.Error as err:
            raise NodeError(f"journal {self.path}: {err}") from err
        self.saves += 1

    def load(self) -> dict[str, Any] | None:
        try:
            row = self.db.execute("SELECT body FROM state WHERE id = 1").fetchone()
        except sqlite3.Error as err:
            raise NodeError(f"journal {self.path}: {err}") from err
        if row is None:
            return None
        try:
            return json.loads(row[0])
        except ValueError as err:
            raise NodeError(f"journal {self.path}: not an AGV journal ({err})") from err

    def close(self) -> None:
        self.db.close()
