"""chronox in a notebook: bars, gaps and corporate actions as DataFrames, in one call each.

    from chronox_entrypoints.notebook import connect
    cx = connect()                         # the embedded store, or connect("postgresql://...")
    df = cx.bars("SPY", start="2024-01-02", end="2024-03-28", timeframe="5m")
    gaps = cx.gaps(["SPY", "QQQ"], start="2024-01-02", end="2024-03-28", holes=True)
    splits = cx.actions("AAPL")            # after chronox-cli actions sync AAPL

An entry point like the CLI and the API: the same container, the same services, the
same response models (a gaps frame holds exactly what ``chronox-cli gaps --json``
prints). Ranges take the CLI's forms: session dates ``YYYY-MM-DD`` (both inclusive) or
ISO-8601 instants (end exclusive), and ``date``/``datetime``/``pandas.Timestamp``. Errors
are the domain's ``ChronoxError``s, with one clear message: an argument of a type or a
value it cannot be is one ``InvalidInput`` that names it (``chronox_domain.arguments``
reads them), a keyword setting that does not exist too. pandas, pyarrow and polars are
imported by the calls that return them.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Literal, get_args

from chronox_domain.actions import PriceBasis
from chronox_domain.arguments import (
    basis_argument,
    bound_argument,
    choice_argument,
    flag_argument,
    named,
    refused,
    session_argument,
    symbol_argument,
    symbols_argument,
    text_argument,
    timeframe_argument,
)
from chronox_domain.errors import InvalidInput, InvalidRange
from chronox_domain.redaction import redact
from chronox_domain.services.export import ExportReport
from chronox_domain.services.ingestion import IngestReport, IngestRequest
from chronox_domain.session import SessionKind
from chronox_domain.timeframe import Timeframe
from chronox_entrypoints import datasets

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
    environment's ``CHRONOX_*`` variables. A keyword that is no setting is refused, not
    ignored: ``connect(stroe=...)`` would otherwise open the default store."""
    from chronox_entrypoints.cli.app import load_settings
    from chronox_entrypoints.container import Container

    if store is not None:
        text_argument(store, "store", "a store URL string (or None: the default)")
    given = _settings_given(settings)
    chosen = load_settings(given_as=lambda name: f"connect({name}=...)", store=store, **given)
    return Chronox(Container(settings=chosen))


def _settings_given(settings: dict[str, Any]) -> dict[str, Any]:
    """``settings`` checked against the fields of ``Settings``: each name must be one, and
    a value that is not text must already be of the field's type (strictly: ``True`` is
    no number, ``b"1"`` no text); text is read as the environment's variables are. A
    field read under an alias (the vendor key) is handed over under that alias."""
    from pydantic import AliasChoices, TypeAdapter, ValidationError

    from chronox_entrypoints.settings import Settings

    fields = Settings.model_fields
    given: dict[str, Any] = {}
    for name, value in settings.items():
        field = fields.get(name)
        if field is None or name == "store":
            valid = ", ".join(sorted(fields))
            raise InvalidInput(f"connect({name}=...): no such setting (valid: {valid})")
        if value is not None and not isinstance(value, str):
            plain = os.fspath(value) if isinstance(value, os.PathLike) else value
            # Typed as optional by some pydantic releases: every Settings field has one.
            annotation: Any = field.annotation
            try:
                TypeAdapter(annotation).validate_python(plain, strict=True)
            except ValidationError:
                expected = getattr(field.annotation, "__name__", str(field.annotation))
                raise refused(f"connect({name}=...)", expected, value) from None
            value = plain
        alias = field.validation_alias
        key = alias.choices[0] if isinstance(alias, AliasChoices) else name
        given[str(key)] = value
    return given


