"""The bag layer's one error type."""


class BagError(ValueError):
    """A message that does not encode or decode, or a bag that cannot be read or written."""
