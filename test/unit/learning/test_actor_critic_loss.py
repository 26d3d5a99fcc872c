"""n-step advantages by hand."""

from __future__ import annotations

import numpy as np
import pytest

from offload_ros.learning.actor_critic_loss import ActorCriticLoss


def test_n_step_advantages_by_hand():
    r = np.array([1.0, 2.0, 3.0, 10.0, 20.0], np.float32)
    v = np.array([0.5, 0.25, 0.125, 4.0, 2.0], np.float32)
    last = np.array([False, False, True, False, True])   # trajectories [0..2] and [3..4]
    g = 0.5
    adv = ActorCriticLoss.n_step(r, v, last, g, 2)
    assert adv[0] == pytest.approx(1 + g * 2 + g * g * 0.125 - 0.5)   # bootstraps from V_2
    assert adv[1] == pytest.approx(2 + g * 3 - 0.25)                   # trajectory ends
    assert adv[2] == pytest.approx(3 - 0.125)
    assert adv[3] == pytest.approx(10 + g * 20 - 4.0)                  # never crosses into
    assert adv[4] == pytest.approx(20 - 2.0)                           # the next trajectory
    one = ActorCriticLoss.n_step(r, v, last, g, 1)
    assert one[0] == pytest.approx(1 + g * 0.25 - 0.5)
