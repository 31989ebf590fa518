"""The CLI's command table: each entry names a real command, and the one-line help that
``chronox-cli --help`` shows without importing the commands is the command's own."""

from __future__ import annotations

import click
import pytest

from chronox_entrypoints.cli.main import COMMANDS, cli


@pytest.mark.parametrize("name", list(COMMANDS))
def test_each_listed_command_exists_with_the_help_shown_for_it(name: str) -> None:
    command = cli.get_command(click.Context(cli), name)
    assert isinstance(command, click.Command) and command.name == name
    assert command.get_short_help_str(limit=500) == COMMANDS[name][1]
