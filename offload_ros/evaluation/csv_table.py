"""Experiment tables: rows of dicts to a CSV file."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Sequence


class CsvTable:
    @staticmethod
    def write(path: Path, rows: Sequence[dict]) -> Path:
        """``rows`` (their keys: the first row's) to ``path``; returns ``path``."""
        with path.open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rows[0]))
            w.writeheader()
            w.writerows(rows)
        return path
