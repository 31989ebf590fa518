"""Picking the bar source by name, and the vendor's configuration from settings."""

from __future__ import annotations

from chronox_adapters.files import FileSource
from chronox_adapters.polygon import (
    PolygonConfig,
    PolygonLiveSource,
    PolygonRestSource,
    PolygonSplits,
    RequestLimiter,
)
from chronox_adapters.synthetic import SyntheticLiveSource, SyntheticSource
from chronox_domain.errors import InvalidInput
from chronox_domain.metrics import NO_METRICS
from chronox_domain.ports import (
    BarSource,
    LiveBarSource,
    MarketDataRepository,
    Metrics,
    TradingCalendar,
)
from chronox_domain.services import SplitService
from chronox_entrypoints.settings import Settings

SOURCES = ("synthetic", "files", "polygon")


def polygon_config(settings: Settings) -> PolygonConfig:
    if settings.polygon_api_key is None:
        raise InvalidInput(
            "the polygon source needs a vendor key: set POLYGON_API_KEY (or MASSIVE_API_KEY)"
        )
    return PolygonConfig(
        api_key=settings.polygon_api_key.get_secret_value(),
        base_url=settings.polygon_base_url,
        ws_host=settings.polygon_ws_host,
        ws_secure=settings.polygon_ws_secure,
        rate_per_minute=settings.polygon_rate,
        adjusted=settings.polygon_adjusted,
        max_retries=settings.polygon_max_retries,
        quota_window=settings.polygon_quota_window,
        backoff_base=settings.polygon_backoff,
        total_timeout=settings.polygon_timeout,
        read_timeout=min(30.0, settings.polygon_timeout),
    )


def make_source(
    settings: Settings,
    calendar: TradingCalendar,
    limiter: RequestLimiter,
    metrics: Metrics = NO_METRICS,
) -> BarSource:
    name = settings.source_name
    if name == "synthetic":
        return SyntheticSource(calendar, seed=settings.synthetic_seed)
    if name == "files":
        if not settings.files_path:
            raise InvalidInput("the files source needs a file: pass --path FILE")
        return FileSource(settings.files_path)
    if name == "polygon":
        return PolygonRestSource(polygon_config(settings), limiter, metrics=metrics)
    raise InvalidInput(f"unknown source {name!r} (choose from {', '.join(SOURCES)})")


def make_live_source(settings: Settings, calendar: TradingCalendar) -> LiveBarSource:
    """The vendor's feed with a key (or when asked), else synthetic demo minutes."""
    if settings.source_name == "polygon":
        return PolygonLiveSource(polygon_config(settings))
    return SyntheticLiveSource(
        calendar,
        seed=settings.synthetic_seed,
        replay_from=settings.synthetic_live_from,
        speed=settings.synthetic_live_speed,
    )


def make_splits(source: BarSource, repository: MarketDataRepository) -> SplitService | None:
    """Splits are checked where the source is the vendor (other sources have none)."""
    if isinstance(source, PolygonRestSource):
        return SplitService(repository, PolygonSplits(source))
    return None
