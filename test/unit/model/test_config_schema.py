"""Dataclasses are the single source of flags and ROS parameters."""

from __future__ import annotations

import argparse

import yaml

from offload_ros.cli import ROS_NODES
from offload_ros.model import ConfigSchema, ScenarioGenerator
from test.conftest import ROOT


def test_flags_come_from_the_dataclass_and_build_it_back():
    parser = argparse.ArgumentParser()
    ConfigSchema(ScenarioGenerator).add_arguments(parser)
    ns = parser.parse_args(["--agvs", "8", "--route-max", "5", "--rate-max", "70"])
    gen = ConfigSchema(ScenarioGenerator).from_namespace(ns)
    assert gen == ScenarioGenerator(agvs=8, route_max=5, rate_max=70.0)
    assert "number of AGVs" in parser.format_help()


def test_shipped_ros_parameters_file_matches_the_dataclasses():
    shipped = yaml.safe_load((ROOT / "config" / "offload_ros.yaml").read_text())
    assert shipped == ConfigSchema.ros_parameters(ROS_NODES)
