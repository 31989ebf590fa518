"""Health and info: what this chronox is connected to, and whether it answers."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Literal, Protocol, Self

from pydantic import BaseModel

import chronox_domain
from chronox_domain.ports import BarSource, TradingCalendar
from chronox_domain.services.status import Health


class LiveOut(BaseModel):
    """The process serves: all a liveness probe needs, and all an anonymous caller
    may learn (no store, bus or vendor, unlike ``HealthOut``)."""

    status: Literal["ok"] = "ok"


class HealthOut(BaseModel):
    status: Literal["ok", "degraded"]
    store: str
    events: str
    vendor: str

    @classmethod
    def of(cls, health: Health) -> HealthOut:
        return cls(
            status="ok" if health.ok else "degraded",
            store=health.store.detail,
            events=health.events.detail,
            vendor="configured" if health.vendor_configured else "synthetic (demo data)",
        )


class StoreDescription(Protocol):
    """What an opened store says of itself (``stores.Store``)."""

    @property
    def url(self) -> str: ...  # safe to print: no password

    @property
    def kind(self) -> str: ...


class Configuration(Protocol):
    """The settings ``info`` shows (``Settings``)."""

    @property
    def settle_minutes(self) -> int: ...

    @property
    def mode(self) -> str: ...

    @property
    def polygon_api_key(self) -> object | None: ...

    @property
    def redis_secret_free_url(self) -> str | None: ...


#: The API's ``/info`` (no docstring: it would become the schema's description); the
#: CLI's ``info`` shows ``InfoDetailOut``.
class InfoOut(BaseModel):
    version: str
    store: str
    source: str
    demo: bool
    calendar: str
    counts: dict[str, int]

    @classmethod
    def of(
        cls,
        store: StoreDescription,
        source: BarSource,
        calendar: TradingCalendar,
        settings: Configuration,
        counts: Mapping[str, int],
    ) -> Self:
        return cls.model_validate(
            {
                "version": chronox_domain.__version__,
                "store": store.url,
                "store_kind": store.kind,
                "source": source.name,
                "demo": source.demo,
                "calendar": calendar.name,
                "calendar_range": [calendar.first_date, calendar.last_date],
                "settle_minutes": settings.settle_minutes,
                "mode": settings.mode,
                "vendor_key": "set" if settings.polygon_api_key else "not set",
                "events": settings.redis_secret_free_url or "in-process",
                "counts": dict(counts),
            }
        )


class InfoDetailOut(InfoOut):
    """Info with how the store, calendar, pipeline and events are set up (the CLI's)."""

    store_kind: str
    calendar_range: tuple[date, date]
    settle_minutes: int
    mode: str
    vendor_key: Literal["set", "not set"]
    events: str
