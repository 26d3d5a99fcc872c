"""The discrete actions of learned policies: amounts relative to the Algorithm 1 plan."""

from __future__ import annotations

from offload_ros.sim.observation import Observation


class ActionSet:
    """Action ``i`` at a stop asks for ``FRACTIONS[i] x plan_kb`` (``None``: all it carries),
    never more than it carries. Index :attr:`DEFAULT` is the plan itself: the default
    behaviour of MCOO's difference reward (eq. 25), and what a policy that does not answer
    falls back to. ``all`` is what ``greedy`` asks for, ``none`` keeps everything for later."""

    NAMES = ("none", "half_plan", "plan", "one_and_half_plan", "all")
    FRACTIONS = (0.0, 0.5, 1.0, 1.5, None)
    #: each action as a multiple of the plan, as the simulator's replays and rollouts take
    #: it (``inf``: all it carries)
    MULTIPLES = tuple(float("inf") if f is None else f for f in FRACTIONS)
    DEFAULT = 2

    @classmethod
    def size(cls) -> int:
        return len(cls.NAMES)

    @classmethod
    def amount(cls, action: int, obs: Observation) -> float:
        f = cls.FRACTIONS[action]
        if f is None:
            return obs.remaining_kb
        a = f * obs.plan_kb
        return a if a < obs.remaining_kb else obs.remaining_kb

    @classmethod
    def describe(cls) -> list[str]:
        return [f"{i}: {n}" + ("" if f is None else f" ({f:g} x plan)")
                for i, (n, f) in enumerate(zip(cls.NAMES, cls.FRACTIONS))]
