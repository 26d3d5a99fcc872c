"""``offload-ros node`` parses with its own command group only: a fleet node imports no
torch, scipy or matplotlib (each process would otherwise hold them), while the full parser
and its help stay as they are."""

from __future__ import annotations

import subprocess
import sys

from offload_ros.cli.cli import LEAN, Cli
from test.conftest import ROOT

HEAVY = ("torch", "diffusers", "scipy", "matplotlib", "pettingzoo", "gymnasium", "rich")


def loaded_after(code: str) -> list[str]:
    probe = (f"import sys\n{code}\n"
             f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return eval(out)  # noqa: S307 - our own probe's printed list


def test_the_node_command_imports_nothing_heavy():
    assert loaded_after("from offload_ros.cli.cli import Cli\n"
                        "Cli('node').parse(['node', 'agv', '--id', 'agv1,agv2'])") == []


def test_the_lean_parser_parses_node_commands_as_the_full_one():
    argv = ["node", "agv", "--id", "agv1,agv2", "--metrics", "m/{id}.json"]
    assert vars(Cli("node").parse(argv)).keys() == vars(Cli().parse(argv)).keys()
    full, lean = Cli().parser, Cli("node").parser
    sub = {p: next(a for a in x._actions if a.dest == "command").choices["node"]
           for p, x in (("full", full), ("lean", lean))}
    assert sub["full"].format_help() == sub["lean"].format_help()
    assert set(LEAN) == {"node"}


def test_several_agvs_need_a_file_each(tmp_path):
    for args, needle in ((["--id", "agv1,agv1"], "distinct"),
                         (["--id", "agv1,agv2", "--metrics", str(tmp_path / "m.json")],
                          "{id}")):
        r = subprocess.run([sys.executable, "-m", "offload_ros.cli", "node", "agv", *args],
                           cwd=ROOT, capture_output=True, text=True)
        assert r.returncode == 2 and needle in r.stderr and len(r.stderr.splitlines()) == 1
