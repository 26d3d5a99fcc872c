"""Scenario model: dataclasses, YAML loading and validation, random factories, seeding."""

from offload_ros.model.agv import Agv
from offload_ros.model.config_schema import ConfigSchema
from offload_ros.model.edge_server import EdgeServer
from offload_ros.model.errors import ModelError
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_generator import ScenarioGenerator
from offload_ros.model.scenario_loader import ScenarioLoader
from offload_ros.model.seeding import Seeding

__all__ = ["Agv", "ConfigSchema", "EdgeServer", "ModelError", "PackagePaths", "Scenario",
           "ScenarioGenerator", "ScenarioLoader", "Seeding"]
