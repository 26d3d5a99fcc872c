"""One subscription per topic for all the nodes of a process (``NodeGroup``), and calls
between them that stay in the process.

Without it, ten AGV nodes in one process hold ten subscriptions to ``/*/state`` and
``/clock``: the router sends every sample ten times over TLS and the process decodes it ten
times. The hub declares each (topic, type) once, on the first node's session, decodes each
sample once and hands the message to every node that subscribed, each node's callback
guarded (and logged) by its own bus. Every node keeps its own session for what it sends,
so the fleet's access control still sees each node's own identity.

A service one node of the process serves (the policy node's ``/<agv>/decide`` where it runs
with its AGVs) is also answered within the process: another node's call goes straight to the
handler, as ROS 2's intra-process communication does for composed nodes. The service stays
declared on Zenoh for callers elsewhere."""

from __future__ import annotations

import threading
from typing import Any, Callable

from offload_ros.transport.zenoh_bus import Callback, ZenohBus


class SubscriptionHub:
    """``hub.subscribe(bus, topic, typename, callback)`` for each node's bus; the first
    subscription to a (topic, type) declares it on ``self.bus``."""

    def __init__(self, bus: ZenohBus) -> None:
        self.bus = bus
        self._fans: dict[tuple[str, str], list[tuple[ZenohBus, Callback]]] = {}
        self._lock = threading.Lock()
        self._local: dict[str, Callable[[Any, str], Any]] = {}

    def serve_locally(self, service: str, handler: Callable[[Any, str], Any]) -> None:
        """``handler(request, sender)`` answers calls to ``service`` from this process."""
        with self._lock:
            self._local[service] = handler

    def local_service(self, service: str) -> Callable[[Any, str], Any] | None:
        with self._lock:
            return self._local.get(service)

    def subscribe(self, bus: ZenohBus, topic: str, typename: str, callback: Callback) -> None:
        with self._lock:
            fan = self._fans.get((topic, typename))
            first = fan is None
            if fan is None:
                fan = self._fans[(topic, typename)] = []
            fan.append((bus, callback))
        if first:
            def handle(key: str, message: Any, sender: str) -> None:
                for node_bus, node_callback in tuple(fan):
                    node_bus.call_back(node_callback, key, typename, message, sender)
            self.bus.declare_subscriber(topic, typename, handle)

    def subscriptions(self) -> dict[tuple[str, str], int]:
        """How many nodes each declared (topic, type) serves."""
        with self._lock:
            return {k: len(v) for k, v in self._fans.items()}
