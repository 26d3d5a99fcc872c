"""The class-conditional defect diffusion model: a ``diffusers`` ``UNet2DModel`` with a
class embedding, trained on a DDPM schedule and sampled with DDIM.

A model folder (``models/aigc``) holds ``unet/`` and ``scheduler/`` in diffusers'
``save_pretrained`` format plus ``offload_ros_aigc.json`` (class names, resolution, the
training config). Loading never touches a hub: ``HF_HUB_OFFLINE=1`` and
``local_files_only``.

Every image has its own starting noise, drawn from (request seed, image index) alone, and DDIM
with ``eta = 0`` adds no other randomness, so an image does not depend on what else shares its
batch.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
import torch

from offload_ros.aigc.diffusion_config import GUIDANCE, DiffusionConfig
from offload_ros.aigc.errors import AigcError
from offload_ros.model.seeding import Seeding

FORMAT = "offload_ros.aigc/1"
INFO = "offload_ros_aigc.json"
MAX_STEPS = 1000


class DefectDiffusionModel:
    """``unet`` predicts the noise; label ``len(class_names)`` is "no class" (classifier-free
    guidance)."""

    def __init__(self, unet, class_names: Sequence[str], config: DiffusionConfig,
                 scheduler_config: dict[str, Any], info: dict[str, Any] | None = None) -> None:
        self.unet = unet.eval()
        self.device = torch.device("cpu")
        self.class_names = tuple(class_names)
        self.config = config
        self.scheduler_config = dict(scheduler_config)
        self.info = dict(info or {})

    # ------------------------------------------------------------------ build, save, load
    @staticmethod
    def make_unet(config: DiffusionConfig, classes: int):
        from diffusers import UNet2DModel
        widths = config.widths()
        down = ["DownBlock2D"] * (len(widths) - 1) + ["AttnDownBlock2D"]
        up = ["AttnUpBlock2D"] + ["UpBlock2D"] * (len(widths) - 1)
        return UNet2DModel(sample_size=config.resolution, in_channels=1, out_channels=1,
                           block_out_channels=widths, down_block_types=tuple(down),
                           up_block_types=tuple(up), layers_per_block=1, norm_num_groups=8,
                           attention_head_dim=min(32, widths[-1]),
                           num_class_embeds=classes + 1)

    @staticmethod
    def ddim_config(config: DiffusionConfig) -> dict[str, Any]:
        from diffusers import DDIMScheduler
        return dict(DDIMScheduler(num_train_timesteps=config.train_timesteps,
                                  beta_schedule=config.beta_schedule, clip_sample=True,
                                  set_alpha_to_one=True, timestep_spacing="leading",
                                  prediction_type="epsilon").config)

    @classmethod
    def build(cls, config: DiffusionConfig, class_names: Sequence[str]) -> "DefectDiffusionModel":
        with torch.random.fork_rng():  # seeded weights, and the global generator untouched
            torch.manual_seed(Seeding.int_seed(config.seed, "aigc-init"))
            unet = cls.make_unet(config, len(class_names))
        return cls(unet, class_names, config, cls.ddim_config(config))

    def save(self, folder: Path, **info: Any) -> Path:
        from diffusers import DDIMScheduler
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.unet.save_pretrained(folder / "unet")
        DDIMScheduler.from_config(self.scheduler_config).save_pretrained(folder / "scheduler")
        self.info.update(info)
        meta = {"format": FORMAT, "class_names": list(self.class_names),
                "resolution": self.config.resolution, "config": self.config.to_dict(),
                **self.info}
        tmp = folder / (INFO + ".tmp")
        tmp.write_text(json.dumps(meta, indent=2) + "\n")
        tmp.replace(folder / INFO)
        return folder

    @classmethod
    def load(cls, folder: Path | str) -> "DefectDiffusionModel":
        """Reads a model folder from disk only; any problem is an error naming the folder."""
        folder = Path(folder)
        if not folder.is_dir():
            raise AigcError(f"{folder}: no such model folder")
        info_path = folder / INFO
        if not info_path.is_file():
            raise AigcError(f"{folder}: not an offload_ros AIGC model (no {INFO})")
        try:
            meta = json.loads(info_path.read_text())
            if meta.get("format") != FORMAT:
                raise AigcError(f"{info_path}: format {meta.get('format')!r}, want {FORMAT!r}")
            config = DiffusionConfig(**meta["config"])
            names = tuple(meta["class_names"])
        except (ValueError, KeyError, TypeError) as err:
            raise AigcError(f"{info_path}: unreadable model description ({err})") from err
        os.environ["HF_HUB_OFFLINE"] = "1"
        from diffusers import DDIMScheduler, UNet2DModel
        try:
            unet = UNet2DModel.from_pretrained(folder / "unet", local_files_only=True,
                                               low_cpu_mem_usage=False)
            scheduler = DDIMScheduler.from_pretrained(folder / "scheduler",
                                                      local_files_only=True)
        except Exception as err:  # noqa: BLE001 - diffusers raises OSError, ValueError, safetensors errors
            raise AigcError(f"{folder}: corrupt or incomplete model files "
                            f"({type(err).__name__}: {str(err).splitlines()[0][:200]})") from err
        if unet.config.num_class_embeds != len(names) + 1 or \
                unet.config.sample_size != config.resolution:
            raise AigcError(f"{folder}: unet/config.json does not match {INFO} (classes or "
                            "resolution)")
        extra = {k: v for k, v in meta.items()
                 if k not in ("format", "class_names", "resolution", "config")}
        return cls(unet, names, config, dict(scheduler.config), extra)

    def to(self, device: str) -> "DefectDiffusionModel":
        """Runs the network on ``device`` (``cpu``, ``cuda``, ``cuda:1``, or ``auto``: the
        first GPU where torch sees one). Noise is still drawn on the CPU, so an image is the
        same seed for seed on any device up to floating-point rounding."""
        name = ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device
        try:
            dev = torch.device(name)
            if dev.type == "cuda" and not torch.cuda.is_available():
                raise RuntimeError("torch sees no CUDA device")
            self.unet.to(dev)
        except (RuntimeError, AssertionError) as err:
            raise AigcError(f"device: cannot use {device!r} ({err})") from err
        self.device = dev
        return self

    def device_name(self) -> str:
        if self.device.type == "cuda":
            return torch.cuda.get_device_name(self.device)
        return f"cpu, {torch.get_num_threads()} threads"

    # ------------------------------------------------------------------ generation
    @property
    def resolution(self) -> int:
        return self.config.resolution

    def label(self, name: str | int) -> int:
        if isinstance(name, (int, np.integer)) and not isinstance(name, bool):
            if 0 <= int(name) < len(self.class_names):
                return int(name)
        elif name in self.class_names:
            return self.class_names.index(name)
        raise AigcError(f"class: unknown class {name!r}; this model knows "
                        f"{', '.join(self.class_names)}")

    @staticmethod
    def check_steps(steps: int) -> int:
        if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) \
                or not 1 <= steps <= MAX_STEPS:
            raise AigcError(f"steps: must be an integer in 1..{MAX_STEPS}, got {steps!r}")
        return int(steps)

    def noise(self, seed: int, index: int) -> torch.Tensor:
        """The starting noise of image ``index`` of a request with ``seed``: (1, 1, H, W)."""
        g = torch.Generator().manual_seed(Seeding.int_seed(seed, "aigc-noise", index))
        return torch.randn((1, 1, self.resolution, self.resolution), generator=g)

    @torch.no_grad()
    def denoise(self, noise: torch.Tensor, labels: torch.Tensor, steps: int,
                guidance: float = GUIDANCE,
                on_step: Callable[[], None] | None = None) -> np.ndarray:
        """DDIM from ``noise`` (B, 1, H, W) for ``labels`` (B,): uint8 images (B, H, W).
        ``guidance`` > 1 mixes in the unconditional prediction (two passes per step);
        ``on_step`` is called after each denoising step (progress)."""
        from diffusers import DDIMScheduler
        steps = self.check_steps(steps)
        scheduler = DDIMScheduler.from_config(self.scheduler_config)
        scheduler.set_timesteps(steps)
        x = noise.to(self.device, copy=True)
        labels = labels.to(self.device)
        null = torch.full_like(labels, len(self.class_names))
        for t in scheduler.timesteps:
            if guidance == 1.0:
                eps = self.unet(x, t, class_labels=labels).sample
            else:
                both = self.unet(torch.cat([x, x]), t,
                                 class_labels=torch.cat([labels, null])).sample
                cond, uncond = both.chunk(2)
                eps = uncond + guidance * (cond - uncond)
            x = scheduler.step(eps, t, x, eta=0.0).prev_sample
            if on_step is not None:
                on_step()
        return ((x.clamp(-1, 1) + 1) * 127.5).round().to(torch.uint8)[:, 0].cpu().numpy()

    def generate(self, name: str | int, num: int, steps: int = 20, seed: int = 0,
                 guidance: float = GUIDANCE, first_index: int = 0) -> np.ndarray:
        """``num`` images of one class in one batch (the plain pipeline call)."""
        label = self.label(name)
        if num < 1:
            raise AigcError(f"num: must be >= 1, got {num!r}")
        noise = torch.cat([self.noise(seed, first_index + k) for k in range(num)])
        return self.denoise(noise, torch.full((num,), label, dtype=torch.long), steps, guidance)
