"""AMARL, its concatenation-critic ablation and independent DQN: the critics' shapes and
masking, smoke training that writes checkpoints which load and act (2 and 7 AGVs), and bad
checkpoints rejected."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from offload_ros.learning.aigc_offload.aigc_checkpoint import AigcCheckpoint
from offload_ros.learning.aigc_offload.aigc_policy import AigcPolicy
from offload_ros.learning.aigc_offload.aigc_training_config import AigcTrainingConfig
from offload_ros.learning.aigc_offload.attention_critic import AttentionCritic
from offload_ros.learning.aigc_offload.concat_critic import ConcatCritic
from offload_ros.learning.aigc_offload.train_amarl import TrainAmarl
from offload_ros.learning.aigc_offload.train_idqn import TrainIdqn
from offload_ros.learning.errors import LearningError
from offload_ros.model.scenario_family import ScenarioFamily
from offload_ros.sim.aigc_offload.aigc_episode import AigcEpisode

F, A = 20, 4


def batch(n: int, b: int = 3, seed: int = 0):
    g = torch.Generator().manual_seed(seed)
    return (torch.rand(b, n, F, generator=g), torch.randint(0, A, (b, n), generator=g),
            torch.ones(b, n, dtype=torch.bool))


@pytest.mark.parametrize("n", [1, 2, 5, 12])
def test_attention_critic_serves_any_fleet_size_with_one_set_of_weights(n):
    torch.manual_seed(0)
    critic = AttentionCritic(F, A, hidden=16, heads=4)
    q = critic(*batch(n))
    assert q.shape == (3, n, A) and torch.isfinite(q).all()
    w = critic.last_weights                                 # [B, heads, N, N]
    if n == 1:
        assert (w == 0).all()                               # alone: no context, no NaN
    else:
        assert torch.allclose(w.sum(-1), torch.ones(3, 4, n))
        assert (w.diagonal(dim1=-2, dim2=-1) == 0).all()    # never attends to itself
    if n == 2:
        assert torch.allclose(w[..., 0, 1], torch.ones(3, 4))


def test_padding_agents_do_not_change_the_real_agents_values():
    torch.manual_seed(0)
    for critic in (AttentionCritic(F, A, hidden=16, heads=2), ConcatCritic(F, A, 16, max_agents=5)):
        obs, act, agents = batch(3)
        q = critic(obs, act, agents)
        pad_obs = torch.cat([obs, torch.rand(3, 2, F)], 1)
        pad_act = torch.cat([act, torch.zeros(3, 2, dtype=torch.long)], 1)
        pad_agents = torch.cat([agents, torch.zeros(3, 2, dtype=torch.bool)], 1)
        q_pad = critic(pad_obs, pad_act, pad_agents)
        assert torch.allclose(q, q_pad[:, :3], atol=1e-6), critic.kind


def test_others_actions_change_an_agents_values():
    torch.manual_seed(0)
    critic = AttentionCritic(F, A, hidden=16, heads=2)
    obs, act, agents = batch(3)
    other = act.clone()
    other[:, 1] = (other[:, 1] + 1) % A
    assert not torch.allclose(critic(obs, act, agents)[:, 0], critic(obs, other, agents)[:, 0])


def test_concat_critic_has_a_fleet_size_limit():
    with pytest.raises(LearningError, match="at most 4 agents"):
        ConcatCritic(F, A, 16, max_agents=4)(*batch(5))


def smoke(tmp_path, algo: str, agvs: int) -> AigcTrainingConfig:
    return AigcTrainingConfig(algo=algo, minutes=0.05, agvs_min=agvs, agvs_max=agvs, hidden=16,
                              heads=2, warmup=64, batch=16, actor_delay=5, update_every=2,
                              eval_every_s=1.0, eval_episodes=2)


@pytest.mark.parametrize("algo, agvs", [("amarl", 2), ("amarl", 7), ("concat", 2),
                                        ("idqn", 7)])
def test_smoke_training_writes_a_checkpoint_that_loads_and_acts(tmp_path, algo, agvs):
    cfg = smoke(tmp_path, algo, agvs)
    trainer = TrainIdqn if algo == "idqn" else TrainAmarl
    path = trainer(cfg, tmp_path / algo, progress=False).run()
    ck = AigcCheckpoint.load(path)
    assert ck.algo == algo and ck.training_config() == cfg
    assert len(ck.curve) >= 2 and ck.curve[-1]["episodes"] >= 1 and ck.curve[-1]["updates"] > 0
    assert (tmp_path / algo / "training.csv").is_file()
    assert any((tmp_path / algo / "tensorboard").iterdir())
    # the policy acts in factories of another size than it trained on
    for n in (2, 7):
        sc = ScenarioFamily(agvs_min=n, agvs_max=n).draw(0, "smoke")
        res = AigcEpisode.run(sc, AigcPolicy(ck), seed=3)
        assert res["tasks"] > 0 and res["agvs"] == n and 0 <= res["completion_rate"] <= 1
    # the stored weights are the trained ones, not a fresh network's
    fresh = ck.decider_network()
    assert all(torch.equal(v, ck.networks[ck.decider][k]) for k, v in fresh.state_dict().items())


def test_resume_continues_the_curve(tmp_path):
    cfg = smoke(tmp_path, "amarl", 2)
    first = AigcCheckpoint.load(TrainAmarl(cfg, tmp_path / "a", progress=False).run())
    again = TrainAmarl(cfg, tmp_path / "b", progress=False, resume=first).run()
    curve = AigcCheckpoint.load(again).curve
    assert curve[:len(first.curve)] == first.curve
    assert curve[-1]["episodes"] > first.curve[-1]["episodes"]


def updates(seed: int) -> tuple[list, list]:
    """Two AMARL updates on replayed random epochs, everything seeded by ``seed``."""
    from offload_ros.learning.aigc_offload.aigc_actor import AigcActor
    from offload_ros.learning.aigc_offload.aigc_replay_buffer import AigcReplayBuffer
    from offload_ros.model.seeding import Seeding
    from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
    cfg = AigcTrainingConfig(hidden=16, heads=2, batch=8, actor_delay=0, seed=seed)
    Seeding.seed_global(seed)
    rng = Seeding.rng(seed, "test")
    width, actions = AigcObservation.size(cfg.es), cfg.es + 1
    buf = AigcReplayBuffer(32, 4, width, actions)
    for _ in range(32):
        n = int(rng.integers(2, 5))
        buf.add(rng.random((n, width)), np.ones((n, actions), bool),
                rng.integers(0, actions, n), rng.random(n), rng.random((n, width)),
                np.ones((n, actions), bool), False)
    trainer = TrainAmarl(cfg, "unused", progress=False)
    actor, critic, target = AigcActor(cfg.es, 16), trainer.critic(cfg), trainer.critic(cfg)
    target.load_state_dict(critic.state_dict())
    opts = (torch.optim.Adam(actor.parameters()), torch.optim.Adam(critic.parameters()))
    losses = [trainer.update(actor, critic, target, *opts, buf.sample(rng, cfg.batch))
              for _ in range(2)]
    return losses, [p.detach().clone() for p in actor.parameters()]


def test_same_seed_same_updates_other_seed_other_updates():
    (la, wa), (lb, wb), (lc, _) = updates(0), updates(0), updates(1)
    assert la == lb and all(torch.equal(x, y) for x, y in zip(wa, wb))
    assert la != lc
    assert la[1]["actor"] != 0.0        # the actors learned (actor_delay 0)


def test_bad_checkpoints_are_rejected_naming_the_file(tmp_path):
    bad = tmp_path / "garbage.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(LearningError, match="garbage.pt: not a readable"):
        AigcCheckpoint.load(bad)
    with pytest.raises(LearningError, match="no such checkpoint"):
        AigcCheckpoint.load(tmp_path / "missing.pt")
    cfg = replace(AigcTrainingConfig(hidden=16, heads=2), es=3)
    ck = AigcCheckpoint.of(cfg, {"actor": torch.nn.Linear(2, 2)}, "actor", [], {})
    path = ck.save(tmp_path / "wrong.pt")
    with pytest.raises(LearningError, match="wrong.pt: network 'actor' does not fit"):
        AigcCheckpoint.load(path)
    torch.save({"format": "offload_ros.policy/1"}, tmp_path / "mcoo.pt")
    with pytest.raises(LearningError, match="expected 'offload_ros.aigc_policy/1'"):
        AigcCheckpoint.load(tmp_path / "mcoo.pt")


def test_a_policy_for_six_servers_refuses_another_count(tmp_path):
    from offload_ros.learning.aigc_offload.aigc_actor import AigcActor
    cfg = AigcTrainingConfig(hidden=16, heads=2)
    ck = AigcCheckpoint.of(cfg, {"actor": AigcActor(6, 16)}, "actor", [], {})
    sc = ScenarioFamily(agvs_min=2, agvs_max=2, es=4).draw(0, "x")
    with pytest.raises(LearningError, match="trained for 6 edge servers; this factory has 4"):
        AigcEpisode.run(sc, AigcPolicy(ck), seed=0)


def test_the_actor_starts_as_soft_least_finish_time():
    from offload_ros.learning.aigc_offload.aigc_actor import AigcActor
    from offload_ros.sim.aigc_offload.aigc_observation import AigcObservation
    from offload_ros.sim.aigc_offload.aigc_simulator import AigcSimulator
    torch.manual_seed(0)
    actor = AigcActor(6, 16, prior=30.0)
    sc = ScenarioFamily(agvs_min=5, agvs_max=5).draw(0, "x")
    sim = AigcSimulator(sc)
    sim.reset(0)
    agree = total = 0
    while not sim.done:
        obs = AigcObservation(sim)
        act = actor.numpy_act(obs.features, AigcPolicy.masks(obs), None)
        greedy = obs.least(obs.eft_s)
        agree += int((act == greedy)[obs.active].sum())
        total += int(obs.active.sum())
        sim.step(act)
    assert total > 50 and agree / total > 0.95
    assert np.isfinite(sim.summary()["mean_latency_s"])
