"""``scenario``: make, check, list and export scenario files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from offload_ros.cli.command import Command
from offload_ros.model.config_schema import ConfigSchema
from offload_ros.model.errors import ModelError
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from offload_ros.model.scenario_generator import ScenarioGenerator


class ScenarioCommand(Command):
    """Makes, checks, lists and exports scenario files."""

    commands = ("scenario",)

    def scenario_parser(self, sub) -> None:
        sc = sub.add_parser("scenario", help="make or check scenario files")
        ssub = sc.add_subparsers(dest="scenario_command", required=True, metavar="ACTION")
        r = ssub.add_parser("random", help="a random factory after the paper's Table 2")
        ConfigSchema(ScenarioGenerator).add_arguments(r)
        r.add_argument("--seed", type=int, default=0)
        r.add_argument("--out", type=Path, help="write here instead of stdout")
        r.set_defaults(run=self.scenario_random)
        k = ssub.add_parser("check", help="validate scenario files")
        k.add_argument("files", nargs="+", metavar="SCENARIO",
                       help="scenario files or shipped names")
        k.set_defaults(run=self.scenario_check)
        ls = ssub.add_parser("list", help="list the shipped scenarios")
        ls.set_defaults(run=self.scenario_list)
        w = ssub.add_parser("world", help="a Gazebo (gz-sim) world of the factory, SDF "
                                          "(launch/gazebo.launch.py makes one itself)")
        w.add_argument("scenario", help="scenario file or shipped name")
        w.add_argument("--out", type=Path, help="write here instead of stdout")
        w.set_defaults(run=self.scenario_world)

    def scenario_random(self, args: argparse.Namespace) -> int:
        gen = ConfigSchema(ScenarioGenerator).from_namespace(args)
        text = gen.generate(args.seed).to_yaml()
        if args.out:
            args.out.parent.mkdir(parents=True, exist_ok=True)
            args.out.write_text(text)
            print(f"wrote {args.out}", file=sys.stderr)
        else:
            sys.stdout.write(text)
        return 0

    def scenario_check(self, args: argparse.Namespace) -> int:
        bad = 0
        for f in args.files:
            try:
                sc = Scenario.load(PackagePaths.find_scenario(f))
            except ModelError as err:
                bad += 1
                for line in err.describe_all():
                    print(line, file=sys.stderr)
                continue
            print(f"{f}: ok ({len(sc.agvs)} AGVs, {len(sc.edge_servers)} edge servers, "
                  f"{sc.horizon_s:g} s)")
        return 2 if bad else 0

    def scenario_list(self, args: argparse.Namespace) -> int:
        folder = PackagePaths.share() / "config" / "scenarios"
        for path in sorted(folder.glob("*.yaml")):
            sc = Scenario.load(path)
            print(f"{path.stem:24s} {len(sc.agvs):2d} AGVs {len(sc.edge_servers):2d} ES  {path}")
        return 0

    def scenario_world(self, args: argparse.Namespace) -> int:
        from offload_ros.model.gazebo_world import GazeboWorld
        world = GazeboWorld(self.load(args.scenario))
        if args.out is None:
            sys.stdout.write(world.sdf())
            return 0
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(world.sdf())
        spawns = ", ".join(f"{s.name} ({s.x:g}, {s.y:g})" for s in world.spawns())
        print(f"wrote {args.out}: world {world.name!r}, spawn poses {spawns}")
        return 0
