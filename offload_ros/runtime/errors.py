"""The runtime layer's one error type."""


class NodeError(ValueError):
    """Bad node configuration or input: names the node, the field or the sender."""
