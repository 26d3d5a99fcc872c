from __future__ import annotations

import pytest

from offload_ros.runtime.errors import NodeError
from offload_ros.runtime.sim_clock import SimClock


def test_scale_sync_and_waits():
    wall = [100.0]
    clock = SimClock(60.0, wall=lambda: wall[0])
    assert clock.now() == 0.0 and clock.wall_until(10.0) == float("inf")
    clock.start()
    wall[0] = 101.0
    assert clock.now() == pytest.approx(60.0)
    assert clock.wall_until(120.0) == pytest.approx(1.0)
    clock.sync(30.0)                      # an older /clock never moves it back
    assert clock.now() == pytest.approx(60.0)
    clock.sync(90.0)
    assert clock.now() == pytest.approx(90.0)
    with pytest.raises(NodeError, match="time_scale"):
        SimClock(0.0)
