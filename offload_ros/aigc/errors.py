"""The AIGC layer's error type."""


class AigcError(Exception):
    """Bad AIGC input: an unknown class, a bad request, a missing or corrupt model folder, a
    dataset folder without images. The message names the field, file or request."""
