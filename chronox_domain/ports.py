"""The ports: what the domain needs from the outside world, as structural Protocols.

Adapters satisfy these without inheriting from them; mypy checks that they do. All
datetimes crossing a port are timezone-aware UTC; all interval lists are normalised.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from chronox_domain.actions import CorporateActions, ListingPeriod
    from chronox_domain.bar import Bar
    from chronox_domain.batch import BarBatch, ColumnBatch
    from chronox_domain.columns import BarColumns
    from chronox_domain.coverage import CoverageSpan
    from chronox_domain.events import BarEvent
    from chronox_domain.interval import Interval
    from chronox_domain.jobs import Job, JobListing, JobSpec
    from chronox_domain.planning import RequestLimit
    from chronox_domain.registry import SymbolEntry
    from chronox_domain.session import Session, SessionKind
    from chronox_domain.timeframe import Timeframe


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware UTC."""
        ...


class TradingCalendar(Protocol):
    """The sessions of one exchange."""

    name: str
    #: Where the exchange dates and times its sessions (extended hours are wall-clock
    #: times there; a session's date is its date there).
    timezone: tzinfo

    @property
    def first_date(self) -> date: ...

    @property
    def last_date(self) -> date: ...

    def sessions(self, start: date, end: date, kind: SessionKind) -> list[Session]:
        """Sessions dated ``start``..``end`` (both inclusive), sorted by date.

        Raises ``InvalidRange`` when the dates leave ``first_date``..``last_date``.
        """
        ...


@dataclass(frozen=True, slots=True)
class Fetched:
    """What a source returned for one request.

    ``bars`` lie inside the asked window, sorted by start. ``vouched`` is the part of
    the window the source answers for, normalised (sorted, disjoint) and inside the
    window: normally ``[window]``; for a file only what its rows prove; empty for
    nothing. It holds the slot of every bar returned. A slot there without a bar
    means "no trades", not "unknown".
    """

    bars: list[Bar]
    vouched: Sequence[Interval]


class BarSource(Protocol):
    """Historical bars for (symbol, timeframe, window)."""

    name: str
    #: True for generated demo data: every output built from it must say so.
    demo: bool

    def request_limit(self, timeframe: Timeframe) -> RequestLimit:
        """How much one ``fetch`` of ``timeframe`` bars may read (request planning
        sizes each request by it, in the unit the source counts)."""
        ...

    def fetch(self, symbol: str, timeframe: Timeframe, window: Interval) -> Fetched:
        """Bars of ``symbol`` starting inside ``window``.

        Raises ``SourceUnavailable`` / ``RateLimited`` when the source cannot answer.
        """
        ...


class LiveBarSource(Protocol):
    """Bars as they form: each one provisional until the settle delay has passed."""

    name: str
    #: How many times the source has reconnected since it was made: a change means the
    #: stream had a hole, which the daemon backfills at once.
    reconnects: int

    def stream(self, symbols: Sequence[str], timeframe: Timeframe) -> AsyncIterator[Bar]: ...


