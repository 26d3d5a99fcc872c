"""A stepping episode: the simulator's loop driven from outside, one decision at a time.

:meth:`Simulator.run` calls a policy back; environments (PettingZoo) and batched rollouts
need the opposite: see the pending :class:`Observation`, then :meth:`Episode.step` with an
amount. Both drive the same generator, so the rules are implemented once.
"""

from __future__ import annotations

from offload_ros.sim.errors import SimError
from offload_ros.sim.observation import Observation
from offload_ros.sim.sim_result import SimResult
from offload_ros.sim.simulator import Simulator, Trace

#: Length of :meth:`Episode.global_state`.
GLOBAL_STATE_SIZE = 8


class Episode:
    """One episode of ``simulator``; ``observation`` is the decision waiting for an amount
    (``None`` once the horizon is reached, when ``result`` holds the outcome)."""

    def __init__(self, simulator: Simulator, *, record: bool = True, per_decision: bool = False,
                 label: str = "episode"):
        self.simulator = simulator
        self.label = label
        self._trace = Trace([[] for _ in simulator.route], [], {}, per_decision=per_decision) \
            if record or per_decision else None
        self._state = simulator.initial_state()
        self._loop = simulator._loop(self._state, None, None, self._trace, label)
        self.observation: Observation | None = None
        self.result: SimResult | None = None
        self._advance(lambda: next(self._loop))

    @property
    def done(self) -> bool:
        return self.observation is None

    def step(self, amount: float) -> Observation | None:
        """Answer the pending decision with ``amount`` kB; returns the next observation."""
        if self.observation is None:
            raise SimError(f"episode {self.label!r} is over: no decision is pending")
        return self._advance(lambda: self._loop.send(amount))

    def processed_kb(self) -> float:
        """Total work processed so far (at the pending decision's time, or the horizon)."""
        if self.result is not None:
            return self.result.processed_kb
        return self.simulator.processed_at(self._state, self.observation.time_s)

    def global_state(self) -> list[float]:
        """A fixed-size summary of the whole fleet at the pending decision, for centralised
        critics (training only; a deployed actor never sees it): mean and max backlog share,
        free share of all capacity, AGVs waiting at doors, mean carried share, fleet size,
        server count and pheromones lying, all scaled to about [0, 1]."""
        sim, st, obs = self.simulator, self._state, self.observation
        t = obs.time_s if obs is not None else sim.scenario.horizon_s
        shares = []
        for i, r in enumerate(sim.rate):
            b = st.backlog[i] if st.queue[i] else max(0.0, st.backlog[i] - r * (t - st.t_upd[i]))
            shares.append(b / sim.cap[i])
        n_agv, n_es = len(sim.route), len(sim.rate)
        waiting = sum(len(q) for q in st.queue)
        carried = sum(min(1.0, st.remaining[m] / sim.load[m]) for m in range(n_agv))
        return [sum(shares) / n_es, max(shares),
                sum(sim.cap[i] * (1.0 - shares[i]) for i in range(n_es)) / sum(sim.cap),
                waiting / n_agv, carried / n_agv, n_agv / 10.0, n_es / 10.0,
                min(1.0, sum(len(p) for p in st.phero) / (4.0 * n_es))]

    def _advance(self, resume) -> Observation | None:
        try:
            self.observation = resume()
        except StopIteration:
            self.observation = None
            self.result = self.simulator._result(self._state, self.label, self._trace)
        return self.observation
