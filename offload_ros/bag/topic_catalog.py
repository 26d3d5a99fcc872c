"""DESIGN.md's topic table in one place: each topic's type and QoS, for the shells, the
recorder and the bag reader."""

from __future__ import annotations

import re
from dataclasses import dataclass

from offload_ros.bag.errors import BagError


@dataclass(frozen=True)
class TopicSpec:
    pattern: str            # ``*`` is one name chunk (an AGV or ES id)
    typename: str
    reliable: bool
    transient_local: bool
    depth: int

    def matches(self, topic: str) -> bool:
        rx = "^" + re.escape(self.pattern).replace(r"\*", "[^/]+") + "$"
        return re.match(rx, topic) is not None


class TopicCatalog:
    """``TopicCatalog.spec("/es1/state")`` → its :class:`TopicSpec`."""

    SPECS = (
        TopicSpec("/*/status", "offload_interfaces/msg/AgvStatus", True, False, 10),
        TopicSpec("/*/state", "offload_interfaces/msg/EdgeServerState", True, True, 1),
        TopicSpec("/*/pheromones", "offload_interfaces/msg/Pheromone", True, True, 32),
        # every result counts (a burst of expiries must not push one out of the queue)
        TopicSpec("/*/aigc/results", "offload_interfaces/msg/AigcResult", True, False, 1000),
        TopicSpec("/*/aigc/state", "offload_interfaces/msg/AigcEdgeState", True, True, 1),
        TopicSpec("/*/aigc/progress", "offload_interfaces/msg/AigcProgress", True, True, 1),
        TopicSpec("/offload/transitions", "offload_interfaces/msg/Transition", True, False, 1000),
        TopicSpec("/clock", "rosgraph_msgs/msg/Clock", False, False, 1),
        # not on the bus: what ``offload-ros demo --foxglove`` draws, recorded into its bag
        TopicSpec("/fleet/scene", "visualization_msgs/msg/MarkerArray", True, False, 10),
        TopicSpec("/fleet/aigc/image", "sensor_msgs/msg/Image", True, False, 10),
    )

    @classmethod
    def spec(cls, topic: str) -> TopicSpec:
        for s in cls.SPECS:
            if s.matches(topic):
                return s
        raise BagError(f"topic {topic!r} is not one of offload_ros's ("
                       + ", ".join(s.pattern for s in cls.SPECS) + ")")

    @classmethod
    def qos(cls, topic: str):
        """The rosbags ``Qos`` a recorder offers for ``topic``."""
        from rosbags.interfaces import (Qos, QosDurability, QosHistory, QosLiveliness,
                                        QosReliability, QosTime)
        s = cls.spec(topic)
        zero = QosTime(0, 0)
        return Qos(QosHistory.KEEP_LAST, s.depth,
                   QosReliability.RELIABLE if s.reliable else QosReliability.BEST_EFFORT,
                   QosDurability.TRANSIENT_LOCAL if s.transient_local
                   else QosDurability.VOLATILE, zero, zero, QosLiveliness.AUTOMATIC, zero, False)
