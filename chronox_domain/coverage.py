"""The coverage ledger: which spans of time a source has already answered for.

For each (symbol, timeframe) the ledger keeps spans, each either

* ``FINAL``: fetched from history after the window had closed and settled, or
* ``PROVISIONAL``: seen live, or fetched while too recent to be final (the vendor
  re-sends corrected minute bars when late trades arrive), or
* ``UNCONFIRMED``: settled time the source answered *empty* for, once. Vendors do send
  empty answers for days that traded, and fix them later, so one empty answer is not
  trusted: the span is asked for once more after the recheck delay (it is no gap
  meanwhile), and a second empty answer makes it final (confirmed empty).

Only final coverage closes a gap for good. Provisional coverage keeps a window off the
gap list only while it is younger than the settle delay; after that it is a gap again,
which is how end-of-day reconciliation of live bars falls out of the same rule.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from chronox_domain.interval import Interval, IntervalList, normalize, subtract, union


class CoverageStatus(enum.Enum):
    FINAL = "final"
    PROVISIONAL = "provisional"
    UNCONFIRMED = "unconfirmed"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class CoverageSpan:
    """A span of time one source answered for, with how settled that answer is."""

    interval: Interval
    status: CoverageStatus
    source: str
    #: When the source answered (kept for ``UNCONFIRMED`` spans: the recheck is due
    #: a delay after it). None for the other statuses.
    answered_at: datetime | None = None
    #: The vendor ticker that answered, when it is not the symbol itself: a renamed
    #: company's span before the change (META's answered by FB). None: the symbol.
    ticker: str | None = None
    #: The ETag of the vendor's day file whose contents vouched for the span: a
    #: republished file (a new ETag) is read again, an unchanged one never. None: the
    #: span was not answered from a file.
    etag: str | None = None


def spans_for_fetch(
    window: Interval,
    source: str,
    horizon: datetime,
    ticker: str | None = None,
    etag: str | None = None,
) -> list[CoverageSpan]:
    """The ledger entries a completed fetch of ``window`` earns (answered by vendor
    ``ticker``, None: the symbol itself; from the day file of ``etag``, None: not from
    a file).

    The part that ended before ``horizon`` (now minus the settle delay) is final; the
    rest is provisional.
    """
    spans: list[CoverageSpan] = []
    if window.start < horizon:
        final = Interval(window.start, min(window.end, horizon))
        spans.append(CoverageSpan(final, CoverageStatus.FINAL, source, ticker=ticker, etag=etag))
    if window.end > horizon:
        provisional = Interval(max(window.start, horizon), window.end)
        spans.append(
            CoverageSpan(provisional, CoverageStatus.PROVISIONAL, source, ticker=ticker, etag=etag)
        )
    return spans


def of_status(spans: Iterable[CoverageSpan], status: CoverageStatus) -> IntervalList:
    return normalize(span.interval for span in spans if span.status is status)


#: What a span is normalised by: (status, source, answered_at, ticker, etag).
_SpanKey = tuple[CoverageStatus, str, datetime | None, str | None, str | None]


def merge_spans(
    existing: Sequence[CoverageSpan], added: Sequence[CoverageSpan]
) -> list[CoverageSpan]:
    """The ledger after recording ``added`` on top of ``existing``.

    Newer entries win where they overlap older ones, except that nothing downgrades
    final coverage, and provisional coverage never replaces an unconfirmed answer
    (that one is settled time, waiting for its recheck). A republished day file's spans
    (a new ``etag``) so replace the old file's where they overlap. The result is
    normalised per (status, source, answered_at, ticker, etag): sorted, disjoint, merged.
    """
    added_final = of_status(added, CoverageStatus.FINAL)
    added_settled = union(added_final, of_status(added, CoverageStatus.UNCONFIRMED))
    added_all = normalize(span.interval for span in added)
    pieces: dict[_SpanKey, list[Interval]] = {}

    def keep(span: CoverageSpan, intervals: Iterable[Interval]) -> None:
        key = (span.status, span.source, span.answered_at, span.ticker, span.etag)
        pieces.setdefault(key, []).extend(intervals)

    for span in existing:
        if span.status is CoverageStatus.FINAL:
            # Final stays final; a refetch from the same or another source replaces it.
            keep(span, subtract([span.interval], added_final))
        elif span.status is CoverageStatus.UNCONFIRMED:
            keep(span, subtract([span.interval], added_settled))
        else:
            keep(span, subtract([span.interval], added_all))

    for span in added:
        if span.status is CoverageStatus.FINAL:
            keep(span, [span.interval])
    all_final = normalize(
        piece
        for (status, *_), kept in pieces.items()
        if status is CoverageStatus.FINAL
        for piece in kept
    )
    for span in added:
        if span.status is CoverageStatus.UNCONFIRMED:
            keep(span, subtract([span.interval], all_final))
    all_settled = normalize(
        piece
        for (status, *_), kept in pieces.items()
        if status is not CoverageStatus.PROVISIONAL
        for piece in kept
    )
    for span in added:
        if span.status is CoverageStatus.PROVISIONAL:
            keep(span, subtract([span.interval], all_settled))

    merged = [
        CoverageSpan(piece, status, source, answered_at, ticker, etag)
        for (status, source, answered_at, ticker, etag), kept in pieces.items()
        for piece in normalize(kept)
    ]
    merged.sort(key=lambda span: (span.interval.start, span.interval.end))
    return merged


def covered_for_gaps(
    spans: Sequence[CoverageSpan], horizon: datetime, recheck_before: datetime | None = None
) -> IntervalList:
    """The coverage that keeps time off the gap list at ``horizon``.

    Final coverage everywhere; provisional coverage only after ``horizon`` (it is
    younger than the settle delay there, and is a gap again once it is older).
    Unconfirmed empty answers count too, except those given before ``recheck_before``
    (due for their second asking; None: none is due, the view of a gap listing).
    """
    # One pass, one normalisation: a gap scan calls this for each of thousands of
    # symbols, most of whose ledgers hold final spans only.
    counted: list[Interval] = []
    for span in spans:
        status, piece = span.status, span.interval
        if status is CoverageStatus.FINAL:
            counted.append(piece)
        elif status is CoverageStatus.PROVISIONAL:
            if piece.end > horizon:
                counted.append(piece if piece.start >= horizon else Interval(horizon, piece.end))
        elif not _due(span, recheck_before):
            counted.append(piece)
    return normalize(counted)


def unconfirmed(spans: Iterable[CoverageSpan], source: str | None = None) -> IntervalList:
    """Time answered empty only once (by ``source``, when given)."""
    return normalize(
        span.interval
        for span in spans
        if span.status is CoverageStatus.UNCONFIRMED and source in (None, span.source)
    )


def _due(span: CoverageSpan, recheck_before: datetime | None) -> bool:
    if recheck_before is None:
        return False
    return span.answered_at is None or span.answered_at <= recheck_before
