"""The evaluation layer's one error type."""


class EvaluationError(ValueError):
    """A comparison, experiment or benchmark was asked for something it cannot do."""