class Chronox:
    """The application's services, answering in DataFrames. Close it (or use it in a
    ``with`` block) to release the store."""

    def __init__(self, container: Container) -> None:
        from dependency_injector.containers import Container as AnyContainer

        # An instance of the declarative Container is a DynamicContainer: its base it is.
        if not isinstance(container, AnyContainer) or not hasattr(container, "bars"):
            raise refused("container", "the chronox Container (connect() builds one)", container)
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
        adjust: str | PriceBasis = "splits",
    ) -> Any:
        """Stored bars of ``symbol`` in the range (the last 5 sessions without one):
        indexed by ``start`` (UTC) with open, high, low, close, volume, vwap, trades.
        Timeframes never fetched are rolled up from the stored 1m bars. ``session``:
        keep only the bars of regular (``"rth"``) or extended (``"eth"``) hours; by
        default every stored bar. ``as_="polars"`` or ``"arrow"`` for those types.
        ``adjust``: the price basis, ``"splits"`` (the default: earlier prices on today's
        share basis), ``"none"`` (as traded) or ``"all"`` (splits and cash dividends).

        ``DataFrame.attrs`` (pandas) and the schema's metadata (Arrow) name the symbol,
        timeframe, sources, whether the bars are rolled up, whether they are demo data
        and their price basis (``adjust``).
        """
        ticker = symbol_argument(symbol)
        first, last = bound_argument(start, "start"), bound_argument(end, "end")
        tf = timeframe_argument(timeframe)
        kind = None if session is None else session_argument(session)
        basis = basis_argument(adjust)
        output = choice_argument(as_, "as_", get_args(Output))  # before the store is read
        _research_extra()
        from chronox_adapters.frames import convert

        with _about_the_range():
            table = self._container.bars().table(ticker, tf, first, last, kind, basis)
        if output == "pandas":
            return convert.to_pandas(table.columns, **datasets.series_attrs(table))
        if output == "arrow":
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
        asked = (
            symbols_argument(symbols),
            timeframe_argument(timeframe),
            session_argument(session),
            bound_argument(start, "start"),
            bound_argument(end, "end"),
        )
        with_holes = flag_argument(holes, "holes")
        _research_extra()
        import pandas as pd

        import chronox_presentation as presentation

        with _about_the_range():
            report = self._container.gaps().report(*asked, holes=with_holes)
        rows = [presentation.GapOut.of(missing).model_dump() for missing in report.missing]
        frame = pd.DataFrame(rows, columns=list(presentation.GapOut.model_fields))
        for name in ("start", "end"):
            frame[name] = pd.to_datetime(frame[name], utc=True).dt.as_unit("ns")
        frame["bars"] = frame["bars"].astype("int64")
        frame.attrs["demo"] = report.demo
        return frame

    def actions(self, symbol: str) -> pd.DataFrame:
        """The corporate actions stored of ``symbol``, one row per action by date
        (kind, date, then each kind's fields), as ``chronox-cli actions SYMBOL`` lists
        them; ``attrs`` name the symbol and ``fetched_at`` (UTC). ``ActionsNotSynced``
        (a ``NotFound``) when none were synced: ``chronox-cli actions sync SYMBOL``.
        Bars are not adjusted by them on read yet."""
        ticker = symbol_argument(symbol)
        _research_extra()
        import chronox_presentation as presentation
        from chronox_adapters.frames import actions_frame

        found = self._container.actions().actions(ticker)
        frame: pd.DataFrame = actions_frame(presentation.ActionsOut.of(found))
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
            symbols_argument(symbols),
            timeframe_argument(timeframe),
            session_argument(session),
            bound_argument(start, "start"),
            bound_argument(end, "end"),
            flag_argument(refetch, "refetch"),
            flag_argument(force, "force"),
        )
        with _about_the_range():
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
        tf, kind = timeframe_argument(timeframe), session_argument(session)
        _research_extra()
        from chronox_adapters.frames import check_frame

        calendar = self._container.calendar()
        return check_frame(frame, tf, kind, calendar)

    def export(
        self,
        symbols: str | Sequence[str],
        path: str | Path,
        start: BoundLike = None,
        end: BoundLike = None,
        timeframe: str | Timeframe = "1m",
        adjust: str | PriceBasis = "splits",
    ) -> ExportReport:
        """Write the Parquet dataset at ``path``, as ``chronox-cli export`` does: only the
        partitions (timeframe, symbol, year) whose content changed since the last export.
        ``adjust``: the price basis, as for :meth:`bars`; a dataset holds one, and an
        export on another into it is ``InvalidInput``. ``NotFound`` when none of
        ``symbols`` has anything ingested in the range."""
        asked = (
            symbols_argument(symbols),
            timeframe_argument(timeframe),
            bound_argument(start, "start"),
            bound_argument(end, "end"),
        )
        basis = basis_argument(adjust)
        dataset = self._container.dataset(_directory(path), basis)
        service = self._container.export()
        with _about_the_range():
            report: ExportReport = service.export(dataset, *asked, basis=basis)
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


@contextmanager
def _about_the_range() -> Iterator[None]:
    """A range the services refuse (outside the calendar, end before start) is the
    ``start``/``end`` arguments' fault: the message names them, as every argument's."""
    try:
        yield
    except InvalidRange as exc:
        if re.search(r"\b(start|end)\b", str(exc)):  # named already (end before start)
            raise
        raise named("start..end", exc) from None


def _directory(path: Any) -> Path:
    """A dataset's directory: a non-empty ``str`` or a ``pathlib.Path`` (no NUL byte,
    which no file system takes)."""
    text = os.fspath(path) if isinstance(path, os.PathLike) else path
    chosen = text_argument(text, "path", "a directory as a str or a pathlib.Path")
    if "\x00" in chosen:
        raise InvalidInput(f"path: {chosen!r} holds a NUL byte")
    return Path(chosen)
