"""An edge server's journal: what it admitted and has not finished, and every answer it gave,
in SQLite (WAL mode), so a restarted server resumes its backlog and answers a retried request
with its first answer."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from offload_ros.runtime.sqlite_journal import SqliteJournal


class EdgeJournal:
    """``save(state, answer)`` writes the server's state and (optionally) one answer in one
    transaction; ``load()`` gives back the last state and every answer."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.db = SqliteJournal.connect(self.path, "answers (request_id TEXT PRIMARY KEY, "
                                                   "body TEXT)")

    def save(self, state: dict[str, Any], answer: tuple[str, dict[str, Any]] | None = None
             ) -> None:
        with self.db:
            self.db.execute("BEGIN")
            self.db.execute("INSERT OR REPLACE INTO state (id, body) VALUES (1, ?)",
                            (json.dumps(state),))
            if answer is not None:
                self.db.execute("INSERT OR REPLACE INTO answers (request_id, body) "
                                "VALUES (?, ?)", (answer[0], json.dumps(answer[1])))

    def load(self) -> tuple[dict[str, Any] | None, dict[str, dict[str, Any]]]:
        row = self.db.execute("SELECT body FROM state WHERE id = 1").fetchone()
        answers = {rid: json.loads(body)
                   for rid, body in self.db.execute("SELECT request_id, body FROM answers")}
        return (json.loads(row[0]) if row else None), answers

    def close(self) -> None:
        self.db.close()
