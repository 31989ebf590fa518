"""What a CLI user can do about an error, in one place.

Domain and adapter errors say what is wrong; what to do about it depends on the
interface (a flag here, a body field in the API), so each entry point adds its own.
"""

from __future__ import annotations

from chronox_domain.errors import (
    ActionsNotSynced,
    ChronoxError,
    NotRegistered,
    SchemaOutdated,
    SourceMismatch,
)


def advice(error: ChronoxError) -> str | None:
    """The command or flag that gets past ``error``, when there is one."""
    if isinstance(error, SourceMismatch):
        return "pass --force to allow it"
    if isinstance(error, NotRegistered) and len(error.symbols) > 1:
        return "add each with: chronox-cli registry add SYMBOL"
    if isinstance(error, NotRegistered):
        return f"add it with: chronox-cli registry add {error.symbol}"
    if isinstance(error, ActionsNotSynced):
        return f"sync them with: chronox-cli actions sync {error.symbol}"
    if isinstance(error, SchemaOutdated):
        return "apply the migrations with: chronox-cli db migrate"
    return None


def explained(error: ChronoxError) -> str:
    """The error's line, with the advice (if any) after it in parentheses."""
    hint = advice(error)
    return f"{error} ({hint})" if hint else str(error)
