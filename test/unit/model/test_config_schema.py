"""Dataclasses are the single source of flags and ROS parameters."""

from __future__ import annotations

import argparse

import pytest
import yaml

from offload_ros.cli.config_command import ROS_NODES
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


def test_a_field_with_const_metadata_takes_an_optional_value():
    from dataclasses import dataclass, field

    @dataclass(frozen=True)
    class Serve:
        port: int = field(default=0, metadata={"help": "serve here; 0 = off", "const": 8765,
                                               "metavar": "PORT"})
        name: str = field(default="x", metadata={"help": "a plain option"})

    def parse(*argv):
        parser = argparse.ArgumentParser()
        ConfigSchema(Serve).add_arguments(parser)
        return ConfigSchema(Serve).from_namespace(parser.parse_args(list(argv))), parser

    assert parse()[0] == Serve(port=0)
    assert parse("--port")[0] == Serve(port=8765)
    assert parse("--port", "9000")[0] == Serve(port=9000)
    assert parse("--port", "--name", "y")[0] == Serve(port=8765, name="y")
    parser = parse()[1]
    assert "--port [PORT]" in parser.format_help()
    with pytest.raises(SystemExit):      # a field without const still needs its value
        parse("--name")


def test_the_demo_foxglove_flag_alone_means_port_8765():
    from offload_ros.transport.fleet_demo import FleetDemoConfig
    parser = argparse.ArgumentParser()
    ConfigSchema(FleetDemoConfig).add_arguments(parser)
    config = ConfigSchema(FleetDemoConfig)
    assert config.from_namespace(parser.parse_args([])).foxglove == 0
    assert config.from_namespace(parser.parse_args(["--foxglove"])).foxglove == 8765
    assert config.from_namespace(parser.parse_args(["--foxglove", "9000"])).foxglove == 9000


def test_options_text_builds_the_dataclass_typed_by_its_defaults():
    gen = ConfigSchema(ScenarioGenerator).from_options("agvs=8:rate_max=70.5", "generator")
    assert gen == ScenarioGenerator(agvs=8, rate_max=70.5)
    from offload_ros.model import ModelError
    with pytest.raises(ModelError, match="^generator: option agvs='eight' is not of type int"):
        ConfigSchema(ScenarioGenerator).from_options("agvs=eight", "generator")
    with pytest.raises(ModelError, match="^generator: unknown option 'trucks'"):
        ConfigSchema(ScenarioGenerator).from_options("trucks=2", "generator")
