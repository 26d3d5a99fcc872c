"""Comparisons, experiments and benchmarks over planners (and, later, learned policies).

This layer sits above ``planning``/``learning`` and below ``runtime``: it resolves policies
by name and runs them through the simulator.
"""

from offload_ros.evaluation.comparison import Comparison, ComparisonRow
from offload_ros.evaluation.errors import EvaluationError
from offload_ros.evaluation.experiment import KINDS, Experiment, ExperimentConfig
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.evaluation.sim_bench import SimBench
from offload_ros.evaluation.statistics import Statistics

__all__ = ["KINDS", "Comparison", "ComparisonRow", "EvaluationError", "Experiment",
           "ExperimentConfig", "PolicyFactory", "SimBench", "Statistics"]
