"""Starting and stopping the container around one command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from chronox_domain.errors import InvalidInput
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings

#: The options whose value overrides a setting, where the two names differ.
OPTION_OF = {"files_path": "--path", "backfill_every_seconds": "--backfill-every"}
#: Settings whose value is never printed, not even when it is invalid.
SECRETS = frozenset({"polygon_api_key", "api_token"})


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the command line's given options on top.

    Every setting is validated here, whether the command uses it or not: a typo in the
    environment is reported by the first command run, naming the variable.
    """
    given = {key: value for key, value in overrides.items() if value not in (None, "")}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problem = exc.errors()[0]
        field = str(problem["loc"][0]) if problem["loc"] else ""
        if not field:
            where = "settings"
        elif field in given:
            where = OPTION_OF.get(field, f"--{field.replace('_', '-')}")
        else:
            where = f"CHRONOX_{field.upper()}"
        message = str(problem["msg"]).removeprefix("Value error, ")
        value = problem.get("input")
        if problem["type"] != "value_error" and isinstance(value, str) and field not in SECRETS:
            message += f" (got {value!r})"
        raise InvalidInput(f"invalid {where}: {message}") from None


@contextmanager
def running(**overrides: Any) -> Iterator[Container]:
    """A container for one command. Resources (the store, the publisher, the job queue)
    open on first use, so a command opens only what it needs; all are closed after."""
    container = Container(settings=load_settings(**overrides))
    try:
        yield container
    finally:
        container.shutdown_resources()
