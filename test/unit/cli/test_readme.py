"""The README's command table and policy lists against the parser: every command it shows
exists, every flag it shows is that command's, every default it shows in brackets is the
parser's, every command of the parser is in the table, and the policy lists are the names
each command accepts."""

from __future__ import annotations

import argparse
import re

import pytest

from offload_ros.cli import Cli
from offload_ros.evaluation.aigc_offload.aigc_policy_factory import AigcPolicyFactory
from offload_ros.evaluation.policy_factory import PolicyFactory
from offload_ros.model.package_paths import PackagePaths
from offload_ros.model.scenario import Scenario
from test.conftest import ROOT

README = (ROOT / "README.md").read_text()


def section(title: str) -> str:
    start = README.index(f"## {title}")
    end = README.find("\n## ", start + 1)
    return README[start:end if end > 0 else None]


def table_commands() -> list[str]:
    """Every backticked command in the first column of the command table."""
    out = []
    text = section("The `offload-ros` command")
    table = text[text.index("| command | what it does |"):].split("\n\n")[0]
    for line in table.splitlines():
        if not line.startswith("| `"):
            continue
        cell = line.split(" | ")[0].lstrip("| ").replace("\\|", "|")
        out += re.findall(r"`([^`]+)`", cell)
    return out


def subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def leaves(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    subs = subparsers(parser)
    if not subs:
        yield path
    for name, sub in subs.items():
        yield from leaves(sub, path + (name,))


def is_placeholder(word: str) -> bool:
    """SCENARIO, DIR, FILE.npz, CKPT, S, ES, DIR,…: a value the user fills in."""
    return bool(re.fullmatch(r"[A-Z][A-Z0-9_]*(\.[a-z]+)?(\.\.\.|,…)?", word))


class Resolved:
    """A README command resolved against the parser: the parser it reaches and the path."""

    def __init__(self, cli: Cli, text: str) -> None:
        self.text = text
        words = text.replace("[", " [ ").replace("]", " ] ").split()
        if words[:3] in (["train", "--algo", "amarl|concat|idqn"],):
            self.parser, self.path = cli.trainer.aigc_parser(), ("train", "--algo amarl")
            words = words[1:]
        else:
            self.parser, self.path = cli.parser, ()
        self.words = words
        self.problems: list[str] = []

    def walk(self) -> Resolved:
        words = list(self.words)
        while words and not words[0].startswith(("-", "[")) and subparsers(self.parser):
            subs = subparsers(self.parser)
            names = words.pop(0).split("|")
            for name in names:
                if name not in subs:
                    self.problems.append(f"`{self.text}`: no command {name!r} under "
                                         f"{' '.join(self.path) or 'offload-ros'}")
                    return self
            self.parser, self.path = subs[names[0]], self.path + (names[0],)
        self.check_words(words)
        return self

    def action(self, flag: str) -> argparse.Action | None:
        return next((a for a in self.parser._actions if flag in a.option_strings), None)

    def positional_choices(self) -> list[str]:
        return [c for a in self.parser._actions if not a.option_strings and a.choices
                for c in a.choices]

    def check_words(self, words: list[str]) -> None:
        depth = 0
        k = 0
        while k < len(words):
            word = words[k]
            k += 1
            if word in ("[", "]"):
                depth += 1 if word == "[" else -1
                continue
            if word in ("…", "...") or is_placeholder(word):
                continue
            if not word.startswith("--"):
                choices = self.positional_choices()
                for name in word.split("|"):
                    if name not in choices:
                        self.problems.append(f"`{self.text}`: {name!r} is not a choice of "
                                             f"{' '.join(self.path)} ({choices})")
                continue
            action = self.action(word)
            if action is None:
                self.problems.append(f"`{self.text}`: {' '.join(self.path)} has no {word}")
                continue
            takes_value = action.nargs != 0
            value = words[k] if k < len(words) and words[k] not in ("[", "]") \
                and not words[k].startswith("--") else None
            if not takes_value:
                if value is not None and not is_placeholder(value):
                    self.problems.append(f"`{self.text}`: {word} takes no value")
                continue
            if value is None:
                if action.nargs != "?":          # --foxglove [PORT]: its value is optional
                    self.problems.append(f"`{self.text}`: {word} is shown without its value")
                continue
            k += 1
            self.check_value(word, action, value, shown_as_default=depth > 0)

    def check_value(self, flag: str, action: argparse.Action, value: str,
                    shown_as_default: bool) -> None:
        if is_placeholder(value) or "…" in value:     # filled in by the user, or elided
            return
        alternatives = value.split("|")
        if len(alternatives) > 1:
            for alt in alternatives:
                if action.choices and not is_placeholder(alt) and alt not in action.choices:
                    self.problems.append(f"`{self.text}`: {flag} {alt!r} is not one of "
                                         f"{list(action.choices)}")
            return
        if action.choices and value not in action.choices:
            self.problems.append(f"`{self.text}`: {flag} {value!r} is not one of "
                                 f"{list(action.choices)}")
        if not shown_as_default:
            return
        default = action.default
        shown = value
        if isinstance(default, bool):
            same = shown.lower() == str(default).lower()
        elif default is None:
            same = str(default) == shown
        elif isinstance(default, (int, float)):
            try:
                same = float(shown) == float(default)
            except ValueError:
                same = False
        else:
            same = str(default) == shown
        if not same:
            self.problems.append(f"`{self.text}`: README shows {flag} {shown}, the parser's "
                                 f"default is {default!r}")


@pytest.fixture(scope="module")
def resolved():
    cli = Cli()
    return cli, [Resolved(cli, text).walk() for text in table_commands()]


def test_the_table_has_commands(resolved):
    _, rows = resolved
    assert len(rows) >= 30


def test_every_command_flag_and_default_in_the_table_is_the_parsers(resolved):
    _, rows = resolved
    problems = [p for r in rows for p in r.problems]
    assert not problems, "\n".join(problems)


def test_every_command_of_the_parser_is_in_the_table(resolved):
    cli, rows = resolved
    shown = {r.path for r in rows}
    # a row like `node agv|edge|…` shows every alternative
    for r in rows:
        head = r.text.split()
        if len(head) > 1 and "|" in head[1] and not head[1].startswith("-"):
            shown |= {(head[0], name) for name in head[1].split("|")}
    missing = [" ".join(p) for p in leaves(cli.parser) if p not in shown]
    assert not missing, f"commands missing from the README's table: {missing}"


def test_a_wrong_default_in_the_table_is_caught():
    cli = Cli()
    wrong = Resolved(cli, "aigc generate --class crack [--steps 21] --out DIR").walk()
    right = Resolved(cli, "aigc generate --class crack [--steps 20] --out DIR").walk()
    unknown = Resolved(cli, "bench sim [--no-such-flag 3]").walk()
    assert len(wrong.problems) == 1 and "default is 20" in wrong.problems[0]
    assert right.problems == []
    assert unknown.problems and "has no --no-such-flag" in unknown.problems[0]


def policy_table() -> dict[str, set[str]]:
    """The README's policy table: the first command of a row -> the names in its row."""
    rows = {}
    text = section("The `offload-ros` command")
    table = text[text.index("| takes `--policy`"):].split("\n\n")[0]
    for line in table.splitlines()[2:]:
        commands, names = line.strip("| ").split(" | ")
        rows[re.findall(r"`([^`]+)`", commands)[0]] = \
            {n for n in re.findall(r"`([^`]+)`", names) if n != "NAME:PATH"}
    return rows


def test_the_policy_lists_are_what_the_commands_accept():
    rows = policy_table()
    assert rows == {"simulate": set(PolicyFactory.names()),
                    "demo": set(PolicyFactory.names()),
                    "aigc offload": set(AigcPolicyFactory.names())}


def test_simulate_accepts_every_policy_its_help_lists():
    simulate = subparsers(Cli().parser)["simulate"]
    policy = next(a for a in simulate._actions if "--policy" in a.option_strings)
    listed = re.match(r"one of (.*) \(default", policy.help).group(1).split(", ")
    assert set(listed) == set(PolicyFactory.names())
    scenario = Scenario.load(PackagePaths.scenario("factory_5agv"))   # has plan_kb: fixed runs
    for name in listed:
        PolicyFactory.make(name, scenario)


def test_the_generation_service_settings_in_the_docs_are_the_dataclass_defaults():
    from offload_ros.model.aigc_offload.generation_service_config import GenerationServiceConfig
    from offload_ros.model.config_schema import ConfigSchema
    text = (ROOT / "docs" / "aigc.md").read_text()
    table = text[text.index("| setting | default | meaning |",
                            text.index("settings are in `GenerationServiceConfig`")):]
    rows = {}
    for line in table.split("\n\n")[0].splitlines()[2:]:
        name, default, _ = line.strip("| ").split(" | ")
        rows[name.strip("`")] = _value(default)
    assert rows == {k: _value(v) for k, v in ConfigSchema(GenerationServiceConfig).defaults()
                    .items()}


def _value(v):
    """A number as a float (16 and 16.0 are the same default), anything else as text."""
    try:
        return float(v)
    except ValueError:
        return str(v)
