"""Topics and services of offload_interfaces over a Zenoh session.

- A topic ``/es1/state`` is the key ``<prefix>/es1/state``; payloads are the CDR bytes ROS 2
  would write; every sample carries its sender's node name as attachment.
- Transient-local topics: the publisher keeps its last ``keep`` samples and answers queries on
  ``<prefix>_cache/es1/state/<node>``; a late subscriber asks there before it listens.
- A service ``/es1/offload`` is a queryable on ``<prefix>/es1/offload``.
- A payload that does not decode is logged with its key and sender and dropped; a service
  answers it with an error reply. Nothing a peer sends can stop a node.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from typing import TYPE_CHECKING, Any, Callable

from offload_ros.bag.errors import BagError
from offload_ros.bag.message_types import MessageTypes
from offload_ros.transport.errors import TransportError
from offload_ros.transport.zenoh_config import ZenohConfig

if TYPE_CHECKING:
    from offload_ros.transport.subscription_hub import SubscriptionHub

Callback = Callable[[Any, str], None]


class ZenohBus:
    """One node's Zenoh session."""

    def __init__(self, config: ZenohConfig, node: str,
                 log: logging.Logger | None = None) -> None:
        import zenoh
        self.zenoh = zenoh
        self.config, self.node = config, node
        self.log = log or logging.getLogger(node)
        self.types = MessageTypes.default()
        try:
            self.session = zenoh.open(config.session_config(node))
        except Exception as err:  # noqa: BLE001 - zenoh raises ZError
            raise TransportError(f"{node}: cannot open a Zenoh session ({config.mode}, "
                                 f"connect {config.connect!r}): {err}") from err
        self._pubs: dict[str, Any] = {}
        self._caches: dict[str, deque] = {}
        self._keep: list[Any] = []
        self._lock = threading.Lock()
        self.hub: SubscriptionHub | None = None      # set by NodeGroup

    # ------------------------------------------------------------------ keys
    def key(self, name: str) -> str:
        return self.config.prefix + "/" + name.strip("/")

    def cache_key(self, name: str, node: str = "*") -> str:
        return f"{self.config.prefix}_cache/{name.strip('/')}/{node}"

    # ------------------------------------------------------------------ topics
    def publish(self, topic: str, typename: str, message: Any, *, keep: int = 0,
                best_effort: bool = False) -> None:
        data = self.types.encode(typename, message)
        with self._lock:
            pub = self._pubs.get(topic)
            if pub is None:
                z = self.zenoh
                pub = self.session.declare_publisher(
                    self.key(topic),
                    congestion_control=z.CongestionControl.DROP if best_effort
                    else z.CongestionControl.BLOCK,
                    reliability=z.Reliability.BEST_EFFORT if best_effort
                    else z.Reliability.RELIABLE)
                self._pubs[topic] = pub
                if keep:
                    self._caches[topic] = deque(maxlen=keep)
                    self._keep.append(self.session.declare_queryable(
                        self.cache_key(topic, self.node), self._cache_answer(topic)))
            cache = self._caches.get(topic)
            if cache is not None:
                cache.append(data)
        pub.put(data, attachment=self.node.encode())

    def _cache_answer(self, topic: str) -> Callable[[Any], None]:
        def answer(query: Any) -> None:
            with self._lock:
                samples = list(self._caches[topic])
            for data in samples:
                query.reply(self.cache_key(topic, self.node), data,
                            attachment=self.node.encode())
        return answer

    def subscribe(self, topic: str, typename: str, callback: Callback, *,
                  transient: bool = False) -> None:
        """``topic`` may hold ``*`` for one chunk (``/*/pheromones``). Where this bus shares
        a :class:`SubscriptionHub` with the other nodes of its process, the process holds one
        subscription per topic and decodes each sample once for all of them."""
        if self.hub is not None:
            self.hub.subscribe(self, topic, typename, callback)
        else:
            self.declare_subscriber(topic, typename, lambda key, message, sender: self.call_back(
                callback, key, typename, message, sender))
        if transient:
            for reply in self.session.get(self.cache_key(topic), timeout=2.0):
                if reply.ok is not None:
                    s = reply.ok
                    key, sender = str(s.key_expr), self._sender(s.attachment)
                    message = self._decode(key, typename, s.payload.to_bytes(), sender)
                    if message is not None:
                        self.call_back(callback, key, typename, message, sender)

    def declare_subscriber(self, topic: str, typename: str,
                           handle: Callable[[str, Any, str], None]) -> None:
        """One Zenoh subscriber on this session: ``handle(key, message, sender)`` for each
        sample that decodes (one that does not is logged and dropped)."""
        def on_sample(sample: Any) -> None:
            key, sender = str(sample.key_expr), self._sender(sample.attachment)
            message = self._decode(key, typename, sample.payload.to_bytes(), sender)
            if message is not None:
                handle(key, message, sender)
        self._keep.append(self.session.declare_subscriber(self.key(topic), on_sample))

    def _decode(self, key: str, typename: str, data: bytes, sender: str) -> Any | None:
        try:
            return self.types.decode(typename, data)
        except BagError as err:
            self.log.warning("dropped a message on %s from %s: %s", key, sender, err)
            return None

    def call_back(self, callback: Callback, key: str, typename: str, message: Any,
                  sender: str) -> None:
        """``callback(message, sender)``; what it raises is logged (a bad message must not
        stop the node)."""
        try:
            callback(message, sender)
        except Exception as err:  # noqa: BLE001 - a bad message must not stop the node
            self.log.warning("dropped a %s on %s from %s: %s", typename.rsplit("/", 1)[-1],
                             key, sender, err)

    @staticmethod
    def _sender(attachment: Any) -> str:
        if attachment is None:
            return "an unnamed sender"
        try:
            return attachment.to_bytes().decode("utf-8", "replace")[:80]
        except Exception:  # noqa: BLE001
            return "an unnamed sender"

    # ------------------------------------------------------------------ services
    def serve(self, service: str, typename: str, handler: Callable[..., Any], *,
              deferred: bool = False) -> None:
        """``typename`` is the service (``Offload``); ``handler(request, sender)`` returns the
        response message. ``deferred``: ``handler(request, sender, reply)`` returns nothing
        and calls ``reply(response)`` later, from any thread."""
        key = self.key(service)

        def replier(query: Any) -> Callable[[Any], None]:
            def reply(response: Any) -> None:
                try:
                    payload = self.types.encode(typename + "_Response", response)
                except BagError as err:
                    query.reply_err(str(err).encode())
                    return
                query.reply(key, payload, attachment=self.node.encode())
            return reply

        def on_query(query: Any) -> None:
            sender = self._sender(query.attachment)
            data = query.payload.to_bytes() if query.payload is not None else b""
            try:
                request = self.types.decode(typename + "_Request", data)
            except BagError as err:
                self.log.warning("refused a request on %s from %s: %s", key, sender, err)
                query.reply_err(str(err).encode())
                return
            if deferred:
                handler(request, sender, replier(query))
                return
            try:
                response = handler(request, sender)
                payload = self.types.encode(typename + "_Response", response)
            except Exception as err:  # noqa: BLE001 - answer the error, keep serving
                self.log.exception("request on %s from %s failed", key, sender)
                query.reply_err(f"{type(err).__name__}: {err}".encode())
                return
            query.reply(key, payload, attachment=self.node.encode())

        self._keep.append(self.session.declare_queryable(key, on_query, complete=True))
        if self.hub is not None and not deferred:
            self.hub.serve_locally(service, handler)

    def call(self, service: str, typename: str, request: Any, timeout: float) -> Any | None:
        """The response, or ``None`` when none came within ``timeout`` (or it was an error,
        which is logged)."""
        local = self.hub.local_service(service) if self.hub is not None else None
        if local is not None:       # served by a node of this process: no round trip
            try:
                return local(request, self.node)
            except Exception:  # noqa: BLE001 - as a remote server's error reply
                self.log.exception("%s failed in this process", service)
                return None
        data = self.types.encode(typename + "_Request", request)
        try:
            replies = self.session.get(self.key(service), payload=data, timeout=timeout,
                                       attachment=self.node.encode())
            for reply in replies:
                if reply.ok is not None:
                    return self.types.decode(typename + "_Response",
                                             reply.ok.payload.to_bytes())
                self.log.warning("%s answered an error: %s", service,
                                 reply.err.payload.to_bytes().decode("utf-8", "replace"))
        except BagError as err:
            self.log.warning("%s: %s", service, err)
        except Exception as err:  # noqa: BLE001 - a closed or broken session
            self.log.warning("%s: no answer: %s", service, err)
        return None

    def close(self) -> None:
        try:
            self.session.close()
        except Exception:  # noqa: BLE001 - already closed
            pass
