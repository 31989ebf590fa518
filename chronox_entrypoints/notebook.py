"""chronox in a notebook: bars and gaps as DataFrames, in one call each.

    from chronox_entrypoints.notebook import connect
    cx = connect()                         # the embedded store, or connect("postgresql://...")
    df = cx.bars("SPY", start="2024-01-02", end="2024-03-28", timeframe="5m")
    gaps = cx.gaps(["SPY", "QQQ"], start="2024-01-02", end="2024-03-28", holes=True)

An entry point like the CLI and the API: the same container, the same services, the
same response models (a gaps frame holds exactly what ``chronox-cli gaps --json``
prints). Ranges take the CLI's forms: session dates ``YYYY-MM-DD`` (both inclusive) or
ISO-8601 instants (end exclusive), and ``date``/``datetime``/``pandas.Timestamp``. Errors
are the domain's ``ChronoxError``s, with one clear message. pandas, pyarrow and polars
are imported by the calls that return them.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, get_args

from chronox_domain.errors import InvalidInput
from chronox_domain.ranges import Bound
from chronox_domain.redaction import redact
from chronox_domain.services.export import ExportReport
from chronox_domain.services.ingestion import IngestReport, IngestRequest
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints import datasets
from chronox_entrypoints.bounds import parse_bound

if TYPE_CHECKING:
    import pandas as pd

    from chronox_adapters.frames import FrameReport
    from chronox_entrypoints.container import Container

Output = Literal["pandas", "polars", "arrow"]
#: What a range bound may be given as.
BoundLike = str | date | datetime | None


def connect(store: str | None = None, **settings: Any) -> Chronox:
    """The store at ``store`` (a URL: ``sqlite:///path``, ``postgresql://...``,
    ``memory://``; by default ``$CHRONOX_STORE`` or the embedded file), with any other
    setting by name (``source="synthetic"``, ``settle_minutes=0``...) over the
    environment's ``CHRONOX_*`` variables."""
    from chronox_entrypoints.cli.app import load_settings
    from chronox_entrypoints.container import Container

    chosen = load_settings(given_as=lambda name: f"connect({name}=...)", store=store, **settings)
    return Chronox(Container(settings=chosen))


class Chronox:
    """The application's services, answering in DataFrames. Close it (or use it in a
    ``with`` block) to release the store."""

    def __init__(self, container: Container) -> None:
        self._container = container

    def __repr__(self) -> str:
        """What a notebook shows for ``cx``: the store (its password masked) and the
        source, from the settings, so showing it opens nothing."""
        settings = self._container.settings()
        return f"Chronox(store={redact(settings.store_url)!r}, source={settings.source_name!r})"

    @property
    def container(self) -> Container:
        """The composition root behind this facade (for what it does not wrap)."""
        return self._container

    def bars(
        self,
        symbol: str,
        start: BoundLike = None,
        end: BoundLike = None,
        timeframe: str | Timeframe = "1m",
        session: str | SessionKind | None = None,
        as_: Output = "pandas",
    ) -> Any:
        """Stored bars of ``symbol`` in the range (the last 5 sessions without one):
        indexed by ``start`` (UTC) with open, high, low, close, volume, vwap, trades.
        Timeframes never fetched are rolled up from the stored 1m bars. ``session``:
        keep only the bars of regular (``"rth"``) or extended (``"eth"``) hours; by
        default every stored bar. ``as_="polars"`` or ``"arrow"`` for those types.

        ``DataFrame.attrs`` (pandas) and the schema's metadata (Arrow) name the symbol,
        timeframe, sources, whether the bars are rolled up and whether they are demo data.
        """
        if as_ not in get_args(Output):  # refused before the store is read
            raise InvalidInput(f"unknown output {as_!r} (choose from pandas, polars, arrow)")
        _research_extra()
        from chronox_adapters.frames import convert

        tf = _timeframe(timeframe)
        kind = None if session is None else _session(session)
        table = self._container.bars().table(symbol, tf, _bound(start), _bound(end), kind)
        if as_ == "pandas":
            return convert.to_pandas(table.columns, **datasets.series_attrs(table))
        if as_ == "arrow":
            metadata = datasets.schema_metadata(table)
            return convert.to_arrow(table.columns).replace_schema_metadata(metadata)
        return convert.to_polars(table.columns)

    def gaps(
        self,
        symbols: str | Sequence[str],
        start: BoundLike = None,
        end: BoundLike = None,
        timeframe: str | Timeframe = "1m",
        session: str | SessionKind = "rth",
        holes: bool = False,
    ) -> pd.DataFrame:
        """One row per window still missing (symbol, timeframe, start, end, bars, kind),
        as ``chronox-cli gaps --json`` lists them; ``holes=True`` adds the covered slots
        the source had no bar for and the windows answered empty only once."""
        _research_extra()
        import pandas as pd

        import chronox_presentation as presentation

        report = self._container.gaps().report(
            _symbols(symbols),
            _timeframe(timeframe),
            _session(session),
            _bound(start),
            _bound(end),
            holes=holes,
        )
        rows = [presentation.GapOut.of(missing).model_dump() for missing in report.missing]
        frame = pd.DataFrame(rows, columns=list(presentation.GapOut.model_fields))
        for name in ("start", "end"):
            frame[name] = pd.to_datetime(frame[name], utc=True).dt.as_unit("ns")
        frame["bars"] = frame["bars"].astype("int64")
        frame.attrs["demo"] = report.demo
        return frame

    def ingest(
        self,
        symbols: str | Sequence[str],
        start: BoundLike = None,
        end: BoundLike = None,
        timeframe: str | Timeframe = "1m",
        session: str | SessionKind = "rth",
        refetch: bool = False,
        force: bool = False,
    ) -> IngestReport:
        """Fetch the gap windows of ``symbols`` in the range from the source and store
        them, as ``chronox-cli ingest`` does; returns its report (bars written,
        windows fetched, empty, refused...)."""
        request = IngestRequest(
            _symbols(symbols),
            _timeframe(timeframe),
            _session(session),
            _bound(start),
            _bound(end),
            refetch,
            force,
        )
        report: IngestReport = self._container.ingestion().ingest(request)
        return report

    def check(
        self,
        frame: pd.DataFrame,
        timeframe: str | Timeframe = "1m",
        session: str | SessionKind = "rth",
    ) -> FrameReport:
        """``check_frame`` on this store's calendar: the missing windows, the rows
        outside the sessions, the repeated slots and the broken bars of ``frame``."""
        _research_extra()
        from chronox_adapters.frames import check_frame

        calendar = self._container.calendar()
        return check_frame(frame, _timeframe(timeframe), _session(session), calendar)

    def export(
        self,
        symbols: str | Sequence[str],
        path: str | Path,
        start: BoundLike = None,
        end: BoundLike = None,
        timeframe: str | Timeframe = "1m",
    ) -> ExportReport:
        """Write the Parquet dataset at ``path``, as ``chronox-cli export`` does: only the
        partitions (timeframe, symbol, year) whose content changed since the last export.
        ``NotFound`` when none of ``symbols`` has anything ingested in the range."""
        dataset = self._container.dataset(path)
        service = self._container.export()
        report: ExportReport = service.export(
            dataset, _symbols(symbols), _timeframe(timeframe), _bound(start), _bound(end)
        )
        return report

    def close(self) -> None:
        """Release the store and whatever else was opened."""
        self._container.shutdown_resources()

    def __enter__(self) -> Chronox:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()


def _research_extra() -> None:
    """One clear error, rather than an ImportError, where the research extra is missing."""
    try:
        import numpy  # noqa: F401
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
    except ImportError as exc:
        raise InvalidInput(
            f"DataFrames need numpy, pandas and pyarrow ({exc.name} is not installed): "
            f"{datasets.RESEARCH_EXTRA}"
        ) from None


def _bound(value: BoundLike) -> Bound | None:
    """A bound as the CLI reads it; a ``datetime`` without a zone is UTC, as there."""
    if value is None or isinstance(value, str):
        return parse_bound(value)
    if isinstance(value, datetime):
        plain = getattr(value, "to_pydatetime", None)  # a pandas.Timestamp
        moment: datetime = plain() if plain is not None else value
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    if isinstance(value, date):
        return value
    raise InvalidInput(f"{value!r} is not a date, a datetime or a YYYY-MM-DD / ISO-8601 string")


def _timeframe(value: str | Timeframe) -> Timeframe:
    return value if isinstance(value, Timeframe) else Timeframe.parse(value)


def _session(value: str | SessionKind) -> SessionKind:
    return value if isinstance(value, SessionKind) else SessionKind.parse(value)


def _symbols(value: str | Sequence[str]) -> tuple[str, ...]:
    return (value,) if isinstance(value, str) else tuple(value)
