"""The application's container for the benchmarks that measure its services:
:func:`bootstrap` on the memory store, at a fixed "now", windows settled an hour after
they close, the in-process bus, whatever the environment or a ``.env`` says."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from chronox_adapters.clock import FixedClock
from chronox_domain.ports import TradingCalendar
from chronox_entrypoints.container import Container, bootstrap
from chronox_entrypoints.settings import Settings

NOW = datetime(2025, 6, 2, 12, tzinfo=UTC)


def application(calendar: TradingCalendar, **fakes: Any) -> Container:
    """``fakes`` replace providers by objects, as in the tests (``source=...``,
    ``repository=...``, ``store=...``)."""
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, store="memory://", source="synthetic", redis_url="", settle_minutes=60
    )
    return bootstrap(settings, calendar=calendar, clock=FixedClock(NOW), **fakes)
