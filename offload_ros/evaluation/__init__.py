"""Comparisons, experiments and benchmarks over planners (and, later, learned policies).

This layer sits above ``planning``/``learning`` and below ``runtime``: it resolves policies
by name and runs them through the simulator.
"""

import importlib

#: name -> module; imported on first use, so ``offload_ros.evaluation.errors`` or the policy
#: factory load without what experiments need (scipy, matplotlib)
_HOME = {"KINDS": "experiment", "Comparison": "comparison", "ComparisonRow": "comparison",
         "EvaluationError": "errors", "Experiment": "experiment",
         "ExperimentConfig": "experiment", "PolicyFactory": "policy_factory",
         "SimBench": "sim_bench", "Statistics": "statistics"}

__all__ = ["KINDS", "Comparison", "ComparisonRow", "EvaluationError", "Experiment",
           "ExperimentConfig", "PolicyFactory", "SimBench", "Statistics"]


def __getattr__(name: str):
    if name not in _HOME:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOME[name]}"), name)
