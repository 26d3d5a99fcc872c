"""Sequential (multiagent) rollout: at each decision, from the current state, the deciding AGV
tries a few amounts with the simulator while every other decision follows a base policy, and
keeps the best (Bertsekas, *Multiagent rollout algorithms and reinforcement learning*, 2019).

One AGV at a time: only the AGV that decides now changes its amount; the others, and its own
later decisions, follow the base. With the lookahead to the horizon, every candidate's value
is the exact outcome of that episode, and the base's own amount is always a candidate (kept on
a tie), so the rollout policy processes at least as much as its base on every factory: the
cost-improvement property of rollout with a base that is a policy.

The value of a candidate is the work processed by the end of the lookahead plus the backlog
its servers can still process before the horizon; at the horizon that is the episode's
processed work, eq. 19's objective. The planner needs the simulator's state, which
:meth:`Simulator.run` hands it (``decide_in``) and which the live policy node rebuilds from
the graph's messages (``runtime/fleet_view.py``); a bare ``decide(obs)`` cannot plan and
says so.

Under timing noise (a scenario's ``disturbance:`` section) the planner sees the state (where
every AGV is and when its next event comes, every backlog and door queue, each server's rate,
which its state announces) but not the draw: it simulates the continuations on the file's
driving times, so what it gains there it gains by re-planning from the state, not by knowing
how long the legs ahead will take.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Callable

from offload_ros.model.scenario import Scenario
from offload_ros.planning.errors import PlanningError
from offload_ros.sim.action_set import ActionSet
from offload_ros.sim.observation import Observation
from offload_ros.sim.plan_search import PlanSearch
from offload_ros.sim.plan_table import PlanTable
from offload_ros.sim.simulator import Simulator

BASES = ("greedy", "plan", "searched")


@dataclass(frozen=True)
class RolloutPlannerConfig:
    """Knobs of the rollout planner."""

    candidates: int = field(default=5, metadata={
        "help": "amounts tried per decision, evenly spaced from 0 to all it carries; the "
                "base's amount, the plan's and what fits are tried too"})
    base: str = field(default="greedy", metadata={
        "help": "what every other decision follows: greedy (all it carries), plan "
                "(Algorithm 1) or searched (the factory's searched fixed plan, as the "
                "searched policy; its search runs when the planner is made)"})
    lookahead_s: float = field(default=0.0, metadata={
        "help": "simulate this far ahead of each decision (0: to the horizon, exact)",
        "unit": "s"})
    margin_kb: float = field(default=0.0, metadata={
        "help": "keep the base's amount unless another candidate's continuation processes "
                "more than this much more (0: the best value wins); a margin stops the "
                "planner chasing gains its model of the nominal factory promises but a "
                "disturbed one does not keep", "unit": "kB"})

    def __post_init__(self) -> None:
        if self.candidates < 2:
            raise PlanningError(f"candidates: must be >= 2, got {self.candidates!r}")
        if self.base not in BASES:
            raise PlanningError(f"base: must be one of {', '.join(BASES)}, got {self.base!r}")
        if not self.lookahead_s >= 0:
            raise PlanningError(f"lookahead_s: must be >= 0, got {self.lookahead_s!r}")
        if not self.margin_kb >= 0:
            raise PlanningError(f"margin_kb: must be >= 0, got {self.margin_kb!r}")


class RolloutPlanner:
    """``RolloutPlanner(scenario)``: a policy for :meth:`Simulator.run` (any simulator of
    this scenario)."""

    name = "rollout"
    needs_state = True

    def __init__(self, scenario: Scenario, config: RolloutPlannerConfig | None = None) -> None:
        self.scenario = scenario
        self.config = config or RolloutPlannerConfig()
        self.rollouts = 0                   # simulated continuations, for bench figures
        self._model: tuple[Simulator, Simulator] | None = None     # (episode's, model)
        self.table: PlanTable | None = None          # the searched base's plan
        # what every continuation follows, as Simulator.rollout takes it
        self.continuation: str | list[list[float]] = self.config.base
        if self.config.base == "searched":
            self.table = PlanSearch.best(scenario)
            self.continuation = [[ActionSet.MULTIPLES[a] for a in row]
                                 for row in self.table.actions]

    def model(self, episode: Simulator) -> Simulator:
        """What rollouts run on for ``episode``: the file's factory without its disturbance,
        with the servers' rates as the episode's servers announce them (live: as their
        latest states say)."""
        if self._model is None or self._model[0] is not episode:
            model = Simulator(dataclasses.replace(self.scenario, disturbance=None))
            self._model = (episode, model)
        model = self._model[1]
        model.rate[:] = episode.rate
        return model

    def candidates(self, obs: Observation) -> list[float]:
        """The amounts tried at ``obs``: the base's first (it wins ties)."""
        rem, n = obs.remaining_kb, self.config.candidates
        if self.table is not None:
            base = ActionSet.amount(self.table.action(obs), obs)
        else:
            base = rem if self.config.base == "greedy" else min(obs.plan_kb, rem)
        out = [base]
        for a in [obs.plan_kb, min(rem, obs.free_kb)] + [rem * j / (n - 1) for j in range(n)]:
            a = min(max(a, 0.0), rem)
            if all(abs(a - b) > 1e-9 for b in out):
                out.append(a)
        return out

    def decide_in(self, obs: Observation, simulator: Simulator,
                  snapshot: Callable[[], object]) -> float:
        """The best candidate amount for ``obs`` from the state ``snapshot()`` returns,
        continued on the nominal factory (``simulator`` may be a disturbed episode's)."""
        snap, model = snapshot(), self.model(simulator)
        until = obs.time_s + self.config.lookahead_s if self.config.lookahead_s > 0 else None
        base, *others = self.candidates(obs)
        # the base's amount: ties, and gains within the margin, keep it
        best, best_value = base, model.rollout(snap, obs.agv, base, self.continuation, until) \
            + self.config.margin_kb
        for a in others:
            value = model.rollout(snap, obs.agv, a, self.continuation, until)
            if value > best_value + 1e-9 * max(1.0, abs(best_value)):
                best, best_value = a, value
        self.rollouts += 1 + len(others)
        return best

    def decide(self, obs: Observation) -> float:
        raise PlanningError(
            "policy 'rollout' plans from the simulator's state: Simulator.run hands it over "
            "(decide_in), and live a policy node rebuilds it (FleetView); decide(obs) alone "
            "cannot plan")
