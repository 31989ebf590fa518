"""Typed settings, read once at start-up (never at import time).

Every setting comes from the environment with the ``CHRONOX_`` prefix, or a ``.env``
file in the working directory; command-line options override both.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import AliasChoices, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from chronox_domain.arguments import MAX_SYMBOLS
from chronox_domain.errors import InvalidInput
from chronox_domain.redaction import redact

DEFAULT_STORE_FILE = "chronox.sqlite3"
STORE_SCHEMES = ("sqlite", "postgresql", "memory")
#: exchange_calendars codes; only the New York equity day's are accepted
#: (chronox_adapters/calendars/sessions.py says why).
_CALENDAR_CODE = re.compile(r"[A-Za-z0-9_/]{2,16}")
_HOST_PORT = re.compile(r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(:[0-9]{1,5})?")

# Upper bounds of the numeric settings. Each is far past any sensible value, and close
# enough that nothing computed from it overflows (a timedelta, a C int timeout): a value
# past one is a typo, refused at start-up naming its variable, not an OverflowError deep
# in a command later.
#: Timeouts, periods and deadlines, in seconds.
_DAY_SECONDS = 86_400
#: Counts of things (jobs kept, retries): more than one process ever handles.
_MANY = 1_000_000
#: Spans of days: a century, past any calendar chronox models (1990-2035 by default).
_CENTURY_DAYS = 36_500


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="CHRONOX_", env_file=".env", extra="ignore", frozen=True
    )

    #: Store URL: ``sqlite:///path`` (embedded), ``postgresql://...`` or ``memory://``.
    #: Empty: the embedded default file.
    store: str = ""
    #: Bar source by name (synthetic, files, polygon, flatfiles). Empty: polygon when a vendor key
    #: is set, else synthetic (the demo source).
    source: Literal["", "synthetic", "files", "polygon", "flatfiles"] = ""
    #: The file the ``files`` source reads.
    files_path: str = ""
    #: PostgreSQL: apply pending migrations on start-up (else `chronox-cli db migrate`).
    auto_migrate: bool = True
    #: PostgreSQL: auto (TimescaleDB when installed), plain or timescale.
    pg_mode: Literal["auto", "plain", "timescale"] = "auto"
    #: Connections per process: PostgreSQL allows 100 in all by default.
    pg_pool_size: int = Field(8, ge=1, le=1_000)
    calendar: str = "XNYS"
    calendar_start: date = date(1990, 1, 1)
    calendar_end: date = date(2035, 12, 31)
    #: How long after a window closes its bars count as final.
    settle_minutes: int = Field(60, ge=0, le=_CENTURY_DAYS * 24 * 60)
    #: How long after a source's first empty answer for settled time it is asked once
    #: more (0: at the next run); a second empty answer is final.
    empty_recheck_hours: float = Field(24.0, ge=0, le=_CENTURY_DAYS * 24, allow_inf_nan=False)
    #: Any 64-bit integer (the generator mixes it into a 64-bit key).
    synthetic_seed: int = Field(0, ge=-(2**63), le=2**64 - 1)
    #: What `stream` runs: unified (live bars + periodic backfill) or backfill (periodic
    #: backfill alone).
    mode: Literal["unified", "backfill"] = "unified"
    #: Log level of the CLI, applied once the settings are read (so ``.env`` sets it too).
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "WARNING"
    #: A progress line at INFO at most this often, in seconds, where no progress bar
    #: shows (and one at the end).
    progress_log_seconds: float = Field(5.0, ge=0, le=_DAY_SECONDS, allow_inf_nan=False)
    #: The vendor key; never logged or printed.
    polygon_api_key: SecretStr | None = Field(
        None,
        validation_alias=AliasChoices(
            "CHRONOX_POLYGON_API_KEY", "POLYGON_API_KEY", "MASSIVE_API_KEY"
        ),
    )

    #: The vendor's flat-files keys (S3 access key id and secret, not the REST key):
    #: never logged or printed.
    flatfiles_access_key_id: SecretStr | None = None
    flatfiles_secret_access_key: SecretStr | None = None
    #: Where the day files are: the S3 endpoint, bucket and dataset prefix.
    flatfiles_endpoint: str = "https://files.massive.com"
    flatfiles_bucket: str = Field("flatfiles", min_length=1, max_length=255)
    flatfiles_prefix: str = Field("us_stocks_sip", min_length=1, max_length=255)
    #: Parse day files in a process of their own, beside the checks and writes (off: in
    #: the command's process; for several workers on a machine of few cores).
    flatfiles_parser_process: bool = True

    polygon_base_url: str = "https://api.massive.com"
    polygon_ws_host: str = "socket.massive.com"
    polygon_ws_secure: bool = True
    #: Vendor requests per minute for this process (empty: unlimited; free tier: 5).
    polygon_rate: int | None = Field(None, ge=1, le=_MANY)
    #: Retries of one request: at the 30 s cap of the backoff, 1,000 take over 8 hours.
    polygon_max_retries: int = Field(5, ge=0, le=1_000)
    #: First backoff step in seconds (doubling, jittered, capped at 30 s: a larger first
    #: step would wait no longer).
    polygon_backoff: float = Field(0.5, ge=0, le=30, allow_inf_nan=False)
    polygon_timeout: float = Field(60.0, gt=0, le=_DAY_SECONDS, allow_inf_nan=False)
    #: The vendor's quota window in seconds (its plans count requests a minute). A 429
    #: without Retry-After waits for the next one; a request gives up after three.
    polygon_quota_window: float = Field(60.0, gt=0, le=_DAY_SECONDS, allow_inf_nan=False)

    #: The API's bearer token: when set, every route but the docs needs it. Without one
    #: the API binds to loopback only.
    api_token: SecretStr | None = None
    #: With a token set, reads need it too; false (CHRONOX_API_AUTH_READS=false) opens
    #: the GET routes and /ws/bars to anyone who can reach the server, mutations still
    #: guarded.
    api_auth_reads: bool = True
    #: The API ``chronox-cli monitor`` reads (empty: one started on loopback against the
    #: store), and its token (empty: ``api_token``, what the embedded server requires).
    monitor_api: str = ""
    monitor_token: SecretStr | None = None
    #: ``monitor --screenshot``: how long the API may take to answer everything the
    #: window starts with (status, registry, the chart's first page, jobs), in all.
    monitor_startup_seconds: float = Field(20.0, gt=0, le=_DAY_SECONDS, allow_inf_nan=False)
    #: The built web dashboard the API serves at /ui/ (empty: the package's ui_assets,
    #: which `npm --prefix web run build` writes in a checkout and a wheel carries).
    ui_assets: str = ""
    #: Origins allowed to call the API from a browser, comma-separated
    #: (``https://desk.example.com``); empty: no CORS headers at all.
    api_cors_origins: str = ""
    #: Largest request body the API reads, in bytes (413 past it, counted as it streams);
    #: at most 1 GiB: a body is held in memory.
    api_max_body_bytes: int = Field(65_536, ge=1, le=2**30)
    #: Most symbols one ``POST /backfill`` may name (at most MAX_SYMBOLS: more than any
    #: registry holds).
    api_max_backfill_symbols: int = Field(100, ge=1, le=MAX_SYMBOLS)
    #: Most symbols one subscription may name (``/ws/bars``, ``chronox-cli watch``).
    max_watch_symbols: int = Field(100, ge=1, le=MAX_SYMBOLS)
    #: Finished jobs kept (newest first), and how long any finished job is kept.
    jobs_keep_finished: int = Field(1_000, ge=0, le=_MANY)
    jobs_finished_ttl_days: float = Field(7.0, gt=0, le=_CENTURY_DAYS, allow_inf_nan=False)
    #: Redis for events (and distributed jobs); empty: the in-process bus.
    redis_url: str = ""
    #: Prefix of every Redis key and channel (several deployments on one Redis).
    redis_prefix: str = ""
    #: The unified daemon: seconds between backfill passes, and how far back they look.
    #: A pass at least daily: rarer backfills are `chronox-cli backfill` from cron.
    backfill_every_seconds: int = Field(300, ge=1, le=_DAY_SECONDS)
    live_lookback_days: int = Field(7, ge=1, le=_CENTURY_DAYS)
    #: Synthetic live feed: replay from this moment (empty: real time) at this speed.
    synthetic_live_from: datetime | None = None
    #: At the most, a year of minutes replays in about 30 seconds.
    synthetic_live_speed: float = Field(1.0, gt=0, le=_MANY, allow_inf_nan=False)

    @field_validator("polygon_rate", "synthetic_live_from", mode="before")
    @classmethod
    def _empty_rate_is_unlimited(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("source", "pg_mode", "mode", mode="before")
    @classmethod
    def _names_are_exact(cls, value: object) -> object:
        """Choices are matched exactly; only surrounding blanks are forgiven."""
        return value.strip() if isinstance(value, str) else value

    @field_validator("log_level", mode="before")
    @classmethod
    def _log_level_any_case(cls, value: object) -> object:
        return value.strip().upper() if isinstance(value, str) else value

    @field_validator("store")
    @classmethod
    def _store_scheme(cls, value: str) -> str:
        if value:
            store_scheme(value)
        return value

    @field_validator("calendar")
    @classmethod
    def _calendar_code(cls, value: str) -> str:
        if not _CALENDAR_CODE.fullmatch(value):
            raise ValueError(f"{value!r} is not an exchange calendar code (like XNYS or XNAS)")
        from chronox_adapters.calendars.sessions import check_modelled

        try:
            check_modelled(value)
        except InvalidInput as exc:
            raise ValueError(str(exc)) from None
        return value

    @field_validator("polygon_base_url", "flatfiles_endpoint")
    @classmethod
    def _http_url(cls, value: str) -> str:
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 (raises on a port that is not a number)
        except ValueError as exc:
            raise ValueError(f"{value!r} is not a URL: {exc}") from None
        if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
            raise ValueError(f"{value!r} is not an http(s)://host URL")
        return value

    @field_validator("polygon_ws_host")
    @classmethod
    def _host(cls, value: str) -> str:
        if not _HOST_PORT.fullmatch(value):
            raise ValueError(f"{value!r} is not a host name (HOST or HOST:PORT, no scheme)")
        return value

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str) -> str:
        if not value:
            return value
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018
        except ValueError as exc:
            raise ValueError(f"malformed Redis URL: {exc}") from None
        if parts.scheme in ("redis", "rediss") and parts.hostname:
            return value
        if parts.scheme == "unix" and parts.path:
            return value
        raise ValueError("expected redis://host:port/db, rediss://host:port/db or unix:///path")

    @model_validator(mode="after")
    def _calendar_bounds_in_order(self) -> Settings:
        if self.calendar_start >= self.calendar_end:
            raise ValueError(
                f"CHRONOX_CALENDAR_START ({self.calendar_start}) must be before "
                f"CHRONOX_CALENDAR_END ({self.calendar_end})"
            )
        return self

    @property
    def store_url(self) -> str:
        return self.store or f"sqlite:///{default_store_path()}"

    @property
    def uses_default_store(self) -> bool:
        return not self.store

    @property
    def store_kind(self) -> str:
        """Which store family serves ``store_url``: sqlite, postgresql or memory (the
        key the composition root selects the store's opener by)."""
        return store_scheme(self.store_url)

    @property
    def transport(self) -> Literal["redis", "in-process"]:
        """What carries events, jobs and the shared rate limit."""
        return "redis" if self.redis_url else "in-process"

    @property
    def source_name(self) -> str:
        if self.source:
            return self.source
        return "polygon" if self.polygon_api_key else "synthetic"

    @property
    def redis_secret_free_url(self) -> str:
        """The Redis URL without its password, for output."""
        return redact(self.redis_url)

    @property
    def cors_origins(self) -> list[str]:
        return [origin.strip() for origin in self.api_cors_origins.split(",") if origin.strip()]

    @property
    def settle_delay(self) -> timedelta:
        return timedelta(minutes=self.settle_minutes)

    @property
    def recheck_delay(self) -> timedelta:
        return timedelta(hours=self.empty_recheck_hours)


def store_scheme(url: str) -> str:
    """The scheme of a store URL (``postgres`` is ``postgresql``); ValueError for others."""
    supported = ", ".join(f"{name}://" for name in STORE_SCHEMES)
    if "://" not in url:
        raise ValueError(f"unsupported store URL {url!r}, no scheme (supported: {supported})")
    scheme = url.split("://", 1)[0].lower()
    scheme = "postgresql" if scheme == "postgres" else scheme
    if scheme not in STORE_SCHEMES:
        # The scheme only: the rest of the URL may hold a password.
        raise ValueError(f"unsupported store URL {scheme}://... (supported: {supported})")
    return scheme


def default_store_path() -> Path:
    from platformdirs import user_data_path

    return user_data_path("chronox", appauthor=False) / DEFAULT_STORE_FILE
