"""Every knob of an AIGC offloading training run (AMARL, its concatenation-critic ablation,
independent DQN)."""

from __future__ import annotations

from dataclasses import dataclass, field

from offload_ros.learning.errors import LearningError

AIGC_ALGORITHMS = ("amarl", "concat", "idqn")


@dataclass(frozen=True)
class AigcTrainingConfig:
    """Defaults: the best of the settings tried so far (docs/aigc_offloading.md, "Status")."""

    algo: str = field(default="amarl", metadata={
        "help": "amarl (attention critic), concat (the same critic with concatenation, "
                "MADDPG-style) or idqn (independent DQN)"})
    minutes: float = field(default=10.0, metadata={"help": "wall-clock budget", "unit": "min"})
    seed: int = field(default=0, metadata={"help": "seeds networks, sampling and factories"})
    agvs_min: int = field(default=2, metadata={"help": "fewest AGVs of a training factory"})
    agvs_max: int = field(default=10, metadata={
        "help": "most AGVs of a training factory (and the concatenation critic's width)"})
    es: int = field(default=6, metadata={"help": "edge servers of every factory"})
    lr_actor: float = field(default=1e-4, metadata={"help": "actor learning rate (Adam)"})
    lr_critic: float = field(default=1e-3, metadata={"help": "critic / Q learning rate (Adam)"})
    gamma: float = field(default=0.95, metadata={"help": "discount per decision epoch"})
    tau: float = field(default=0.01, metadata={"help": "soft target update rate"})
    alpha: float = field(default=0.01, metadata={
        "help": "entropy temperature (soft actor-critic)"})
    hidden: int = field(default=64, metadata={"help": "hidden units per layer"})
    heads: int = field(default=4, metadata={"help": "attention heads (amarl)"})
    prior: float = field(default=30.0, metadata={
        "help": "the actor starts as a soft least-finish-time policy with this inverse "
                "temperature (per 30 s of estimated finish time); 0 starts uniform"})
    buffer: int = field(default=40_000, metadata={"help": "replay buffer size (epochs)"})
    batch: int = field(default=64, metadata={"help": "replay minibatch (epochs)"})
    update_every: int = field(default=4, metadata={"help": "epochs played per update"})
    warmup: int = field(default=2_000, metadata={"help": "epochs played before updates"})
    actor_delay: int = field(default=1_000, metadata={
        "help": "critic updates before the actors start learning (amarl, concat)"})
    latency_scale_s: float = field(default=10.0, metadata={
        "help": "rewards are seconds in the system over this", "unit": "s"})
    miss_penalty: float = field(default=1.0, metadata={"help": "reward lost per missed deadline"})
    team_weight: float = field(default=0.0, metadata={
        "help": "0: own tasks' reward, 1: the fleet's mean (cooperative)"})
    epsilon_end: float = field(default=0.05, metadata={"help": "final exploration rate (idqn)"})
    epsilon_share: float = field(default=0.5, metadata={
        "help": "share of the budget over which exploration falls from 1 (idqn)"})
    target_every: int = field(default=250, metadata={"help": "updates between target syncs "
                                                              "(idqn)"})
    eval_every_s: float = field(default=30.0, metadata={
        "help": "wall-clock between validation runs (training curve points)", "unit": "s"})
    eval_episodes: int = field(default=18, metadata={
        "help": "validation factories (training seeds, 2 of each size)"})
    keep: str = field(default="best", metadata={
        "help": "best: save the decider (actor or Q network) of the best validation return; "
                "last: the final one"})

    def __post_init__(self) -> None:
        checks = {
            "algo": (self.algo in AIGC_ALGORITHMS, f"one of {', '.join(AIGC_ALGORITHMS)}"),
            "minutes": (self.minutes > 0, "> 0"),
            "agvs_min": (1 <= self.agvs_min <= self.agvs_max, "in 1..agvs_max"),
            "es": (self.es >= 1, ">= 1"),
            "lr_actor": (self.lr_actor > 0, "> 0"), "lr_critic": (self.lr_critic > 0, "> 0"),
            "gamma": (0 <= self.gamma < 1, "in [0, 1)"), "tau": (0 < self.tau <= 1, "in (0, 1]"),
            "alpha": (self.alpha >= 0, ">= 0"), "hidden": (self.hidden >= 4, ">= 4"),
            "heads": (self.heads >= 1 and self.hidden % self.heads == 0,
                      ">= 1 and divide hidden"),
            "prior": (self.prior >= 0, ">= 0"),
            "buffer": (self.buffer >= self.batch >= 1, ">= batch >= 1"),
            "update_every": (self.update_every >= 1, ">= 1"),
            "warmup": (self.warmup >= 0, ">= 0"),
            "actor_delay": (self.actor_delay >= 0, ">= 0"),
            "latency_scale_s": (self.latency_scale_s > 0, "> 0"),
            "team_weight": (0 <= self.team_weight <= 1, "in [0, 1]"),
            "eval_every_s": (self.eval_every_s > 0, "> 0"),
            "eval_episodes": (self.eval_episodes >= 1, ">= 1"),
            "keep": (self.keep in ("best", "last"), "best or last"),
        }
        for name, (ok, want) in checks.items():
            if not ok:
                raise LearningError(f"{name}: must be {want}, got {getattr(self, name)!r}")
