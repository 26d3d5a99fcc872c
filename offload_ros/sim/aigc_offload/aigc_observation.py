"""What one AGV sees when it places its task: its own task and queue, and per edge server
what the ES broadcasts (its load and owed compute) and what the AGV measures (the radio rate
at its distance). Local only: nothing of other AGVs' tasks or positions.

Features (``NAMES``; seconds over ``TIME_SCALE_S``, all roughly in [0, 1]):

- own: ``has_task`` (0: nothing to place; the rest is then 0), the task's images, steps,
  pixels, input size, its slack (deadline left) and age, and how many more tasks wait behind
  it;
- per edge server, in the scenario's order: the estimated upload time (Shannon rate at the
  current distance with the ES's current uploads plus this one), the ES's owed compute
  (:meth:`AigcSimulator.committed_s`), this task's compute time there, the estimated finish
  time ``eft = upload + max(owed - upload, 0) + compute + download`` (one task after another),
  the slack left after it, the number of uploads it serves, whether the AGV is approaching it
  (distance in 5 s minus now), whether it is full (placements would be refused), and
  ``eft_batch``: the finish time knowing the batching rule (:meth:`AigcSimulator.finish_s`:
  the ES's service played forward with the tasks uploading to it; what it broadcasts is
  enough to do this).
"""

from __future__ import annotations

import numpy as np

from offload_ros.sim.aigc_offload.aigc_simulator import AigcSimulator

OWN = ("has_task", "images", "steps", "pixels", "input", "slack", "age", "behind")
PER_ES = ("upload", "owed", "compute", "eft", "slack_after", "uploads", "approach", "full",
          "eft_batch")
TIME_SCALE_S = 30.0
LOOKAHEAD_S = 5.0


class AigcObservation:
    """``AigcObservation(sim)`` reads the simulator now: ``features`` ``[agv, size]``,
    ``eft_s`` and ``eft_batch_s`` ``[agv, es]`` (inf where full), ``distance_m`` ``[agv, es]``,
    ``active``."""

    @staticmethod
    def size(n_es: int) -> int:
        return len(OWN) + len(PER_ES) * n_es

    @staticmethod
    def names(n_es: int) -> list[str]:
        return list(OWN) + [f"es{j}.{f}" for j in range(n_es) for f in PER_ES]

    def __init__(self, sim: AigcSimulator) -> None:
        s = sim.settings
        n, m = sim.n_agvs, sim.n_es
        dist = sim.distances()
        ahead = sim.floor_distances(sim.positions(sim.now + LOOKAHEAD_S))
        owed = np.array([sim.committed_s(j) for j in range(m)])
        uploads = np.array([len(sim.uploads[j]) for j in range(m)], float)
        full = np.array([sim.load(j) >= s.es_queue_max for j in range(m)], float)
        own = np.zeros((n, len(OWN)))
        per = np.zeros((n, m, len(PER_ES)))
        eft = np.full((n, m), np.inf)
        eft_batch = np.full((n, m), np.inf)
        active = np.zeros(n, bool)
        max_images = float(s.images_max)
        max_steps = float(max(s.steps))
        max_pixels = float(max(s.resolutions)) ** 2
        for i in range(n):
            task = sim.head(i)
            per[i, :, 1] = owed / TIME_SCALE_S
            per[i, :, 5] = uploads / 4.0
            per[i, :, 6] = (dist[i] - ahead[i]) / (LOOKAHEAD_S * 10.0)
            per[i, :, 7] = full
            if task is None:
                continue
            active[i] = True
            age = sim.now - task.arrival_s
            slack = task.deadline_s - age
            own[i] = (1.0, task.images / max_images, task.steps / max_steps,
                      task.resolution ** 2 / max_pixels, task.input_kb / s.input_kb_max,
                      slack / TIME_SCALE_S, age / TIME_SCALE_S,
                      (len(sim.waiting[i]) - 1) / 4.0)
            bits_in, bits_out = task.input_kb * 8000.0, task.output_kb * 8000.0
            for j in range(m):
                up = bits_in / sim.rate_bps(dist[i, j], len(sim.uploads[j]) + 1)
                down = bits_out / sim.rate_bps(dist[i, j], len(sim.downloads[j]) + 1, True)
                compute = task.compute_s / sim.speed[j]
                e = up + max(owed[j] - up, 0.0) + compute + down
                per[i, j, 0] = up / TIME_SCALE_S
                per[i, j, 2] = compute / TIME_SCALE_S
                per[i, j, 3] = e / TIME_SCALE_S
                per[i, j, 4] = (slack - e) / TIME_SCALE_S
                eb = sim.finish_s(i, j, task)
                per[i, j, 8] = min(eb, 10 * TIME_SCALE_S) / TIME_SCALE_S
                if not full[j]:
                    eft[i, j] = e
                    eft_batch[i, j] = eb
        self.features = np.concatenate([own, per.reshape(n, -1)], axis=1).astype(np.float32)
        self.eft_s = eft
        self.eft_batch_s = eft_batch
        self.distance_m = dist
        self.active = active

    @classmethod
    def of(cls, features: np.ndarray, eft_s: np.ndarray, eft_batch_s: np.ndarray,
           distance_m: np.ndarray, active: np.ndarray) -> "AigcObservation":
        """An observation from its arrays (``[agv, ...]``), e.g. one AGV's row that a policy
        node got over the graph."""
        obs = cls.__new__(cls)
        obs.features = np.asarray(features, np.float32).reshape(len(active), -1)
        obs.eft_s = np.asarray(eft_s, float).reshape(len(active), -1)
        obs.eft_batch_s = np.asarray(eft_batch_s, float).reshape(len(active), -1)
        obs.distance_m = np.asarray(distance_m, float).reshape(len(active), -1)
        obs.active = np.asarray(active, bool)
        return obs

    def row(self, agv: int) -> "AigcObservation":
        """AGV ``agv``'s own view alone, as a one-row observation (all a decentralised
        policy reads to place that AGV's task)."""
        k = slice(agv, agv + 1)
        return AigcObservation.of(self.features[k], self.eft_s[k], self.eft_batch_s[k],
                                  self.distance_m[k], self.active[k])

    def least(self, score: np.ndarray) -> np.ndarray:
        """Each AGV with a task on its lowest-``score`` edge server among those not full
        (action ``1 + index``); hold where all are full or there is nothing to place."""
        score = np.where(np.isfinite(self.eft_s), score, np.inf)
        best = score.argmin(1)
        ok = self.active & np.isfinite(score[np.arange(len(best)), best])
        return np.where(ok, best + 1, 0).astype(np.int64)
