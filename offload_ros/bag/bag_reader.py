"""Reads a recording (ours, or one made by ``ros2 bag record`` with these types; MCAP or
SQLite): a summary, decoded messages, and the per-AGV transitions as a training dataset."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import numpy as np

from offload_ros.bag.errors import BagError
from offload_ros.bag.message_types import MessageTypes


class BagReader:
    """``BagReader(path).info()``; ``messages(topics)``; ``export_transitions(out)``."""

    def __init__(self, path: str | Path, types: MessageTypes | None = None) -> None:
        from rosbags.rosbag2 import Reader
        self.path = Path(path)
        self.types = types or MessageTypes.default()
        if not (self.path / "metadata.yaml").is_file():
            raise BagError(f"{self.path}: not a rosbag2 folder (no metadata.yaml)")
        try:
            self.reader = Reader(self.path)
            self.reader.open()
        except Exception as err:  # noqa: BLE001 - ReaderError and friends
            raise BagError(f"{self.path}: cannot read the bag: {err}") from err

    def info(self) -> dict[str, Any]:
        r = self.reader
        topics = {}
        for c in r.connections:
            t = topics.setdefault(c.topic, {"type": c.msgtype, "messages": 0})
            t["messages"] += c.msgcount
        import yaml
        meta = yaml.safe_load((self.path / "metadata.yaml").read_text())
        storage = meta["rosbag2_bagfile_information"].get("storage_identifier", "")
        return {"path": str(self.path), "storage": storage,
                "messages": r.message_count, "duration_s": r.duration * 1e-9,
                "start_ns": r.start_time, "end_ns": r.end_time,
                "topics": dict(sorted(topics.items()))}

    def messages(self, topics: tuple[str, ...] | None = None,
                 typename: str | None = None) -> Iterator[tuple[str, int, Any]]:
        """(topic, log time ns, decoded message); a message that does not decode is an error
        naming the topic and time."""
        conns = [c for c in self.reader.connections
                 if (topics is None or c.topic in topics)
                 and (typename is None or c.msgtype == typename)]
        if not conns:      # (an empty list would mean every connection to rosbags)
            return
        for conn, t_ns, raw in self.reader.messages(connections=conns):
            try:
                yield conn.topic, t_ns, self.types.decode(conn.msgtype, raw)
            except BagError as err:
                raise BagError(f"{self.path}: {conn.topic} at {t_ns} ns: {err}") from err

    def transitions(self) -> dict[str, np.ndarray]:
        """Per-decision arrays: ``agv`` (ids), ``observation`` (N x F), ``action``,
        ``default_action``, ``reward``, ``amount_kb``, ``admitted_kb``, ``time_s``,
        ``fallback``; in time order."""
        rows = [m for _, _, m in self.messages(
            typename="offload_interfaces/msg/Transition")]
        rows.sort(key=lambda m: (MessageTypes.seconds(m.header.stamp), m.agv_id))
        if not rows:
            raise BagError(f"{self.path}: no /offload/transitions messages to export")
        width = {len(m.observation) for m in rows}
        if len(width) != 1:
            raise BagError(f"{self.path}: transitions have observations of sizes "
                           f"{sorted(width)}; one policy feature set per bag")
        return {
            "agv": np.array([m.agv_id for m in rows]),
            "es": np.array([m.es_id for m in rows]),
            "time_s": np.array([MessageTypes.seconds(m.header.stamp) for m in rows]),
            "observation": np.stack([np.asarray(m.observation, np.float32) for m in rows]),
            "action": np.array([m.action for m in rows], np.int64),
            "default_action": np.array([m.default_action for m in rows], np.int64),
            "reward": np.array([m.reward for m in rows]),
            "amount_kb": np.array([m.amount_kb for m in rows]),
            "remaining_kb": np.array([m.remaining_kb for m in rows]),
            "plan_kb": np.array([m.plan_kb for m in rows]),
            "admitted_kb": np.array([m.admitted_kb for m in rows]),
            "fallback": np.array([m.fallback for m in rows]),
        }

    def export_transitions(self, out: str | Path) -> dict[str, Any]:
        """Writes the transitions as a NumPy ``.npz`` (what ``TransitionDataset`` reads)."""
        data = self.transitions()
        out = Path(out)
        out.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(out, **data)
        agvs, counts = np.unique(data["agv"], return_counts=True)
        return {"file": str(out), "transitions": int(len(data["action"])),
                "per_agv": dict(zip(agvs.tolist(), counts.tolist())),
                "features": int(data["observation"].shape[1])}

    def close(self) -> None:
        self.reader.close()