class MarketDataRepository(Protocol):
    """Bars and the coverage ledger in one store."""

    def write(self, batch: BarBatch) -> int:
        """Upsert ``batch.bars`` and record ``batch.coverage`` in ONE transaction.

        Keyed on (symbol, timeframe, start): writing the same bars again changes
        nothing; a bar replaces the stored one (a correction replaces a provisional
        bar). A stored bar inside one of ``batch.replaces`` that the batch does not
        carry is deleted: that slot is a hole now. Either all of the batch is stored,
        or nothing. Returns the number of bars written.
        """
        ...

    def write_many(self, batches: Sequence[BarBatch]) -> int:
        """Write ``batches`` (many symbols, one timeframe or several) in ONE transaction.

        The stored bars and ledgers are those of ``write`` called on each batch in turn
        (a later batch of a series on top of an earlier one), but the bars of all the
        batches go in with one bulk statement per bars table: the whole market's day in
        one round trip, not one per symbol. Either all of the batches are stored, or
        nothing. Returns the number of bars written; no batches, no write.
        """
        ...

    #: Whether ``write_columns`` waits on a server with the interpreter released, so that a
    #: caller may run it in a thread beside its own work (PostgreSQL). False where the
    #: write holds the interpreter (SQLite takes it back for every row: beside a busy
    #: thread it would crawl).
    background_writes: bool

    def write_columns(self, batches: Sequence[ColumnBatch]) -> int:
        """Write the final bars of ``batches`` (columns, no object per bar) in ONE
        transaction: what ``write_many`` of the same bars as ``BarBatch`` objects (final,
        same source and ``replaces``, no coverage) stores, at bulk-load speed.
        A series whose windows (``replaces`` and its bars' range) hold no stored bar is
        loaded without a conflict check; the others are merged as ``write_many`` does.
        Returns the number of bars written."""
        ...

    def bars(self, symbol: str, timeframe: Timeframe, window: Interval) -> Iterator[Bar]:
        """Stored bars starting inside ``window``, sorted by start, streamed."""
        ...

    def bar_columns(self, symbol: str, timeframe: Timeframe, window: Interval) -> BarColumns:
        """The bars ``bars`` streams for the same arguments, as columns read in bulk (no
        object per bar): what a notebook or an export reads a year at a time."""
        ...

    def bar_starts(self, symbol: str, timeframe: Timeframe, window: Interval) -> list[datetime]:
        """Starts of stored bars inside ``window``, sorted."""
        ...

    def coverage(self, symbol: str, timeframe: Timeframe) -> list[CoverageSpan]:
        """The ledger of (symbol, timeframe), sorted by start."""
        ...

    def sources(self, symbol: str, timeframe: Timeframe) -> set[str]:
        """The sources the ledger has recorded for (symbol, timeframe)."""
        ...

    def coverage_within(
        self, symbols: Sequence[str], timeframe: Timeframe, window: Interval
    ) -> dict[str, list[CoverageSpan]]:
        """The ledger spans of each of ``symbols`` that overlap ``window``, whole (not
        clipped to it), sorted by start: ``coverage`` restricted to the window, for many
        symbols in ONE query. A key for every asked symbol (an empty list: no span).

        The read is bounded by the window, not by the ledgers' lengths: the last month
        of a universe with years of history reads about a month of spans.
        """
        ...

    def bar_starts_within(
        self, symbols: Sequence[str], timeframe: Timeframe, window: Interval
    ) -> Iterator[tuple[str, list[datetime]]]:
        """``bar_starts`` of each of ``symbols`` that holds a bar inside ``window``, read
        with ONE query and streamed a symbol at a time (memory of one symbol's starts,
        whatever the number of symbols): each such symbol once, its starts sorted, the
        symbols in no promised order."""
        ...

    def bar_counts(
        self, symbols: Sequence[str], timeframe: Timeframe, windows: Sequence[Interval]
    ) -> dict[str, list[int]]:
        """How many stored bars of each of ``symbols`` start inside each of ``windows``
        (sorted by start, disjoint; they may touch), by symbol, a count per window in
        their order; a symbol with no bar inside any window may be absent. Counted by
        ONE grouped query per (symbol, window), whatever the number of symbols (a very
        long list of windows may take a few)."""
        ...

    def counts(self) -> dict[str, int]:
        """Summary counts for ``info`` (bars, symbols, ledger spans)."""
        ...


class BarDataset(Protocol):
    """A directory of bar files, one per partition (a series' year), and a manifest that
    proves the directory is the dataset's and records what each file holds, so that an
    export rewrites only what changed and repairs what was damaged on disk."""

    def claim(self) -> None:
        """Make sure the export may write here; called before anything is written.

        The directory is this dataset (its manifest says so), or new or empty: it then
        becomes one (created, with an empty manifest). Anything else raises
        ``InvalidInput`` saying how to proceed, and nothing is written: a non-empty
        directory without a valid manifest, one inside another dataset, one holding
        another dataset."""
        ...

    def recorded(self) -> dict[str, str]:
        """The fingerprint of each partition the manifest records, by partition key,
        whatever became of its file since (:meth:`verify` says)."""
        ...

    def verify(self, key: str) -> str | None:
        """Why partition ``key``'s file on disk is not the one the manifest records
        (missing, truncated, replaced, another row count), in a few words; None when it
        is. A partition recorded without a checksum (by an older export) whose file
        reads back with its recorded rows is whole: its checksum is recorded now."""
        ...

    def write(self, key: str, columns: BarColumns, fingerprint: str) -> None:
        """Replace partition ``key``'s file by ``columns`` and record ``fingerprint``
        with what :meth:`verify` checks (the file's rows and checksum).

        Atomic per partition: a reader, or a crash, sees the old file or the new one,
        never part of one; the manifest is updated after the file is in place (a crash
        between the two makes the next export write the partition again)."""
        ...

    def foreign(self) -> list[str]:
        """Files in the directory that are not the dataset's own but that its readers
        would pick up with it (a ``**/*.parquet`` glob, a directory scan), relative to
        the directory and sorted. Left where they are: they may be someone's."""
        ...


