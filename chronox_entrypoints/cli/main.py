"""The ``chronox-cli`` command group and its error boundary.

Every failure reaches the user as one line on stderr and a non-zero exit code, never a
traceback (set ``CHRONOX_DEBUG=1`` to see one):

===  ==================================================================
 1   internal error (a bug: please report it with CHRONOX_DEBUG=1)
 2   bad input: options, symbols, ranges, files, a refused source mix
 3   the source is unavailable or rate-limited
 4   the store is unavailable or has a newer schema
130  interrupted (the batch in flight was rolled back; rerun to resume)
===  ==================================================================
"""

from __future__ import annotations

import importlib
import os
import sys
from typing import TYPE_CHECKING

import click

from chronox_domain import __version__
from chronox_domain.errors import (
    ChronoxError,
    SourceUnavailable,
    StorageUnavailable,
)
from chronox_entrypoints.cli.advice import explained
from chronox_entrypoints.cli.app import install
from chronox_entrypoints.cli.logs import configure_logging

if TYPE_CHECKING:  # dependency-injector is loaded by the first command that needs it
    from chronox_entrypoints.container import Container

EXIT_INTERNAL, EXIT_INPUT, EXIT_SOURCE, EXIT_STORE, EXIT_INTERRUPTED = 1, 2, 3, 4, 130

#: Each command, where it is defined, and its one-line help: only the module of the
#: command that runs is imported (``stream`` brings asyncio, ``serve`` the web stack,
#: every command the response models), and ``--help`` imports none of them.
#: tests/unit/test_cli_commands.py checks each line against the command's own docstring.
COMMANDS: dict[str, tuple[str, str]] = {
    "ingest": (
        "chronox_entrypoints.cli.ingest:ingest",
        "Fetch the gap windows of SYMBOLS in the range and store them.",
    ),
    "gaps": (
        "chronox_entrypoints.cli.query:gaps",
        "List the gap windows of SYMBOLS: expected session time nobody has fetched.",
    ),
    "backfill": (
        "chronox_entrypoints.cli.ingest:backfill",
        "Close the gaps of every active registry symbol (or only SYMBOLS).",
    ),
    "coverage": (
        "chronox_entrypoints.cli.coverage:coverage",
        "List the coverage ledger of SYMBOL: each span's status, source, ticker and file ETag.",
    ),
    "bars": (
        "chronox_entrypoints.cli.query:bars",
        "Print the stored bars of SYMBOL (streamed: any range fits in memory).",
    ),
    "export": (
        "chronox_entrypoints.cli.export:export",
        "Write the stored bars of SYMBOLS to a Parquet dataset (only what changed).",
    ),
    "registry": (
        "chronox_entrypoints.cli.registry:registry",
        "The symbols that `backfill` keeps complete.",
    ),
    "actions": (
        "chronox_entrypoints.cli.actions:actions",
        "Corporate actions: `actions SYMBOL` lists them, `actions sync` fetches them.",
    ),
    "info": ("chronox_entrypoints.cli.info:info", "Version, store, source, calendar and counts."),
    "db": ("chronox_entrypoints.cli.db:db", "The store's schema: status and migrations."),
    "stream": (
        "chronox_entrypoints.cli.daemon:stream",
        "Keep the registry complete: live bars plus periodic backfill (CHRONOX_MODE).",
    ),
    "watch": (
        "chronox_entrypoints.cli.daemon:watch",
        "Print bars of SYMBOLS as they are stored (needs CHRONOX_REDIS_URL).",
    ),
    "worker": (
        "chronox_entrypoints.cli.jobs:worker",
        "Consume backfill jobs from Redis until SIGTERM / Ctrl-C (run any number, anywhere).",
    ),
    "jobs": ("chronox_entrypoints.cli.jobs:jobs", "Backfill jobs: list, show, cancel."),
    "serve": ("chronox_entrypoints.cli.serve:serve", "Serve the REST API (OpenAPI at /docs)."),
    "monitor": (
        "chronox_entrypoints.cli.monitor:monitor",
        "The desk's monitor: charts, coverage, live bars and jobs (needs the gui extra).",
    ),
    "dashboard": (
        "chronox_entrypoints.cli.dashboard:dashboard",
        "The web dashboard in your browser: coverage, charts, live bars, jobs, status.",
    ),
}


class LazyGroup(click.Group):
    """A group whose commands are imported when they are asked for (click's documented
    pattern for large CLIs); its own help lists them from ``COMMANDS``."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = COMMANDS.get(cmd_name)
        if found is None:
            return None
        module, name = found[0].split(":")
        command: click.Command = getattr(importlib.import_module(module), name)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        limit = formatter.width - 6 - max(len(name) for name in COMMANDS)
        rows = [(name, _shortened(short, limit)) for name, (_, short) in COMMANDS.items()]
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def _shortened(text: str, limit: int) -> str:
    """As click shortens a command's help for the list (words, then an ellipsis)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 3].rsplit(" ", 1)[0]
    return f"{cut}..."


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="chronox")
def cli() -> None:
    """chronox: a complete, trustworthy store of market bars.

    Without a vendor key the source is synthetic demo data, and every output says so.
    """


def exit_code(error: ChronoxError) -> int:
    if isinstance(error, StorageUnavailable):
        return EXIT_STORE
    if isinstance(error, SourceUnavailable):
        return EXIT_SOURCE
    return EXIT_INPUT


def main(argv: list[str] | None = None, container: Container | None = None) -> None:
    """Run one command. ``container``: the application to run it on (a test's, built by
    ``bootstrap`` with fakes); by default the process builds its own when the command
    first needs one, so ``--help`` never pays for it."""
    configure_logging()
    install(container)
    try:
        cli.main(args=argv, prog_name="chronox-cli", standalone_mode=False)
    except click.exceptions.Exit as done:
        sys.exit(done.exit_code)
    except click.Abort:
        click.echo("interrupted", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except click.ClickException as exc:
        click.echo(f"error: {exc.format_message()}", err=True)
        sys.exit(EXIT_INPUT)
    except ChronoxError as exc:
        click.echo(f"error: {explained(exc)}", err=True)
        sys.exit(exit_code(exc))
    except KeyboardInterrupt:
        click.echo("interrupted: the batch in flight was rolled back; rerun to resume", err=True)
        sys.exit(EXIT_INTERRUPTED)
    except BrokenPipeError:  # `chronox-cli bars ... | head`
        sys.stderr.close()
        sys.exit(0)
    except Exception as exc:
        if os.environ.get("CHRONOX_DEBUG"):
            raise
        click.echo(
            f"internal error: {type(exc).__name__}: {exc} (CHRONOX_DEBUG=1 shows more)", err=True
        )
        sys.exit(EXIT_INTERNAL)


if __name__ == "__main__":
    main()
