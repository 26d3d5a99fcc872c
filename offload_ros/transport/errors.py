"""The transport layer's one error type."""


class TransportError(RuntimeError):
    """Zenoh could not open, connect or declare something."""