class BarRollups(Protocol):
    """Bars of a wider timeframe that a store computes from its own 1m bars."""

    def rolled_up(
        self,
        symbol: str,
        timeframe: Timeframe,
        window: Interval,
        sessions: Sequence[Session],
    ) -> Iterator[Bar]:
        """Like :func:`chronox_domain.rollup.roll_up` over the stored 1m bars of
        ``window``: same buckets, same daily rule (regular-hours ``sessions``)."""
        ...


class CorporateActionSource(Protocol):
    """A vendor's corporate actions of a symbol (its reference endpoints)."""

    def actions(self, symbol: str) -> CorporateActions:
        """Every split, cash dividend, ticker change and the listing period the vendor
        knows of ``symbol`` (pages followed, items of other tickers left out), with
        ``fetched_at`` the moment of the answer. Raises ``SourceUnavailable`` /
        ``RateLimited`` when the vendor cannot answer, ``NotFound`` for a ticker the
        vendor does not know."""
        ...


class LegacyBars(Protocol):
    """The split-adjusted bars an earlier chronox stored (:mod:`chronox_domain.legacy`),
    as the store holds them until each is rebased or re-fetched raw."""

    def legacy_as_of(self) -> datetime | None:
        """The moment up to which legacy bars are split-adjusted; None: the store never
        held any (a store created by this release)."""
        ...

    def has_legacy(self, symbol: str) -> bool:
        """Whether any timeframe of ``symbol`` still holds a bar of ``LEGACY_SOURCE``
        (cheap: an index holds only those rows)."""
        ...

    def legacy_columns(self, symbol: str, timeframe: Timeframe) -> BarColumns:
        """Every bar of (symbol, timeframe) whose source is ``LEGACY_SOURCE``, as stored."""
        ...

    def rebase(self, symbol: str, timeframe: Timeframe, columns: BarColumns) -> int:
        """Overwrite the prices and volumes of exactly the bars of ``columns`` (by start)
        and set their source to ``REBASED_SOURCE``, only where the source is still
        ``LEGACY_SOURCE``, in one transaction: a bar re-fetched or rebased meanwhile is
        left alone, so two concurrent rebases of one symbol rebase each bar once.
        Returns how many bars were rebased."""
        ...


class CorporateActionStore(Protocol):
    """The corporate actions of each symbol, as last fetched, beside its bars."""

    def put_actions(self, actions: CorporateActions) -> None:
        """Replace everything stored of ``actions.symbol`` by ``actions``, in one
        transaction: a reader sees the old bundle or the new one, never a mix. Putting
        the same bundle twice changes nothing. ``actions.fetched_at`` must be set
        (``InvalidInput`` otherwise): an unfetched bundle is no answer to store."""
        ...

    def actions(self, symbol: str) -> CorporateActions:
        """The bundle last put for ``symbol``, equal to it; ``CorporateActions.unknown``
        (``fetched_at`` None) when none was."""
        ...

    def actions_for(self, symbols: Sequence[str]) -> dict[str, CorporateActions]:
        """``actions`` of each of ``symbols`` (a key per symbol asked), read in bulk: a
        few queries whatever the number of symbols."""
        ...

    def actions_fetched_at(self, symbol: str) -> datetime | None:
        """When the bundle stored for ``symbol`` was fetched (UTC); None when never."""
        ...


class Listings(Protocol):
    """When each symbol traded: what the gap logic clips expected sessions by."""

    def listings(
        self, symbols: Sequence[str], literal: Collection[str] = ()
    ) -> Mapping[str, ListingPeriod]:
        """The known listing period of each of ``symbols``, read in bulk (a few queries
        whatever their number). A symbol with none known is absent: every session is
        expected of it. A renamed company's period is its whole life, except for the
        symbols of ``literal`` (and those registered not to follow renames): those of
        their own ticker only (:func:`chronox_domain.renames.company_listing`)."""
        ...


