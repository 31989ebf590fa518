"""The listing period against the minute-set model (issue 19, item 5).

``E`` expected time of the range's sessions, ``L`` that of the sessions the symbol
traded (``listed_range``), ``R`` the asked window, ``C`` covered time, ``G`` the gaps,
``U`` the unlisted time. Clipping by the listing never adds a gap (``G <= G_unclipped``),
gaps lie in listed sessions (``G <= L``), and ``G | U | (C & L & R) == E & R`` with the
three parts disjoint: every expected minute is exactly one of gap, unlisted or covered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock
from chronox_adapters.memory import MemoryRepository
from chronox_domain.actions import ListingPeriod
from chronox_domain.batch import BarBatch
from chronox_domain.coverage import CoverageSpan
from chronox_domain.gaps import find_gaps, find_unlisted
from chronox_domain.interval import Interval, normalize
from chronox_domain.listing import listed_range
from chronox_domain.ranges import ResolvedRange
from chronox_domain.services.coverage import CoverageService
from chronox_domain.session import Session, expected_windows
from tests.property.strategies import (
    BASE,
    INTRADAY,
    calendar_ranges,
    grid_windows,
    is_normalised,
    ledgers,
    minutes_in,
    sessions,
    span_of,
)

FETCHED = datetime(2025, 6, 1, tzinfo=UTC)
SYMBOL = "LATE"


@st.composite
def listings(draw: st.DrawFn, first: date, days: int) -> ListingPeriod | None:
    """No listing, or one whose dates (each possibly unknown) fall around ``first`` ..
    ``first + days``: before, inside or after the sessions."""
    if draw(st.booleans()) and draw(st.booleans()):
        return None
    offsets = st.one_of(st.none(), st.integers(-2, days + 2))
    listed_at, delisted_at = draw(offsets), draw(offsets)
    listed = None if listed_at is None else first + timedelta(days=listed_at)
    delisted = None if delisted_at is None else first + timedelta(days=delisted_at)
    if listed is not None and delisted is not None and delisted < listed:
        listed, delisted = delisted, listed
    return ListingPeriod(SYMBOL, listed, delisted, delisted is None, FETCHED)


@given(data=st.data())
def test_gaps_unlisted_and_covered_partition_the_expected_time(data: st.DataObject) -> None:
    timeframe = data.draw(st.sampled_from(INTRADAY))
    drawn: list[Session] = data.draw(sessions(max_sessions=8))
    span = span_of(drawn)
    start, end = data.draw(grid_windows(timeframe, span))
    window = Interval(BASE + timedelta(minutes=start), BASE + timedelta(minutes=end))
    covered = normalize(span.interval for span in data.draw(ledgers(timeframe, span)))
    listing = data.draw(listings(drawn[0].date, (drawn[-1].date - drawn[0].date).days))

    resolved = ResolvedRange(window, drawn)
    everything = expected_windows(drawn, timeframe)
    listed = expected_windows(listed_range(resolved, listing).sessions, timeframe)
    gaps = find_gaps(listed, covered, window)
    unlisted = find_unlisted(everything, listed, window)

    g, u, c = minutes_in(gaps), minutes_in(unlisted), minutes_in(covered)
    e, r, l_ = minutes_in(everything), minutes_in([window]), minutes_in(listed)
    assert g <= minutes_in(find_gaps(everything, covered, window))  # never adds a gap
    assert g <= l_ and not g & u
    assert g | u | (c & l_ & r) == e & r
    assert not u & l_ and not (c & l_ & r) & g
    assert is_normalised(gaps) and is_normalised(unlisted)
    if listing is None or all(listing.trades_on(s.date) for s in drawn):
        assert unlisted == [] and listed == everything


@given(data=st.data())
def test_the_service_clips_gaps_to_the_listed_sessions(
    calendar: ExchangeCalendar, data: st.DataObject
) -> None:
    """Through ``CoverageService`` on the real calendar, with a random ledger and clock:
    what the listing removes from the gaps is exactly their unlisted part."""
    r = data.draw(calendar_ranges(calendar))
    margin = r.timeframe.step * 3
    origin = r.around.start - margin
    span = (r.around.duration + 2 * margin) // timedelta(minutes=1)
    ledger: list[CoverageSpan] = data.draw(ledgers(r.timeframe, span, origin))
    repository = MemoryRepository()
    for entry in ledger:
        repository.write(BarBatch(SYMBOL, r.timeframe, [], entry.source, None, (entry,)))
    listing = data.draw(listings(r.around.start.date() - timedelta(days=1), 6))

    def service(known: ListingPeriod | None) -> CoverageService:
        found = {} if known is None else {SYMBOL: known}
        return CoverageService(
            repository,
            calendar,
            FixedClock(r.now),
            r.settle,
            listings=_Fixed(found),
        )

    asked = ([SYMBOL], r.timeframe, r.kind, r.start, r.end)
    blind = minutes_in(g.interval for g in service(None).gaps(*asked))
    knowing = service(listing)
    clipped = [g.interval for g in knowing.gaps(*asked)]
    unlisted = minutes_in(g.interval for g in knowing.unlisted(*asked))
    g = minutes_in(clipped)
    assert g <= blind and not g & unlisted
    assert blind - unlisted == g
    assert is_normalised(clipped)
    # Every gap lies in a session the symbol traded.
    sessions_ = calendar.sessions(
        r.around.start.date() - timedelta(days=1), r.around.end.date() + timedelta(days=1), r.kind
    )
    windows = {s.date: expected_windows([s], r.timeframe)[0] for s in sessions_}
    for gap in clipped:
        days = [d for d, w in windows.items() if w.start <= gap.start < w.end]
        assert days and (listing is None or listing.trades_on(days[0]))
    if listing is None:
        assert unlisted == set()


class _Fixed:
    def __init__(self, found: dict[str, ListingPeriod]) -> None:
        self._found = found

    def listings(self, symbols: Sequence[str]) -> Mapping[str, ListingPeriod]:
        return {s: self._found[s] for s in symbols if s in self._found}
