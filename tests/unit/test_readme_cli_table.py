"""README's CLI table names every command ``chronox-cli --help`` lists, and only options
those commands take: the table is where an operator looks first."""

from __future__ import annotations

import re
from pathlib import Path

import click

from chronox_entrypoints.cli.main import cli

README = Path(__file__).resolve().parents[2] / "README.md"


def _table_commands() -> list[tuple[str, str]]:
    """(command, what the table writes after it) for each command the table's first
    column names: ``chronox-cli backfill --enqueue``, or ``worker`` after it."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## The CLI") :]
    section = section[: section.index("\n## ", 1)]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    named = []
    for row in rows:
        first = row.split("` |", 1)[0] + "`"
        for snippet in re.findall(r"`([^`]+)`", first):
            words = snippet.removeprefix("chronox-cli ").split(" ", 1)
            named.append((words[0], words[1] if len(words) > 1 else ""))
    return named


def _options(command: click.Command) -> set[str]:
    """Every option ``command`` (or one of its subcommands) takes."""
    found = {opt for param in command.params for opt in (*param.opts, *param.secondary_opts)}
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            found |= _options(sub)
    return found


def test_the_table_names_every_command_the_cli_lists() -> None:
    listed = set(cli.list_commands(click.Context(cli)))
    assert listed - {name for name, _ in _table_commands()} == set()


def test_the_table_names_only_options_its_commands_take() -> None:
    context = click.Context(cli)
    unknown = []
    for name, rest in _table_commands():
        command = cli.get_command(context, name)
        assert command is not None, f"the table names {name!r}, which is no command"
        taken = _options(command)
        unknown += [
            (name, option)
            for option in re.findall(r"(?<![\w-])(--?[a-z][a-z-]*)", rest)
            if option not in taken
        ]
    assert unknown == []
