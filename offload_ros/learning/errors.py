"""The learning layer's error type."""


class LearningError(Exception):
    """Bad training configuration, or a checkpoint that cannot be used (names the file)."""
