"""What every training run shares: the wall-clock budget, validation on held-back training
factories (the training curve), the progress bar, TensorBoard and CSV logs, checkpoints."""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Callable

import numpy as np

from offload_ros.learning.checkpoint import Checkpoint
from offload_ros.learning.checkpoint_reader import FACTORY_FILE
from offload_ros.learning.learned_policy import LearnedPolicy
from offload_ros.learning.rollout import Rollout
from offload_ros.learning.training_log import TrainingLog
from offload_ros.learning.training_config import TrainingConfig
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.simulator import Simulator

CURVE_FIELDS = ("wall_s", "episodes", "decisions", "train_return", "train_kb_per_h",
                "val_kb_per_h", "val_vs_greedy")


class TrainingRun(TrainingLog):
    """Validation factories come from the family's training seeds (stream ``"validation"``),
    never from the evaluation range; ``val_vs_greedy`` is the mean per-episode ratio of the
    current greedy-in-the-network policy to the greedy planner (where there are nominal and
    disturbed episodes, the worse of their two means). The first episode of each factory is
    nominal; a factory drawn again (training on scenario files) is played under
    its own disturbance or the training noise, each draw with a training noise seed (never
    one that evaluation uses), and not at all if there is no noise. With ``keep: best`` the
    saved decider is the one of the best validation point."""

    def __init__(self, config: TrainingConfig, family: ScenarioFamily, out: Path,
                 progress: bool = True, resume: Checkpoint | None = None) -> None:
        super().__init__(config.algo, config.minutes, out, progress)
        self.config, self.family = config, family
        self.validation, self.sims = [], []
        noise = config.disturbance()
        for k in range(config.eval_scenarios):
            sc = family.draw(config.seed, "validation", k)
            again = any(sc == seen for seen in self.validation)
            sim = Rollout.simulator(sc, noise, config.seed, "validation", k) if again \
                else Simulator(dataclasses.replace(sc, disturbance=None))
            if again and sim.draw is None:
                continue                        # the same nominal episode once more
            self.validation.append(sc)
            self.sims.append(sim)
        # greedy asks for all it carries (planning/ is a sibling layer, not imported here)
        self.greedy = np.array([sim.run(lambda obs: obs.remaining_kb).processed_kb_per_h
                                for sim in self.sims])
        self.curve: list[dict[str, float]] = list(resume.curve) if resume else []
        last = self.curve[-1] if self.curve else {}
        self.wall0 = float(last.get("wall_s", 0.0))
        self.episodes0 = int(last.get("episodes", 0))
        self.decisions0 = int(last.get("decisions", 0))
        self.episodes = self.decisions = 0      # this run's, on top of the resumed curve's
        self.train_return = self.train_kb_per_h = 0.0   # smoothed over batches
        self.best: tuple[float, list] | None = None     # (val_vs_greedy, decider layers)
        self.begin()                            # the budget starts after the set-up
        self.next_eval = self.start

    # -------------------------------------------------------------- budget and logging
    def due(self) -> bool:
        return time.monotonic() >= self.next_eval

    def evaluate(self, layers) -> tuple[float, float]:
        got = np.array([sim.run(LearnedPolicy(sc, None, self.config.algo, layers))
                        .processed_kb_per_h for sim, sc in zip(self.sims, self.validation)])
        ratio = got / self.greedy
        noisy = np.array([sim.draw is not None for sim in self.sims])
        if noisy.all() or not noisy.any():
            return float(got.mean()), float(ratio.mean())
        # the worse side: a policy must hold up both when the factory runs to its file and
        # when it drifts
        return float(got.mean()), float(min(ratio[~noisy].mean(), ratio[noisy].mean()))

    def add(self, episodes: int, decisions: int, episode_return: float,
            kb_per_h: float) -> None:
        """Count a finished batch; its mean return and kB/h enter the smoothed figures."""
        first = self.episodes == 0
        self.episodes += episodes
        self.decisions += decisions
        self.train_return = episode_return if first else \
            0.9 * self.train_return + 0.1 * episode_return
        self.train_kb_per_h = kb_per_h if first else 0.9 * self.train_kb_per_h + 0.1 * kb_per_h

    def progress(self, layers: Callable[[], list]) -> None:
        """A curve point when one is due (``layers()`` read only then), else the bar."""
        if self.due():
            self.record(layers())
        else:
            self.tick()

    def record(self, layers) -> dict[str, float]:
        """One training-curve point (validation of ``layers`` now)."""
        val, ratio = self.evaluate(layers)
        row = {"wall_s": round(self.wall0 + self.elapsed(), 2),
               "episodes": self.episodes0 + self.episodes,
               "decisions": self.decisions0 + self.decisions,
               "train_return": round(self.train_return, 4),
               "train_kb_per_h": round(self.train_kb_per_h, 1),
               "val_kb_per_h": round(val, 1), "val_vs_greedy": round(ratio, 5)}
        self.curve.append(row)
        if self.best is None or ratio > self.best[0]:
            self.best = (ratio, [(w.copy(), b.copy()) for w, b in layers])
        self.next_eval = time.monotonic() + self.config.eval_every_s
        self.scalars(row, ("train_return", "train_kb_per_h", "val_kb_per_h", "val_vs_greedy"),
                     row["episodes"])
        self.tick({"episodes": row["episodes"], "return": row["train_return"],
                   "kB/h": row["train_kb_per_h"], "val/greedy": f"{row['val_vs_greedy']:.4f}"})
        return row

    # -------------------------------------------------------------- artefacts
    def save(self, networks: dict[str, Any], decider: str, optimizer: dict | None) -> Path:
        if self.config.keep == "best" and self.best is not None:
            networks[decider].load_numpy_layers(self.best[1])
        packed = {role: Checkpoint.pack(net) for role, net in networks.items()}
        ck = Checkpoint(self.config.algo, asdict(self.config), asdict(self.family),
                        {r: p[0] for r, p in packed.items()}, {r: p[1] for r, p in packed.items()},
                        decider, self.curve, optimizer)
        path = ck.save(self.out / "policy.pt")
        self.write_curve(self.curve, CURVE_FIELDS)
        sidecar = self.out / FACTORY_FILE
        if self.family.is_random:
            sidecar.unlink(missing_ok=True)
        else:
            factories = [Scenario.load(p) for p in self.family.files()]
            sidecar.write_text(json.dumps({"algo": self.config.algo, "factories": [
                {"scenario": sc.name, "fingerprint": sc.fingerprint()} for sc in factories]},
                indent=2) + "\n")
        return path
