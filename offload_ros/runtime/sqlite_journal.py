"""The SQLite file under every node journal (the edge server's and the AGV's): autocommit,
write-ahead log, one ``state`` table plus the journal's own."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from offload_ros.runtime.errors import NodeError


class SqliteJournal:
    """``SqliteJournal.connect(path, "answers (request_id TEXT PRIMARY KEY, body TEXT)")``."""

    @staticmethod
    def connect(path: Path, *tables: str) -> sqlite3.Connection:
        """An open journal at ``path`` (its folder made) with ``state`` and ``tables``; a
        NodeError naming the file if SQLite cannot."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            for table in ("state (id INTEGER PRIMARY KEY, body TEXT)", *tables):
                db.execute(f"CREATE TABLE IF NOT EXISTS {table}")
        except (OSError, sqlite3.Error) as err:
            raise NodeError(f"journal {path}: {err}") from err
        return db
