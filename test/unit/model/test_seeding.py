"""One place for seeds: same seed and stream → same numbers; streams are independent."""

from offload_ros.model import Seeding


def test_same_seed_and_stream_repeat():
    assert Seeding.rng(7, "a", 1).random(5).tolist() == Seeding.rng(7, "a", 1).random(5).tolist()
    assert Seeding.int_seed(7, "torch") == Seeding.int_seed(7, "torch")


def test_streams_and_seeds_differ():
    base = Seeding.rng(7, "a").random(5).tolist()
    assert Seeding.rng(7, "b").random(5).tolist() != base
    assert Seeding.rng(8, "a").random(5).tolist() != base
    assert 0 <= Seeding.int_seed(7, "x") < 2**31


def test_evaluation_seeds_are_held_out():
    seeds = Seeding.evaluation_seeds(200)
    assert len(set(seeds)) == 200 and min(seeds) >= Seeding.EVALUATION_SEED_BASE
