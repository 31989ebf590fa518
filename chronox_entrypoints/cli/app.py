"""The process's container, and starting and stopping it around one command."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from chronox_domain.errors import InvalidInput

if TYPE_CHECKING:  # both loaded by the first command that needs them, not by --help
    from chronox_entrypoints.container import Container
    from chronox_entrypoints.settings import Settings

#: The options whose value overrides a setting, where the two names differ.
OPTION_OF = {"files_path": "--path", "backfill_every_seconds": "--backfill-every"}
#: Settings whose value is never printed, not even when it is invalid.
SECRETS = frozenset({"polygon_api_key", "api_token"})


def load_settings(*, given_as: Callable[[str], str] | None = None, **overrides: Any) -> Settings:
    """Settings from the environment, with the command line's given options on top.

    Every setting is validated here, whether the command uses it or not: a typo in the
    environment is reported by the first command run, naming the variable, or the
    option (``given_as`` names an override otherwise: a notebook's keyword).
    """
    from pydantic import ValidationError

    from chronox_entrypoints.settings import Settings

    given = {key: value for key, value in overrides.items() if value not in (None, "")}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = str(problem["loc"][0]) if problem["loc"] else ""
        if not field:
            where = "settings"
        elif field in given:
            where = given_as(field) if given_as else _option_of(field)
        else:
            where = f"CHRONOX_{field.upper()}"
        message = str(problem["msg"]).removeprefix("Value error, ")
        value = problem.get("input")
        if problem["type"] != "value_error" and isinstance(value, str) and field not in SECRETS:
            message += f" (got {value!r})"
        raise InvalidInput(f"invalid {where}: {message}") from None


def command_settings(**overrides: Any) -> Settings:
    """:func:`load_settings` for a command of the CLI: the settings' log level applies
    from now on (a notebook's settings leave the host's logging alone)."""
    from chronox_entrypoints.cli.logs import use_log_level

    settings = load_settings(**overrides)
    use_log_level(settings.log_level)
    return settings


def _option_of(field: str) -> str:
    return OPTION_OF.get(field, f"--{field.replace('_', '-')}")


_process: list[Container] = []


def install(container: Container | None) -> None:
    """Make ``container`` the process's one container; None: build one when a command
    first needs it (``main()`` does this: ``--help`` never pays for the container)."""
    _process[:] = [] if container is None else [container]


@contextmanager
def running(**overrides: Any) -> Iterator[Container]:
    """The process's container, set up for one command: the settings are read now, with
    the command line's options on top. Resources (the store, the publisher, the job
    queue) open on first use, so a command opens only what it needs; all are closed
    after."""
    if not _process:
        from chronox_entrypoints.container import Container  # dependency-injector: lazily

        install(Container())
    container = _process[0]
    with container.settings.override(command_settings(**overrides)):
        try:
            yield container
        finally:
            container.shutdown_resources()
