"""Starting and stopping the container around one command."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pydantic import ValidationError

from chronox_domain.errors import InvalidInput
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, with the command line's non-empty options on top."""
    given = {key: value for key, value in overrides.items() if value not in (None, "")}
    try:
        return Settings(**given)
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "settings"
        raise InvalidInput(f"invalid setting {where}: {problem['msg']}") from None


@contextmanager
def running(**overrides: Any) -> Iterator[Container]:
    """A container for one command. Resources (the store, the publisher, the job queue)
    open on first use, so a command opens only what it needs; all are closed after."""
    container = Container(settings=load_settings(**overrides))
    try:
        yield container
    finally:
        container.shutdown_resources()
