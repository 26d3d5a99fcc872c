"""Trains the defect diffusion model: DDPM noise-prediction loss, AdamW with warm-up and cosine
decay, EMA weights (what is saved and shipped), resumable checkpoints and sample grids."""

from __future__ import annotations

import csv
import math
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from offload_ros.aigc.defect_dataset import DefectDataset
from offload_ros.aigc.defect_diffusion_model import DefectDiffusionModel
from offload_ros.aigc.diffusion_config import DiffusionConfig
from offload_ros.aigc.errors import AigcError
from offload_ros.aigc.image_grid import ImageGrid
from offload_ros.model.plot_style import PlotStyle
from offload_ros.model.seeding import Seeding

STATE = "checkpoint.pt"
CURVE_FIELDS = ("step", "loss", "lr", "wall_s")
#: Settings that must match to resume (the rest, e.g. ``steps``, may change).
SHAPE_KEYS = ("data", "resolution", "channels", "train_timesteps", "beta_schedule")


class TrainDiffusion:
    """Writes to ``out``: the model folder (EMA weights), ``checkpoint.pt`` (weights, EMA,
    optimiser and random states, to resume), ``samples/step_NNNNNN.png`` grids (a row per
    class, fixed seeds), ``training.csv`` and ``training.png`` (the loss curve)."""

    def __init__(self, config: DiffusionConfig, out: Path, progress: bool = True,
                 resume: bool = False) -> None:
        self.config, self.out, self.progress = config, Path(out), progress
        self.data = DefectDataset.load(config.data, config.resolution, config.per_class,
                                       config.seed)
        self.model = DefectDiffusionModel.build(config, self.data.class_names)
        from diffusers import DDPMScheduler
        from diffusers.training_utils import EMAModel
        self.noise_schedule = DDPMScheduler(num_train_timesteps=config.train_timesteps,
                                            beta_schedule=config.beta_schedule)
        self.unet = self.model.unet.train()
        self.ema = EMAModel(self.unet.parameters(), decay=config.ema_decay)
        self.opt = torch.optim.AdamW(self.unet.parameters(), lr=config.lr, weight_decay=1e-4)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, self.lr_factor)
        self.rng = Seeding.rng(config.seed, "aigc-batches")
        self.gen = torch.Generator().manual_seed(Seeding.int_seed(config.seed, "aigc-noise-train"))
        self.step = 0
        self.curve: list[dict[str, float]] = []
        self.wall0 = 0.0
        if resume:
            self._resume()

    def lr_factor(self, step: int) -> float:
        c = self.config
        if step < c.warmup:
            return (step + 1) / c.warmup
        frac = (step - c.warmup) / max(1, c.steps - c.warmup)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))

    # ------------------------------------------------------------------ one step
    def batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        idx = self.rng.integers(0, len(self.data), self.config.batch)
        imgs = self.data.images[idx].astype(np.float32) / 127.5 - 1.0
        flips = self.rng.random((len(idx), 2)) < 0.5
        imgs = np.where(flips[:, 0, None, None], imgs[:, :, ::-1], imgs)
        imgs = np.where(flips[:, 1, None, None], imgs[:, ::-1, :], imgs)
        labels = self.data.labels[idx].copy()
        labels[self.rng.random(len(idx)) < self.config.uncond_prob] = len(self.data.class_names)
        return torch.from_numpy(np.ascontiguousarray(imgs))[:, None], torch.from_numpy(labels)

    def train_step(self) -> float:
        x0, labels = self.batch()
        noise = torch.randn(x0.shape, generator=self.gen)
        t = torch.randint(0, self.config.train_timesteps, (len(x0),), generator=self.gen)
        xt = self.noise_schedule.add_noise(x0, noise, t)
        loss = torch.nn.functional.mse_loss(self.unet(xt, t, class_labels=labels).sample, noise)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.unet.parameters(), 1.0)
        self.opt.step()
        self.sched.step()
        self.ema.step(self.unet.parameters())
        self.step += 1
        return loss.item()

    # ------------------------------------------------------------------ run
    def run(self) -> Path:
        c = self.config
        self.out.mkdir(parents=True, exist_ok=True)
        start = time.monotonic()
        bar = None
        if self.progress:
            from tqdm import tqdm
            bar = tqdm(total=c.steps, initial=self.step, unit="step", desc="aigc train")
        smooth = self.curve[-1]["loss"] if self.curve else None
        try:
            while self.step < c.steps:
                loss = self.train_step()
                smooth = loss if smooth is None else 0.98 * smooth + 0.02 * loss
                if self.step % 10 == 0 or self.step % c.checkpoint_every == 0 \
                        or self.step == c.steps:
                    self.curve.append({"step": self.step, "loss": smooth,
                                       "lr": self.sched.get_last_lr()[0],
                                       "wall_s": self.wall0 + time.monotonic() - start})
                if bar is not None:
                    bar.update(1)
                    bar.set_postfix(loss=f"{smooth:.4f}")
                if self.step % c.checkpoint_every == 0 or self.step == c.steps:
                    self.save(self.wall0 + time.monotonic() - start)
        finally:
            if bar is not None:
                bar.close()
        return self.out

    def ema_model(self) -> DefectDiffusionModel:
        unet = DefectDiffusionModel.make_unet(self.config, len(self.data.class_names))
        unet.load_state_dict(self.unet.state_dict())
        self.ema.copy_to(unet.parameters())
        return DefectDiffusionModel(unet, self.data.class_names, self.config,
                                    self.model.scheduler_config)

    def save(self, wall_s: float) -> None:
        """The EMA model folder, the resumable state (``wall_s`` of training so far), a sample
        grid and the curve."""
        model = self.ema_model()
        model.save(self.out, trained_steps=self.step, data_source=self.data.source,
                   training_images=len(self.data))
        state = {"config": asdict(self.config), "step": self.step,
                 "unet": self.unet.state_dict(), "ema": self.ema.state_dict(),
                 "optimizer": self.opt.state_dict(), "lr_schedule": self.sched.state_dict(),
                 "rng": self.rng.bit_generator.state, "torch_rng": self.gen.get_state(),
                 "curve": self.curve, "wall_s": wall_s}
        tmp = self.out / (STATE + ".tmp")
        torch.save(state, tmp)
        tmp.replace(self.out / STATE)
        names = model.class_names
        grid = np.concatenate([model.generate(c, 8, steps=20, seed=k) for k, c in
                               enumerate(names)])
        ImageGrid.save(grid, self.out / "samples" / f"step_{self.step:06d}.png", columns=8,
                       row_labels=names)
        self._write_curve()

    def _write_curve(self) -> None:
        with open(self.out / "training.csv", "w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=CURVE_FIELDS)
            w.writeheader()
            w.writerows(self.curve)
        if len(self.curve) < 2:
            return
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(6.4, 3.6), layout="constrained")
        ax.plot([r["step"] for r in self.curve], [r["loss"] for r in self.curve])
        ax.set_xlabel("optimiser step")
        PlotStyle.integer_ticks(ax.xaxis)
        ax.set_ylabel("noise-prediction MSE\n(smoothed, log scale)")
        ax.set_yscale("log")
        ax.set_title(f"diffusion training on {self.data.source}")
        ax.grid(alpha=0.3, which="both")
        fig.savefig(self.out / "training.png", dpi=100)
        plt.close(fig)

    def _resume(self) -> None:
        path = self.out / STATE
        if not path.is_file():
            raise AigcError(f"{path}: nothing to resume (no checkpoint.pt in --out)")
        try:
            state = torch.load(path, weights_only=True)
            saved = state["config"]
            for key in SHAPE_KEYS:
                if saved[key] != getattr(self.config, key):
                    raise AigcError(f"{path}: was trained with {key}={saved[key]!r}, not "
                                    f"{getattr(self.config, key)!r}; cannot resume")
            self.unet.load_state_dict(state["unet"])
            self.ema.load_state_dict(state["ema"])
            self.opt.load_state_dict(state["optimizer"])
            self.sched.load_state_dict(state["lr_schedule"])
            self.rng.bit_generator.state = state["rng"]
            self.gen.set_state(state["torch_rng"])
            self.step = int(state["step"])
            self.curve = list(state["curve"])
            self.wall0 = float(state["wall_s"])
        except AigcError:
            raise
        except Exception as err:  # noqa: BLE001 - torch raises many kinds on a bad file
            raise AigcError(f"{path}: cannot resume from it ({type(err).__name__}: "
                            f"{str(err).splitlines()[0][:200]})") from err
