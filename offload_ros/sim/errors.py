"""The simulator layer's one error type."""


class SimError(RuntimeError):
    """A simulation could not run or broke an invariant (e.g. work conservation)."""
