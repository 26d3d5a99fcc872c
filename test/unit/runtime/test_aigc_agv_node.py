"""AGV nodes placing AIGC tasks over messages: with the servers' real message handlers and
the AGVs run in any order each epoch (as the network may deliver), the fleet places every
task where ``aigc offload`` places it, with the same latencies; an AGV waits for the others'
progress, asks only servers placed on, and leaves out one that does not progress."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from offload_ros.bag.message_types import MessageTypes
from offload_ros.evaluation.aigc_offload.aigc_offload_evaluation import AigcOffloadEvaluation
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.runtime.aigc_agv_node import AigcAgvNode
from offload_ros.runtime.aigc_placement_server import AigcPlacementServer
from offload_ros.runtime.aigc_placer import AigcPlacer, AigcPlacerConfig
from offload_ros.runtime.edge_server_node import EdgeServerNode, EdgeServerNodeConfig

SC = Scenario.load(PackagePaths.share() / "config" / "scenarios" / "factory_5agv.yaml")
TYPES = MessageTypes.default()


class Graph:
    """The AGV nodes, their policies and the edge server nodes, messages passed at once."""

    def __init__(self, policy: str, seed: int, window_s: float = 5.0) -> None:
        cfg = AigcPlacerConfig(aigc_placement=True, aigc_seed=seed, aigc_wait_s=0.01)
        self.nodes = {a.id: AigcAgvNode(AigcPlacer(SC, a.id, cfg)) for a in SC.agvs}
        self.policies = {a.id: AigcPlacementServer(SC, policy) for a in SC.agvs}
        es_cfg = EdgeServerNodeConfig(aigc=False, aigc_placement=True)
        self.servers = {e.id: EdgeServerNode(SC, e.id, es_cfg) for e in SC.edge_servers}
        self.window_s = window_s
        self.queries = 0

    # ports (one object for every AGV: the request says which)
    def place_decide(self, agv_id, obs):
        req = self.nodes[agv_id].decide_request(obs)
        req = TYPES.decode("DecideAigc_Request", TYPES.encode("DecideAigc_Request", req))
        from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
        row = AigcObservation.of(req.features, req.eft_s, req.eft_batch_s, req.distance_m,
                                 [True])
        return self.policies[agv_id].decide(row)

    def place(self, es_id, task_id, task, now):
        node = next(n for n in self.nodes.values() if n.placer.i == task.agv)
        answer = self.servers[es_id].handle_place(node.place_request(task_id, task, now), now)
        return AigcAgvNode.answer(es_id, answer)

    def aigc_state_at(self, es_id, t):
        self.queries += 1
        req = TYPES.make("AigcStateAt_Request", time_s=t)
        return AigcAgvNode.state_of(self.servers[es_id].place_state_at(req))

    def publish(self, topic, typename, message):
        msg = TYPES.decode(typename, TYPES.encode(typename, message))
        for node in self.nodes.values():
            node.on_message(msg)

    def run(self, rng: np.random.Generator | None = None) -> dict:
        eps = SC.aigc_settings().epoch_s
        end = SC.aigc_settings().horizon_s + SC.aigc_settings().drain_s
        t = 0.0
        while t <= end:
            order = list(self.nodes.values())
            if rng is not None:
                rng.shuffle(order)
            for node in order:
                node.run(t, self)
            for es in self.servers.values():
                for result in es.place_step(t, self.window_s):
                    self.publish(f"/{es.es_id}/aigc/results", "AigcResult", result)
            t += eps
        placers = [n.placer for n in self.nodes.values()]
        return AigcPlacer.summary(placers, max(o.finish_s for p in placers
                                               for o in p.outcomes.values()))


@pytest.mark.parametrize("policy,shuffle", [("greedy", False), ("batch_greedy", True)])
def test_agv_nodes_over_messages_place_as_the_model_in_any_order(policy, shuffle):
    seed = AigcOffloadEvaluation.task_seed(0, 1)
    graph = Graph(policy, seed)
    live = graph.run(np.random.default_rng(3) if shuffle else None)
    model, _ = AigcOffloadEvaluation(policy).episode(SC, seed)
    assert live["tasks"] == model["tasks"] > 80 and live["finished"] == model["finished"]
    for key in ("mean_latency_s", "p95_latency_s", "completion_rate"):
        assert live[key] == pytest.approx(model[key], rel=1e-9), key
    placed = sum(len(n.placer.outcomes) for n in graph.nodes.values())
    assert graph.queries < 4 * placed     # only servers placed on are asked (not all 6)
    assert all(not n.notes for n in graph.nodes.values())


def test_an_agv_waits_for_the_others_progress_and_leaves_out_a_silent_one():
    cfg = AigcPlacerConfig(aigc_placement=True)
    node = AigcAgvNode(AigcPlacer(SC, "agv1", cfg))
    others = ["agv2", "agv3", "agv4", "agv5"]
    assert node.owed(10.0) == others
    for agv in others[:-1]:
        node.on_message(TYPES.make("AigcProgress", agv_id=agv, next_s=10.0,
                                   placed_es=["es2"], placed_s=[9.0]))
    assert node.owed(10.0) == ["agv5"] and node.placed_s == {"es2": 9.0}
    assert not node.ready(10.0, 0.05) and node.blocked and not node.absent
    deadline = time.monotonic() + 5.0
    while not node.ready(10.0, 0.05):          # it asks again until the wait is over
        assert time.monotonic() < deadline
    assert node.absent == {"agv5"} and "agv5" in node.notes[0] and node.owed(10.0) == []
    assert not node.blocked
    node.on_message(TYPES.make("AigcProgress", agv_id="agv5", next_s=math.inf))
    assert node.absent == set() and node.owed(1e6) == others[:-1]
    with pytest.raises(Exception, match="not an AGV of"):
        node.on_message(TYPES.make("AigcProgress", agv_id="agv9", next_s=1.0))
    with pytest.raises(Exception, match="placed_es"):
        node.on_message(TYPES.make("AigcProgress", agv_id="agv2", next_s=1.0,
                                   placed_es=["es9"], placed_s=[1.0]))


def test_progress_is_told_when_it_moves_or_after_a_placement():
    node = AigcAgvNode(AigcPlacer(SC, "agv1", AigcPlacerConfig(aigc_placement=True)))
    sent = []

    class Ports:
        def publish(self, topic, typename, message):
            sent.append((topic, message))
    node.tell(Ports())
    node.tell(Ports())
    assert len(sent) == 1 and sent[0][0] == "/agv1/aigc/progress"
    assert sent[0][1].next_s == node.placer.next_epoch(0.0) > 0
    node.fresh.append(("es3", 5.0))
    node.tell(Ports())
    assert len(sent) == 2 and list(sent[1][1].placed_es) == ["es3"] and not node.fresh


def test_a_restarted_agv_skips_the_epochs_it_missed():
    placer = AigcPlacer(SC, "agv1", AigcPlacerConfig(aigc_placement=True))
    node = AigcAgvNode(placer, resumed=True)
    graph = Graph("greedy", 0)
    graph.nodes = {"agv1": node}
    first = node.next_s
    node.run(first + 30.0, graph)
    assert node.skipped == 30 and graph.queries <= len(SC.edge_servers)


def test_a_server_restarted_from_its_journal_finishes_every_placed_task_once(tmp_path):
    """Item 5 for placed tasks: the server journals each admission; killed with tasks
    uploading and queued, the restarted server (same journal) answers a repeated placement
    admitted without taking it twice and publishes every outcome once."""
    seed = AigcOffloadEvaluation.task_seed(0, 2)
    cfg = EdgeServerNodeConfig(aigc=False, aigc_placement=True,
                               journal=str(tmp_path / "es3.db"))
    graph = Graph("greedy", seed)
    for es in SC.edge_servers:          # every task to es3, whose journal is kept
        graph.servers[es.id] = EdgeServerNode(SC, "es3", cfg) if es.id == "es3" else \
            graph.servers[es.id]
    graph.policies = {a.id: AigcPlacementServer(SC, "nearest") for a in SC.agvs}
    outcomes: list[str] = []
    original = graph.publish

    def publish(topic, typename, message):
        if typename == "AigcResult":
            outcomes.append(message.task_id)
        original(topic, typename, message)
    graph.publish = publish
    eps = SC.aigc_settings().epoch_s
    t = 0.0
    while t < 60.0:
        for node in graph.nodes.values():
            node.run(t, graph)
        for es in graph.servers.values():
            for result in es.place_step(t, 5.0):
                graph.publish(f"/{es.es_id}/aigc/results", "AigcResult", result)
        t += eps
    es3 = graph.servers["es3"]
    placed = set(es3.placement.admitted)
    assert placed and es3.placement.load() > 0              # work in flight at the kill
    es3.journal.close()                                     # killed: nothing more saved
    graph.servers["es3"] = back = EdgeServerNode(SC, "es3", cfg)
    assert back.placement.admitted == placed
    task_id = sorted(placed)[0]
    node = next(n for n in graph.nodes.values() if task_id in n.placer.ids)
    again = back.handle_place(node.place_request(task_id, node.placer.ids[task_id], 59.0), 59.0)
    assert again.admitted and back.placement.load() <= es3.placement.load()
    for es in graph.servers.values():
        for result in es.place_step(1000.0, 0.0):
            graph.publish(f"/{es.es_id}/aigc/results", "AigcResult", result)
    mine = [k for k in outcomes if k in placed]
    assert sorted(mine) == sorted(placed)                    # each once, none lost


def _generate(es: EdgeServerNode, now: float, made: list) -> list:
    """The shell's runner for ``es``'s inbox, each image a blank 32 px one; its results as
    the server publishes them."""
    from offload_ros.runtime.aigc_runner import AigcRunner
    runner = AigcRunner(es.es_id, 1.0)
    out = []
    for task, agv, stamp in es.aigc_inbox:
        made.append((task.task_id, int(task.images), int(task.steps), int(task.seed)))
        result = runner._result(task, agv, stamp, 0, "", now,
                                np.zeros((task.images, 32, 32), np.uint8))
        out.append(es.aigc_result(result))
        es.aigc_answered(task.task_id)
    es.aigc_inbox = []
    return out


def test_placed_tasks_get_images_after_their_outcome_without_changing_it():
    """Emulated placements: a task done is published once its images are made, with the
    model's latency (not the generation's); one expired is published at once, without; the
    server owes each task until then (``aigc_pending``)."""
    seed = AigcOffloadEvaluation.task_seed(0, 1)
    graph = Graph("greedy", seed)
    es_cfg = EdgeServerNodeConfig(aigc=True, aigc_placement=True, aigc_images=2)
    graph.servers = {e.id: EdgeServerNode(SC, e.id, es_cfg) for e in SC.edge_servers}
    made: list = []
    published: list = []
    original = graph.publish

    def publish(topic, typename, message):
        if typename == "AigcResult":
            published.append(message)
        original(topic, typename, message)
    graph.publish = publish
    eps = SC.aigc_settings().epoch_s
    end = SC.aigc_settings().horizon_s + SC.aigc_settings().drain_s
    t, owed = 0.0, 0
    while t <= end:
        for node in graph.nodes.values():
            node.run(t, graph)
        for es in graph.servers.values():
            for result in es.place_step(t, graph.window_s):
                assert result.status == 1 and not result.images     # expired: no images
                graph.publish(f"/{es.es_id}/aigc/results", "AigcResult", result)
            owed = max(owed, es.state_at(t).aigc_pending)
            for result in _generate(es, t + 100.0, made):    # images come much later
                assert result.status == 0 and len(result.images) == min(2, len(result.images))
                graph.publish(f"/{es.es_id}/aigc/results", "AigcResult", result)
        t += eps
    placers = [n.placer for n in graph.nodes.values()]
    live = AigcPlacer.summary(placers, max(o.finish_s for p in placers
                                           for o in p.outcomes.values()))
    model, _ = AigcOffloadEvaluation("greedy").episode(SC, seed)
    for key in ("tasks", "finished", "mean_latency_s", "p95_latency_s", "completion_rate"):
        assert live[key] == pytest.approx(model[key], rel=1e-9), key
    done = [m for m in published if m.status == 0]
    assert len({m.task_id for m in published}) == len(published) == live["tasks"]
    assert len(made) == len(done) > 50 and all(1 <= k <= 2 and s in (20, 30, 50) and seed
                                               for _, k, s, seed in made)
    assert all(len(m.images) >= 1 for m in done)
    assert owed > 0 and all(es.state_at(end).aigc_pending == 0
                            for es in graph.servers.values())


def test_a_placed_task_killed_before_its_images_is_published_once_after_the_restart(tmp_path):
    """The outcome is journalled with the task open; a server killed before its images were
    made makes them after the restart and publishes the task once, with the model's
    latency."""
    cfg = EdgeServerNodeConfig(aigc=True, aigc_placement=True, aigc_images=1,
                               journal=str(tmp_path / "es3.db"))
    graph = Graph("nearest", AigcOffloadEvaluation.task_seed(0, 2))
    graph.servers = {e.id: EdgeServerNode(SC, "es3", cfg) if e.id == "es3" else
                     EdgeServerNode(SC, e.id, EdgeServerNodeConfig(aigc=False,
                                                                   aigc_placement=True))
                     for e in SC.edge_servers}
    graph.policies = {a.id: AigcPlacementServer(SC, "nearest") for a in SC.agvs}
    es3, t = graph.servers["es3"], 0.0
    while not es3.aigc_inbox:
        for node in graph.nodes.values():
            node.run(t, graph)
        for es in graph.servers.values():
            es.place_step(t, 0.0)
        t += SC.aigc_settings().epoch_s
    waiting = {task.task_id: es3.aigc_open[task.task_id]["outcome"]
               for task, _, _ in es3.aigc_inbox}
    es3.journal.close()                                      # killed before the images
    back = EdgeServerNode(SC, "es3", cfg)
    assert {task.task_id for task, _, _ in back.aigc_inbox} == set(waiting)
    results = _generate(back, t + 500.0, [])
    assert {r.task_id: r.latency_s for r in results} == \
        {k: o["latency_s"] for k, o in waiting.items()}
    assert not back.aigc_open and not back.place_step(t, 0.0)   # none again
    back.close()
    assert not EdgeServerNode(SC, "es3", cfg).aigc_inbox


def test_real_compute_runs_a_placed_task_on_the_model_from_its_arrival():
    """``aigc_compute: real`` (auto on wall time): an admitted placement goes to the runner
    whole (all its images, its deadline, its latency from its arrival); the model's outcome
    only moves the server's state on."""
    es = EdgeServerNode(SC, "es1", EdgeServerNodeConfig(aigc_placement=True),
                        sim_clock=False)
    assert es.aigc_real
    node = AigcAgvNode(AigcPlacer(SC, "agv1", AigcPlacerConfig(aigc_placement=True)))
    task_id, task = next(iter(node.placer.ids.items()))
    stamp = math.ceil(task.arrival_s)
    assert es.handle_place(node.place_request(task_id, task, stamp), stamp).admitted
    es.handle_place(node.place_request(task_id, task, stamp), stamp)    # again: once
    [(sent, agv, submitted)] = es.aigc_inbox
    assert (sent.task_id, agv, submitted) == (task_id, "agv1", task.arrival_s)
    assert sent.images == task.images and sent.steps == task.steps
    assert sent.deadline_s == pytest.approx(task.arrival_s + task.deadline_s)
    assert es.place_step(stamp + 3600.0, 0.0) == [] and es.aigc_owed() == 1   # the runner's
    es.aigc_answered(task_id)
    assert es.state_at(stamp + 3600.0).aigc_pending == 0
    with pytest.raises(Exception, match="aigc_compute"):
        EdgeServerNodeConfig(aigc_compute="gpu")
    with pytest.raises(Exception, match="aigc: true"):
        EdgeServerNode(SC, "es1", EdgeServerNodeConfig(aigc=False, aigc_placement=True,
                                                       aigc_compute="real"))
