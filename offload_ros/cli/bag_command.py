"""``bag``: read a recording."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from offload_ros.cli.command import Command


class BagCommand(Command):
    """Reads a recording."""

    commands = ("bag",)

    def bag_parser(self, sub) -> None:
        bg = sub.add_parser("bag", help="read a recording")
        bgsub = bg.add_subparsers(dest="bag_command", required=True, metavar="ACTION")
        bi = bgsub.add_parser("info", help="topics, types, counts, duration")
        bi.add_argument("bag", type=Path)
        bi.add_argument("--json", action="store_true")
        bi.set_defaults(run=self.bag_info)
        be = bgsub.add_parser("export", help="per-AGV transitions as a training dataset (.npz)")
        be.add_argument("bag", type=Path)
        be.add_argument("--out", type=Path, default=Path("out/transitions.npz"))
        be.set_defaults(run=self.bag_export)

    def bag_info(self, args: argparse.Namespace) -> int:
        from offload_ros.bag.bag_reader import BagReader
        info = BagReader(args.bag).info()
        if args.json:
            print(json.dumps(info, indent=2))
            return 0
        from rich.table import Table
        con = self.console()
        con.print(f"[bold]{info['path']}[/bold]: {info['storage']}, {info['messages']} "
                  f"messages over {info['duration_s']:.1f} s")
        t = Table()
        for col in ("topic", "type", "messages"):
            t.add_column(col, justify="right" if col == "messages" else "left")
        for topic, v in info["topics"].items():
            t.add_row(topic, v["type"], str(v["messages"]))
        con.print(t)
        return 0

    def bag_export(self, args: argparse.Namespace) -> int:
        from offload_ros.bag.bag_reader import BagReader
        out = BagReader(args.bag).export_transitions(args.out)
        print(json.dumps(out))
        return 0
