"""The console the commands print their tables on, and their progress bars."""

from rich.table import Table

from offload_ros.cli.command import Command


def _table() -> Table:
    """A sweep's table: eight columns of ``mean ± CI`` figures."""
    t = Table(title="es-rate")
    for name in ("rate", "greedy", "balanced", "cooperative", "searched", "rollout",
                 "rollout:base=searched", "flow bound"):
        t.add_column(name, justify="right")
    t.add_row("80", *["17,009 ± 1,087"] * 7)
    return t


def test_tables_written_to_a_log_keep_each_figure_on_one_line(capsys, monkeypatch):
    monkeypatch.delenv("COLUMNS", raising=False)
    Command.console().print(_table())
    out = capsys.readouterr().out
    assert out.count("17,009 ± 1,087") == 7
    assert "rollout:base=searched" in out


def test_columns_in_the_environment_still_sets_the_width(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    assert Command.console().width == 80
    monkeypatch.delenv("COLUMNS")
    assert Command.console().width == Command.LOG_COLUMNS


def test_progress_off_a_terminal_is_a_line_at_the_start_and_at_the_end(capsys):
    with Command.bar(3, "experiment es-rate", "factory") as bar:
        for _ in range(3):
            bar.update(1)           # within LOG_PROGRESS_S of the start: no line of its own
    err = capsys.readouterr().err
    assert "\r" not in err
    lines = err.splitlines()
    assert len(lines) == 2 and all(ln.startswith("experiment es-rate") for ln in lines)
    assert "0/3" in lines[0] and "3/3" in lines[1]


def test_quiet_progress_writes_nothing(capsys):
    with Command.bar(3, "aigc quality", "batch", quiet=True) as bar:
        bar.update(3)
    assert capsys.readouterr().err == ""
