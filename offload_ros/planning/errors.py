"""The planning layer's one error type."""


class PlanningError(ValueError):
    """A planner cannot be built for this scenario, or the bound could not be solved."""
