"""The optional ``aigc:`` section of a scenario: AIGC tasks, the radio, and the compute cost.

Defaults and where they come from (docs/aigc_offloading.md has the table):

- Tasks: a handful of defect images per request at 32 or 64 px with 20-50 denoising steps, as
  the shipped diffusion model serves them (``models/aigc``); inputs are the reference images and
  prompt a request uploads, outputs the generated mono8 images (``images x resolution^2``
  bytes). Arrival rate and deadlines are chosen so that 6 edge servers run 5-10 AGVs at 45-90 %
  load: the range where a task goes decides whether it meets its deadline.
- Radio: Shannon rate ``W log2(1 + P g0 d^-alpha / (N0 W))`` with the usual values of the mobile
  edge computing literature (e.g. Mao et al., "A Survey on Mobile Edge Computing", IEEE COMST
  2017): 1 MHz per edge server, 23 dBm (0.2 W) AGV and 30 dBm (1 W) ES transmit power, thermal
  noise -174 dBm/Hz, path loss -30 dB at 1 m with exponent 3.5 (indoor factory), 10 m antenna
  height. The AMARL paper's own numbers are not in the text we hold (only its abstract).
- Compute: ``steps x (fixed_s + per_image_s x batch)`` per model call of at most ``max_batch``
  images with the same steps and side, scaled by pixels; the edge servers batch as the live
  generation service does (``max_batch``, ``max_wait_s``: ``GenerationServiceConfig``'s
  defaults). ``fixed_s`` and ``per_image_s`` default to the shipped cost model's fit
  (``models/aigc/cost_model.json``, ``offload-ros aigc cost``), which ``offload-ros aigc offload``
  reads when it is there. An ES's speed is its ``rate_kb_per_min`` over
  ``reference_rate_kb_per_min``: the scenario's faster servers are faster at AIGC too.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field, fields

from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig

DEFAULT_CLASSES = ("scratch", "crack", "pit", "stain")


@dataclass(frozen=True)
class AigcSettings:
    """Every field is optional in YAML; a scenario without ``aigc:`` gets these defaults."""

    horizon_s: float = field(default=300.0, metadata={
        "kind": "number", "check": "positive", "unit": "s",
        "help": "tasks arrive during this window; the episode then drains"})
    drain_s: float = field(default=300.0, metadata={
        "kind": "number", "check": "nonnegative", "unit": "s",
        "help": "longest drain after the horizon; tasks unfinished then count as missed"})
    epoch_s: float = field(default=1.0, metadata={
        "kind": "number", "check": "positive", "unit": "s",
        "help": "decision epoch: each AGV places (or holds) its oldest waiting task once per epoch"})
    arrival_rate_per_s: float = field(default=0.08, metadata={
        "kind": "number", "check": "positive", "unit": "1/s",
        "help": "Poisson task arrivals per AGV"})
    classes: tuple[str, ...] = field(default=DEFAULT_CLASSES, metadata={
        "kind": "text_list", "help": "defect classes a task asks for (drawn uniformly)"})
    images_min: float = field(default=4, metadata={
        "kind": "number", "check": "count", "help": "fewest images per task"})
    images_max: float = field(default=16, metadata={
        "kind": "number", "check": "count", "help": "most images per task"})
    steps: tuple[float, ...] = field(default=(20.0, 30.0, 50.0), metadata={
        "kind": "number_list", "check": "count", "help": "denoising steps, drawn uniformly"})
    resolutions: tuple[float, ...] = field(default=(32.0, 64.0), metadata={
        "kind": "number_list", "check": "count", "unit": "px",
        "help": "image sides, drawn uniformly"})
    input_kb_min: float = field(default=500.0, metadata={
        "kind": "number", "check": "positive", "unit": "kB",
        "help": "smallest upload (reference images and prompt)"})
    input_kb_max: float = field(default=4000.0, metadata={
        "kind": "number", "check": "positive", "unit": "kB", "help": "largest upload"})
    deadline_min_s: float = field(default=15.0, metadata={
        "kind": "number", "check": "positive", "unit": "s",
        "help": "shortest deadline, from the task's arrival"})
    deadline_max_s: float = field(default=45.0, metadata={
        "kind": "number", "check": "positive", "unit": "s", "help": "longest deadline"})
    bandwidth_hz: float = field(default=1.0e6, metadata={
        "kind": "number", "check": "positive", "unit": "Hz",
        "help": "uplink bandwidth of an ES, shared equally by its concurrent uploads"})
    downlink_hz: float = field(default=1.0e6, metadata={
        "kind": "number", "check": "positive", "unit": "Hz",
        "help": "downlink bandwidth of an ES, shared equally by its concurrent downloads"})
    tx_power_w: float = field(default=0.2, metadata={
        "kind": "number", "check": "positive", "unit": "W", "help": "AGV transmit power"})
    es_tx_power_w: float = field(default=1.0, metadata={
        "kind": "number", "check": "positive", "unit": "W", "help": "ES transmit power"})
    noise_dbm_per_hz: float = field(default=-174.0, metadata={
        "kind": "number", "unit": "dBm/Hz", "help": "noise power spectral density"})
    path_loss_exponent: float = field(default=3.5, metadata={
        "kind": "number", "check": "positive", "help": "alpha in g0 d^-alpha"})
    ref_gain_db: float = field(default=-30.0, metadata={
        "kind": "number", "unit": "dB", "help": "g0: channel gain at 1 m"})
    antenna_height_m: float = field(default=10.0, metadata={
        "kind": "number", "check": "positive", "unit": "m",
        "help": "ES antenna height: the radio distance is sqrt(floor distance^2 + height^2)"})
    es_queue_max: float = field(default=8, metadata={
        "kind": "number", "check": "count",
        "help": "tasks an ES holds (uploading, queued or running); more are refused and the "
                "AGV keeps the task and retries"})
    reference_rate_kb_per_min: float = field(default=60.0, metadata={
        "kind": "number", "check": "positive", "unit": "kB/min",
        "help": "an ES with this rate computes at the cost model's speed (1x)"})
    step_fixed_s: float = field(default=0.0086, metadata={
        "kind": "number", "check": "nonnegative", "unit": "s",
        "help": "cost model: seconds per denoising step and batch"})
    step_per_image_s: float = field(default=0.0084, metadata={
        "kind": "number", "check": "positive", "unit": "s",
        "help": "cost model: seconds per denoising step and image"})
    max_batch: float = field(default=GenerationServiceConfig.max_batch, metadata={
        "kind": "number", "check": "count",
        "help": "edge generation service: images per model call (GenerationServiceConfig)"})
    max_wait_s: float = field(default=GenerationServiceConfig.max_wait_s, metadata={
        "kind": "number", "check": "nonnegative", "unit": "s",
        "help": "edge generation service: longest wait for a batch to fill after its oldest "
                "image arrived (GenerationServiceConfig)"})
    cost_resolution: float = field(default=32, metadata={
        "kind": "number", "check": "count", "unit": "px",
        "help": "cost model: the image side the fit is for (others scale by pixels)"})

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.metadata.get("check") == "count":
                if isinstance(value, tuple):
                    object.__setattr__(self, f.name, tuple(_count(v) for v in value))
                else:
                    object.__setattr__(self, f.name, _count(value))
            elif isinstance(value, list):
                object.__setattr__(self, f.name, tuple(value))

    def problems(self) -> list[tuple[str, str]]:
        """Cross-field problems as ``(field, message)`` (ranges are the scenario's checks)."""
        out = []
        for lo, hi in (("images_min", "images_max"), ("input_kb_min", "input_kb_max"),
                       ("deadline_min_s", "deadline_max_s")):
            if _num(getattr(self, lo)) and _num(getattr(self, hi)) \
                    and getattr(self, lo) > getattr(self, hi):
                out.append((hi, f"must be >= {lo} ({getattr(self, lo):g}), "
                                f"got {getattr(self, hi):g}"))
        for name in ("steps", "resolutions", "classes"):
            if not getattr(self, name):
                out.append((name, "must list at least one value"))
        if len(set(self.classes)) != len(self.classes):
            out.append(("classes", "lists a class twice"))
        return out

    def service_config(self) -> GenerationServiceConfig:
        """The edge servers' batching, as the live service is configured with it."""
        return GenerationServiceConfig(max_batch=int(self.max_batch),
                                       max_wait_s=float(self.max_wait_s))

    # ------------------------------------------------------------------ the formulas
    def batch_s(self, images: int, steps: int, resolution: int) -> float:
        """Compute seconds at 1x speed of one model call: ``images`` of one side and number
        of steps together (the cost model's line, scaled by pixels)."""
        scale = (resolution / self.cost_resolution) ** 2
        return steps * (self.step_fixed_s + self.step_per_image_s * images) * scale

    def task_s(self, images: int, steps: int, resolution: int) -> float:
        """Compute seconds at 1x speed of a task alone on a server: its images in model calls
        of at most ``max_batch`` (the cost model's formula)."""
        full, rest = divmod(int(images), int(self.max_batch))
        return full * self.batch_s(int(self.max_batch), steps, resolution) + \
            (self.batch_s(rest, steps, resolution) if rest else 0.0)

    @functools.cached_property
    def _radio(self) -> tuple[float, float]:
        """Noise density [W/Hz] and g0 (linear), worked out once: rates are a hot path."""
        return 10.0 ** (self.noise_dbm_per_hz / 10.0) / 1000.0, 10.0 ** (self.ref_gain_db / 10.0)

    def rate_bps(self, floor_m: float, sharers: int, downlink: bool = False) -> float:
        """Shannon rate of one of ``sharers`` equal shares of the ES's band at floor distance
        ``floor_m`` (bits per second)."""
        noise, g0 = self._radio
        band = (self.downlink_hz if downlink else self.bandwidth_hz) / max(sharers, 1)
        power = self.es_tx_power_w if downlink else self.tx_power_w
        d2 = floor_m * floor_m + self.antenna_height_m ** 2
        gain = g0 * d2 ** (-0.5 * self.path_loss_exponent)
        return band * math.log2(1.0 + power * gain / (noise * band))

    def output_kb(self, images: int, resolution: int) -> float:
        """Generated mono8 images, one byte a pixel."""
        return images * resolution * resolution / 1000.0


def _count(v):
    """Whole numbers stay ints (YAML gives floats); anything else is left for the checks."""
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
