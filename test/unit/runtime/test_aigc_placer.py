"""An AGV's live AIGC placement: the model's tasks, the policy's action or the greedy
fallback, a placement in doubt sent again to the same server, holds and refusals."""

from __future__ import annotations

import numpy as np
import pytest

from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.aigc_edge import AigcEdge
from offload_ros.runtime.aigc_placer import AigcPlacer, AigcPlacerConfig
from offload_ros.sim.aigc_offload.aigc_simulator import AigcSimulator

SC = Scenario.load(PackagePaths.share() / "config" / "scenarios" / "factory_5agv.yaml")


class Ports:
    def __init__(self, actions=(), answers=()):
        self.edges = {e.id: AigcEdge(SC, e.id) for e in SC.edge_servers}
        self.actions, self.answers = list(actions), list(answers)
        self.decided, self.sent = 0, []

    def place_decide(self, agv_id, obs):
        self.decided += 1
        return self.actions.pop(0) if self.actions else None

    def place(self, es_id, task_id, task, now):
        self.sent.append(es_id)
        answer = self.edges[es_id].place(task_id, task, now)
        return self.answers.pop(0) if self.answers else answer


def first_task_epoch(placer: AigcPlacer) -> float:
    return float(np.ceil(placer.tasks[0].arrival_s))


def test_an_agv_emits_the_tasks_the_model_draws_for_it():
    sim = AigcSimulator(SC)
    sim.reset(42)
    placer = AigcPlacer(SC, "agv3", AigcPlacerConfig(aigc_seed=42))
    mine = [t for t in sim.tasks if t.agv == placer.i]
    key = ("arrival_s", "images", "steps", "resolution", "input_kb", "deadline_s", "cls")
    assert len(mine) > 10
    assert [[getattr(t, k) for k in key] for t in placer.tasks] == \
        [[getattr(t, k) for k in key] for t in mine]


def test_no_policy_answer_means_the_greedy_choice_and_holds_keep_the_task():
    placer = AigcPlacer(SC, "agv1")
    t = first_task_epoch(placer)
    ports = Ports(actions=[0])
    assert placer.epoch(t - 1.0, {}, ports) == ""          # nothing has arrived yet
    assert placer.epoch(t, {}, ports) == "hold" and placer.counts["holds"] == 1
    obs = placer.observe(t + 1.0, {})
    want = placer.es_ids[int(obs.least(obs.eft_s)[0]) - 1]
    assert placer.epoch(t + 1.0, {}, ports) == want         # the policy is silent now
    assert placer.counts["fallbacks"] == 1 and ports.edges[want].load() == 1


def test_a_placement_in_doubt_goes_again_to_the_same_server_and_counts_once():
    placer = AigcPlacer(SC, "agv2")
    t = first_task_epoch(placer)
    ports = Ports(actions=[2], answers=[None])
    assert placer.epoch(t, {}, ports) == "in doubt"         # es2 admitted; the answer is lost
    assert placer.waiting and ports.edges["es2"].load() == 1
    assert placer.epoch(t + 1.0, {}, ports) == "es2"        # asked again, not the policy
    assert ports.decided == 1 and ports.sent == ["es2", "es2"]
    assert ports.edges["es2"].load() == 1 and len(placer.placed) == 1
    outcomes = ports.edges["es2"].advance(t + 200.0)
    assert [placer.on_outcome(o) for o in outcomes] == [True]
    assert placer.on_outcome(outcomes[0]) is False           # a repeat changes nothing
    assert placer.finished() == 1 and placer.latencies(t + 1.0)[0] == \
        pytest.approx(outcomes[0].latency_s)


def test_a_refused_placement_stays_for_the_next_epoch():
    placer = AigcPlacer(SC, "agv1")
    t = first_task_epoch(placer)
    ports = Ports(actions=[1], answers=["es1 holds 6 AIGC tasks (es_queue_max)"])
    assert placer.epoch(t, {}, ports) == "refused"
    assert placer.counts["refusals"] == 1 and placer.waiting[0].refusals == 1
