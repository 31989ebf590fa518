"""Opening the bar sources, one function per family (the composition root selects one by
``Settings.source_name``), and the vendor's configuration from settings. Each family's
adapters are imported when it is opened: the vendor's client only when it is used."""

from __future__ import annotations

from typing import TYPE_CHECKING

from chronox_domain.errors import InvalidInput
from chronox_domain.ports import (
    BarSource,
    CorporateActionSource,
    LiveBarSource,
    Metrics,
    RequestLimiter,
    TradingCalendar,
)

if TYPE_CHECKING:  # settings (pydantic) are loaded by the command, not by this import
    from chronox_adapters.flatfiles import FlatFilesConfig
    from chronox_adapters.polygon import PolygonConfig, PolygonRestSource
    from chronox_domain.dayfiles import DayFiles
    from chronox_entrypoints.settings import Settings

SOURCES = ("synthetic", "files", "polygon", "flatfiles")


def polygon_config(settings: Settings) -> PolygonConfig:
    from chronox_adapters.polygon import PolygonConfig

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
        max_retries=settings.polygon_max_retries,
        quota_window=settings.polygon_quota_window,
        backoff_base=settings.polygon_backoff,
        total_timeout=settings.polygon_timeout,
        read_timeout=min(30.0, settings.polygon_timeout),
    )


def synthetic_source(settings: Settings, calendar: TradingCalendar) -> BarSource:
    """The demo source: deterministic, calendar-aware, labelled as not real prices."""
    from chronox_adapters.synthetic import SyntheticSource

    return SyntheticSource(calendar, seed=settings.synthetic_seed)


def files_source(settings: Settings) -> BarSource:
    from chronox_adapters.files import FileSource

    if not settings.files_path:
        raise InvalidInput("the files source needs a file: pass --path FILE")
    return FileSource(settings.files_path)


def polygon_source(settings: Settings, limiter: RequestLimiter, metrics: Metrics) -> BarSource:
    from chronox_adapters.polygon import PolygonRestSource

    return PolygonRestSource(polygon_config(settings), limiter, metrics=metrics)


def polygon_live_source(settings: Settings) -> LiveBarSource:
    from chronox_adapters.polygon import PolygonLiveSource

    return PolygonLiveSource(polygon_config(settings))


def synthetic_live_source(settings: Settings, calendar: TradingCalendar) -> LiveBarSource:
    """Synthetic demo minutes, as they would form (or replayed from a past moment)."""
    from chronox_adapters.synthetic import SyntheticLiveSource

    return SyntheticLiveSource(
        calendar,
        seed=settings.synthetic_seed,
        replay_from=settings.synthetic_live_from,
        speed=settings.synthetic_live_speed,
    )


def polygon_actions(source: PolygonRestSource) -> CorporateActionSource:
    """The vendor's corporate actions, asked through the bars' own REST source: one
    rate limiter, one retry budget and one deadline for every request of the process.
    (The synthetic and files sources have none: the container gives no source then.)"""
    from chronox_adapters.polygon import PolygonCorporateActions

    return PolygonCorporateActions(source)


def flatfiles_config(settings: Settings) -> FlatFilesConfig:
    from chronox_adapters.flatfiles import FlatFilesConfig

    key_id, secret = settings.flatfiles_access_key_id, settings.flatfiles_secret_access_key
    if key_id is None or secret is None:
        raise InvalidInput(
            "the flatfiles source needs the vendor's flat-files keys: set "
            "CHRONOX_FLATFILES_ACCESS_KEY_ID and CHRONOX_FLATFILES_SECRET_ACCESS_KEY"
        )
    return FlatFilesConfig(
        access_key_id=key_id.get_secret_value(),
        secret_access_key=secret.get_secret_value(),
        endpoint=settings.flatfiles_endpoint,
        bucket=settings.flatfiles_bucket,
        prefix=settings.flatfiles_prefix,
        max_retries=settings.polygon_max_retries,
        backoff_base=settings.polygon_backoff,
        parser_process=settings.flatfiles_parser_process,
    )


def flatfiles_source(settings: Settings) -> DayFiles:
    """The vendor's day files on its S3 endpoint (boto3 is imported here, when used)."""
    from chronox_adapters.flatfiles import S3DayFiles

    return S3DayFiles(flatfiles_config(settings))


def no_bar_source() -> BarSource:
    """What ``--source flatfiles`` gives where one symbol's window is asked at a time
    (the daemon's backfill, the API's jobs): nothing; flat files are read by day."""
    raise InvalidInput(
        "the flatfiles source reads whole days for many symbols: use "
        "`chronox-cli ingest ... --source flatfiles` or `backfill --source flatfiles`"
    )