class SymbolRegistry(Protocol):
    """The symbols chronox keeps complete, with how."""

    def entries(
        self, active_only: bool = False, *, start: str | None = None, limit: int | None = None
    ) -> list[SymbolEntry]:
        """Entries sorted by symbol in code-point order (``BRK.B`` before ``BRKB``,
        whatever a database's collation says), from ``start`` on (inclusive), at most
        ``limit`` of them: a page of a large registry costs one indexed read, not the
        whole registry."""
        ...

    def get(self, symbol: str) -> SymbolEntry | None: ...

    def put(self, entry: SymbolEntry) -> None:
        """Insert or replace the entry of ``entry.symbol``."""
        ...

    def put_many(self, entries: Sequence[SymbolEntry]) -> None:
        """Insert or replace every entry (their symbols distinct) in one transaction and
        one statement: all of them are stored, or none."""
        ...

    def remove(self, symbol: str) -> bool:
        """Remove ``symbol``; False when it was not registered."""
        ...


@runtime_checkable
class EventPublisher(Protocol):
    """Tells subscribers about bars that were just stored."""

    def publish(self, batch: BarBatch) -> None:
        """Called after ``batch`` committed. Must not raise for delivery trouble."""
        ...

    def health(self) -> str:
        """One line for a status page: where events go, and whether they get there
        (``"... unavailable: ..."`` when not)."""
        ...


class JobQueue(Protocol):
    """Backfill work with a lifecycle (queued, running, succeeded, failed, cancelled).

    Delivery is at least once: a job may run twice after a worker dies, which is safe
    because every write is an idempotent upsert.
    """

    def submit(self, spec: JobSpec) -> Job:
        """Queue one job; it is QUEUED when this returns."""
        ...

    def get(self, job_id: str) -> Job:
        """The job's current state; raises ``NotFound`` for an unknown id and
        ``MalformedData`` (one line) for a record that cannot be read."""
        ...

    def jobs(self) -> list[Job]:
        """Every job that can be read, newest first (``listing().jobs``)."""
        ...

    def listing(self) -> JobListing:
        """Every job that can be read, newest first, and the ids of the records that
        cannot (malformed by hand or by another version): those are skipped, and logged
        once each, so that one bad record never breaks a listing or a count."""
        ...

    def cancel(self, job_id: str) -> Job:
        """Cancel a queued or running job (a running one stops at its next request);
        a finished job is returned unchanged. ``NotFound`` for an unknown id,
        ``MalformedData`` for a record that cannot be read (it is left unchanged)."""
        ...

    def close(self) -> None:
        """Stop taking work and release what the queue holds (threads, connections);
        jobs already running finish or are reclaimed, as the queue's delivery allows."""
        ...


class EventSubscriber(Protocol):
    """Hears the bars an ``EventPublisher`` published, possibly in another process."""

    def subscribe(
        self, symbols: Sequence[str], timeframe: Timeframe, replay: int = 0
    ) -> AsyncGenerator[BarEvent, None]:
        """New bars of ``symbols`` as they are stored; first the last ``replay`` of them
        (per symbol) when the transport keeps history."""
        ...


class RequestLimiter(Protocol):
    """The vendor's request budget, shared by every fetch (of a process, or of every
    process that shares the limiter's store)."""

    def acquire(self) -> None:
        """Return when one more request may be sent."""
        ...

    def throttled(self) -> int | None:
        """The vendor refused a request for its rate (429): from now on pace at what
        got through in the last window, when that is known and lower than the pace so
        far. Returns the requests per window now allowed (None: unlimited)."""
        ...


class Metrics(Protocol):
    """What the pipeline counts as it works, for an exporter to read out (Prometheus in
    the API). Every method is cheap and never raises: counting must not fail an ingest."""

    def bars_ingested(self, source: str, timeframe: Timeframe, written: int, rejected: int) -> None:
        """One request's bars: ``written`` stored, ``rejected`` refused by the invariants."""
        ...

    def gaps_closed(self, source: str, timeframe: Timeframe, windows: int) -> None:
        """Gap windows a request answered for (now covered, with bars or confirmed empty)."""
        ...

    def vendor_request(self, source: str, status: str, failed: bool, retried: bool) -> None:
        """One HTTP attempt at the vendor: its status (``"200"``, ``"429"``, or a transport
        failure such as ``"timeout"``), whether it failed, and whether it is retried."""
        ...
