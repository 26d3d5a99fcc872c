"""Every knob of a training run (all three algorithms), with the paper's and the tuned preset."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from offload_ros.learning.errors import LearningError
from offload_ros.model.disturbance import Disturbance
from offload_ros.sim.plan_search import PlanSearch, PlanSearchConfig

_NOISE = PlanSearch.DEFAULT_NOISE
_SEARCH = PlanSearchConfig()

ALGORITHMS = ("mcoo", "dqn", "ac")
TEACHERS = ("auto", "search", "none")
KEEPS = ("best", "last")

#: The MCOO paper's comparison settings (learning rate 0.01, discount 0.95).
PAPER = {"lr": 0.01, "gamma": 0.95}
PRESETS = ("tuned", "paper")


@dataclass(frozen=True)
class TrainingConfig:
    """Defaults are the tuned preset (docs/learning.md says how they were chosen);
    ``--preset paper`` sets ``lr`` 0.01 and ``gamma`` 0.95 as in the paper's Fig. 4."""

    algo: str = field(default="mcoo", metadata={"help": "mcoo (A3C + difference rewards), "
                                                "dqn or ac (the paper's baselines)"})
    preset: str = field(default="tuned", metadata={
        "help": "tuned (these defaults) or paper (lr 0.01, gamma 0.95; overrides --lr/--gamma)"})
    minutes: float = field(default=10.0, metadata={"help": "wall-clock budget", "unit": "min"})
    workers: int = field(default=2, metadata={
        "help": "A3C worker processes (mcoo; dqn and ac run in one process)"})
    seed: int = field(default=0, metadata={"help": "seeds networks, sampling and factories"})
    lr: float = field(default=0.001, metadata={"help": "learning rate (Adam)"})
    gamma: float = field(default=0.97, metadata={"help": "discount per decision"})
    n_steps: int = field(default=5, metadata={
        "help": "decisions per n-step advantage (mcoo, ac)"})
    entropy: float = field(default=0.01, metadata={"help": "entropy bonus (mcoo, ac)"})
    value_coef: float = field(default=0.5, metadata={"help": "critic loss weight (mcoo, ac)"})
    hidden: int = field(default=64, metadata={"help": "hidden units per layer"})
    default_logit: float = field(default=3.0, metadata={
        "help": "initial preference of the actor for the default action (the plan): "
                "exploration starts around Algorithm 1 (mcoo, ac); 0 starts uniform"})
    episodes_per_update: int = field(default=4, metadata={
        "help": "episodes played in lockstep per update (per worker)"})
    reward: str = field(default="auto", metadata={
        "help": "difference (eq. 25), global (eq. 19), or auto: difference for mcoo, global "
                "for the baselines, as in the paper"})
    reward_scale_kb: float = field(default=100.0, metadata={"help": "rewards are kB over this",
                                                            "unit": "kB"})
    buffer: int = field(default=50_000, metadata={"help": "replay buffer size (dqn)"})
    batch: int = field(default=256, metadata={"help": "replay minibatch (dqn)"})
    dataset: str = field(default="", metadata={
        "help": "recorded transitions (offload-ros bag export) put in the replay buffer "
                "before training (dqn: off-policy)"})
    target_every: int = field(default=200, metadata={"help": "updates between target syncs (dqn)"})
    epsilon_end: float = field(default=0.05, metadata={"help": "final exploration rate (dqn)"})
    epsilon_share: float = field(default=0.5, metadata={
        "help": "share of the budget over which exploration falls from 1 (dqn)"})
    eval_every_s: float = field(default=30.0, metadata={
        "help": "wall-clock between validation runs (training curve points)", "unit": "s"})
    eval_scenarios: int = field(default=32, metadata={
        "help": "validation factories (training seeds, never evaluation ones); on scenario "
                "files, validation episodes of those files (the first nominal, the others "
                "with the training noise)"})
    teacher: str = field(default="auto", metadata={
        "help": "before the reinforcement learning, the actor imitates a teacher: search (each "
                "training file's best fixed plan over the action set, PlanSearch) or none; "
                "auto: search for mcoo trained on scenario files (per factory), none otherwise"})
    imitation_steps: int = field(default=2000, metadata={
        "help": "most gradient steps of the imitation (cross-entropy on the teacher's "
                "actions; it stops once the actor matches the teacher on every decision)"})
    search_restarts: int = field(default=_SEARCH.restarts, metadata={
        "help": "random starts of the teacher's plan search after the greedy one"})
    search_noise_draws: int = field(default=_SEARCH.noise_draws, metadata={
        "help": "disturbed episodes the teacher's plan search averages with the nominal one"})
    nominal_weight: float = field(default=_SEARCH.nominal_weight, metadata={
        "help": "with training noise: the share of nominal training episodes, and the weight "
                "of the nominal episode in the teacher's search"})
    train_jitter_s: float = field(default=_NOISE.start_jitter_s, metadata={
        "help": "domain randomisation: training episodes of a factory without a disturbance: "
                "section start up to this much early or late (0: none; a section in the "
                "file is used as it is)", "unit": "s"})
    train_leg_variation: float = field(default=_NOISE.leg_time_variation, metadata={
        "help": "domain randomisation: each leg's driving time varies by up to this fraction"})
    train_rate_variation: float = field(default=_NOISE.rate_variation, metadata={
        "help": "domain randomisation: each server's rate varies by up to this fraction"})
    keep: str = field(default="best", metadata={
        "help": "the actor saved: best (the best validated one) or last"})

    def __post_init__(self) -> None:
        checks = {
            "algo": (self.algo in ALGORITHMS, f"one of {', '.join(ALGORITHMS)}"),
            "preset": (self.preset in PRESETS, f"one of {', '.join(PRESETS)}"),
            "reward": (self.reward in ("auto", "difference", "global"),
                       "auto, difference or global"),
            "minutes": (self.minutes > 0, "> 0"), "workers": (self.workers >= 1, ">= 1"),
            "lr": (self.lr > 0, "> 0"), "gamma": (0 <= self.gamma <= 1, "in [0, 1]"),
            "n_steps": (self.n_steps >= 1, ">= 1"),
            "hidden": (self.hidden >= 1, ">= 1"),
            "episodes_per_update": (self.episodes_per_update >= 1, ">= 1"),
            "reward_scale_kb": (self.reward_scale_kb > 0, "> 0"),
            "buffer": (self.buffer >= self.batch >= 1, ">= batch >= 1"),
            "eval_scenarios": (self.eval_scenarios >= 1, ">= 1"),
            "eval_every_s": (self.eval_every_s > 0, "> 0"),
            "teacher": (self.teacher in TEACHERS, f"one of {', '.join(TEACHERS)}"),
            "keep": (self.keep in KEEPS, f"one of {', '.join(KEEPS)}"),
            "imitation_steps": (self.imitation_steps >= 0, ">= 0"),
            "search_restarts": (self.search_restarts >= 0, ">= 0"),
            "search_noise_draws": (self.search_noise_draws >= 0, ">= 0"),
            "train_jitter_s": (self.train_jitter_s >= 0, ">= 0"),
            "nominal_weight": (0 < self.nominal_weight <= 1, "in (0, 1]"),
            "train_leg_variation": (0 <= self.train_leg_variation < 1, "in [0, 1)"),
            "train_rate_variation": (0 <= self.train_rate_variation < 1, "in [0, 1)"),
            "dataset": (not self.dataset or self.algo == "dqn",
                        "empty unless algo is dqn (the on-policy algorithms cannot learn "
                        "from recorded transitions)"),
        }
        for name, (ok, want) in checks.items():
            if not ok:
                raise LearningError(f"{name}: must be {want}, got {getattr(self, name)!r}")

    def resolved(self, on_files: bool = False) -> "TrainingConfig":
        """The preset applied, ``reward`` and ``teacher`` made explicit (``on_files``: the
        family is scenario files, a per-factory training)."""
        cfg = replace(self, **PAPER) if self.preset == "paper" else self
        if cfg.reward == "auto":
            cfg = replace(cfg, reward="difference" if cfg.algo == "mcoo" else "global")
        if cfg.teacher == "auto":
            cfg = replace(cfg, teacher="search" if cfg.algo == "mcoo" and on_files else "none")
        return cfg

    def disturbance(self) -> Disturbance | None:
        """The domain randomisation of training episodes (``None``: nominal only)."""
        noise = Disturbance(self.train_jitter_s, self.train_leg_variation,
                            self.train_rate_variation)
        return noise if noise.active else None
