"""Several nodes in one process, as ROS 2 composition does (``offload-ros node agv --id
agv1,agv2,agv3``): each node keeps its own Zenoh session (its identity for what it sends),
readiness token, controller and loop, each loop in a thread of its own; what they receive
comes through one :class:`SubscriptionHub` (one subscription per topic for the process), and
a service one of them serves is answered within the process. A big fleet then needs a few
processes instead of one per node (each process holds its own Python interpreter, NumPy and
Zenoh: tens of MB)."""

from __future__ import annotations

import logging
import signal
import sys
import threading
from typing import Sequence

from offload_ros.transport.node_process import NodeProcess
from offload_ros.transport.parent_death import ParentDeath
from offload_ros.transport.subscription_hub import SubscriptionHub


class NodeGroup:
    """Runs ``nodes`` until SIGTERM/SIGINT (or the parent's death) stops them all; a node
    that fails stops the others, and the process then exits 1."""

    SWITCH_INTERVAL_S = 0.0005

    def __init__(self, nodes: Sequence[NodeProcess]) -> None:
        if not nodes:
            raise ValueError("a node group needs at least one node")
        self.nodes = list(nodes)
        if len(self.nodes) > 1:
            self.hub = SubscriptionHub(self.nodes[0].bus)
            for node in self.nodes:
                node.bus.hub = self.hub
        self.failed: list[str] = []
        self.log = logging.getLogger("group")

    def stop(self) -> None:
        for node in self.nodes:
            node.stopping.set()
            node.wake.set()

    def _serve(self, node: NodeProcess) -> None:
        try:
            if node.serve() != 0:
                self.failed.append(node.name)
        except BaseException:  # noqa: BLE001 - a failed node stops its group, logged here
            node.log.exception("%s failed", node.name)
            self.failed.append(node.name)
        finally:
            if self.failed:
                self.stop()

    def run(self) -> int:
        if len(self.nodes) == 1:
            return self.nodes[0].run()
        # a thread that wants the GIL waits for the holder's switch interval (5 ms by
        # default): with a node per thread, a decision would wait behind another node's tick
        sys.setswitchinterval(self.SWITCH_INTERVAL_S)
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: self.stop())
        ParentDeath.watch(lambda: (self.log.warning("the parent process is gone: stopping"),
                                   self.stop()))
        threads = [threading.Thread(target=self._serve, args=(n,), name=n.name, daemon=True)
                   for n in self.nodes]
        for t in threads:
            t.start()
        while any(t.is_alive() for t in threads):     # the main thread takes the signals
            for t in threads:
                t.join(0.2)
        return 1 if self.failed else 0
