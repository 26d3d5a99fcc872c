"""Event-driven fleet simulator, Algorithm 1 default plans, counterfactual replay."""

from offload_ros.sim.counterfactual_replay import CounterfactualReplay
from offload_ros.sim.default_plan import DefaultPlan
from offload_ros.sim.errors import SimError
from offload_ros.sim.observation import Observation
from offload_ros.sim.pheromone import Pheromone
from offload_ros.sim.sim_result import AgvResult, EsResult, SimResult
from offload_ros.sim.simulator import Policy, Simulator, SimulatorConfig, Trace

__all__ = ["AgvResult", "CounterfactualReplay", "DefaultPlan", "EsResult", "Observation",
           "Pheromone", "Policy", "SimError", "SimResult", "Simulator", "SimulatorConfig",
           "Trace"]
