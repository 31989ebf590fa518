"""The calendar-slot time axis: one x unit per expected bar slot, and nothing else.

Closed hours, weekends and holidays take no room; every slot inside a session has its
index, so a slot without a bar shows as a hole. Slots follow the domain's grid
(``chronox_domain.session.slot_window``): intraday slots aligned on the UTC epoch, the
session widened to that grid; a daily bar's slot is its session date at 00:00 UTC.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from chronox_domain.timeframe import Timeframe
from chronox_entrypoints.gui.chart.columns import epoch_ns

Int64Array = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_NS_PER_MINUTE = 60_000_000_000
_NS_PER_DAY = 86_400_000_000_000
#: Candidate spacings of time ticks inside a session, in minutes.
_INTRADAY_TICKS = (1, 2, 5, 10, 15, 30, 60, 120, 240)


class SessionLike(Protocol):
    """A trading session: the API's ``SessionOut`` and the domain's ``Session`` are."""

    @property
    def date(self) -> date: ...
    @property
    def open(self) -> datetime: ...
    @property
    def close(self) -> datetime: ...
    @property
    def early_close(self) -> bool: ...


class SlotAxis:
    """Slots of ``timeframe`` over ``sessions``, labelled in the exchange's time zone."""

    def __init__(
        self,
        sessions: Iterable[SessionLike],
        timeframe: Timeframe,
        zone: str = "America/New_York",
    ) -> None:
        self.timeframe = timeframe
        self.zone = ZoneInfo(zone)
        self.step_ns = timeframe.seconds * 1_000_000_000
        by_date = {session.date: session for session in sessions}
        self.sessions: list[SessionLike] = [by_date[day] for day in sorted(by_date)]
        self._build()

    def extended(self, sessions: Iterable[SessionLike]) -> SlotAxis:
        """A new axis with more sessions (older or later ones the loader fetched).

        Slot numbers shift when older sessions come first: :meth:`offset_from` says by
        how much, so a view can keep showing the same bars.
        """
        return SlotAxis([*self.sessions, *sessions], self.timeframe, self.zone.key)

    def offset_from(self, older: SlotAxis) -> int:
        """How many slots were added before ``older``'s first slot."""
        if not older.sessions or not self.sessions:
            return 0
        return int(self.index_of(np.array([older._window_start[0]]))[0])

    def _build(self) -> None:
        opens = np.array([epoch_ns(s.open) for s in self.sessions], dtype=np.int64)
        closes = np.array([epoch_ns(s.close) for s in self.sessions], dtype=np.int64)
        if self.timeframe is Timeframe.D1:
            days = np.array(
                [
                    epoch_ns(datetime(s.date.year, s.date.month, s.date.day, tzinfo=UTC))
                    for s in self.sessions
                ],
                dtype=np.int64,
            )
            starts, ends = days, days + _NS_PER_DAY
        else:
            step = self.step_ns
            starts = opens // step * step
            ends = -(-closes // step) * step
        self._window_start: Int64Array = starts
        self._window_end: Int64Array = ends
        counts = np.maximum((ends - starts) // self.step_ns, 0)
        self._first_slot: Int64Array = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.early_close: BoolArray = np.array([s.early_close for s in self.sessions], dtype=bool)
        # A session lies within one exchange date, and clocks change at night, so one
        # UTC offset per session labels all of its slots right across DST.
        self._utc_offset_ns: Int64Array = np.array(
            [_offset_ns(s.open, self.zone) for s in self.sessions], dtype=np.int64
        )
        self._dates = [s.date for s in self.sessions]
        # Keys that change at each new month and ISO week: date ticks by numpy.
        self._month_keys: Int64Array = np.array(
            [d.year * 12 + d.month - 1 for d in self._dates], dtype=np.int64
        )
        self._week_keys: Int64Array = np.array(
            [d.isocalendar()[0] * 53 + d.isocalendar()[1] for d in self._dates], dtype=np.int64
        )

    # -- sizes and session marks ---------------------------------------------------

    def __len__(self) -> int:
        """The number of slots."""
        return int(self._first_slot[-1])

    @property
    def session_starts(self) -> Int64Array:
        """The first slot of each session (where separators go)."""
        return self._first_slot[:-1]

    def early_close_ends(self) -> Int64Array:
        """One past the last slot of each early-close session (where its mark goes)."""
        return self._first_slot[1:][self.early_close]

    def session_at(self, slots: npt.ArrayLike) -> Int64Array:
        """The session number of each slot (clipped to the sessions held)."""
        found = np.searchsorted(self._first_slot, np.asarray(slots), side="right") - 1
        return np.clip(found, 0, max(len(self.sessions) - 1, 0)).astype(np.int64)

    # -- instants to slots and back ------------------------------------------------

    def locate(self, start_ns: npt.ArrayLike) -> tuple[Int64Array, BoolArray]:
        """Slot of each instant, and whether it lies inside a session.

        An instant outside every session gets the slot it would be inserted before, so
        the slots of sorted instants stay sorted.
        """
        t = np.asarray(start_ns, dtype=np.int64)
        if not self.sessions:
            return np.zeros(t.shape, np.int64), np.zeros(t.shape, bool)
        window = np.searchsorted(self._window_start, t, side="right") - 1
        known = window >= 0
        w = np.where(known, window, 0)
        inside = known & (t < self._window_end[w])
        offset = (t - self._window_start[w]) // self.step_ns
        slots = np.where(inside, self._first_slot[w] + offset, self._first_slot[window + 1])
        return slots.astype(np.int64), inside

    def index_of(self, start_ns: npt.ArrayLike) -> Int64Array:
        """Slot of each instant, -1 for an instant outside every session."""
        slots, inside = self.locate(start_ns)
        return np.where(inside, slots, -1)

    def slots_before(self, instants_ns: npt.ArrayLike) -> Int64Array:
        """How many slots start before each instant: ``[a, b)`` covers slots
        ``[slots_before(a), slots_before(b))`` (coverage intervals to ribbon segments)."""
        t = np.asarray(instants_ns, dtype=np.int64)
        if not self.sessions:
            return np.zeros(t.shape, np.int64)
        window = np.searchsorted(self._window_start, t, side="right") - 1
        w = np.maximum(window, 0)
        span = self._first_slot[w + 1] - self._first_slot[w]
        within = -(-(t - self._window_start[w]) // self.step_ns)
        counted = self._first_slot[w] + np.clip(within, 0, span)
        return np.where(window >= 0, counted, 0).astype(np.int64)

    def start_of(self, slots: npt.ArrayLike) -> Int64Array:
        """The start (UTC epoch ns) of each slot; slots are clipped to the axis (which
        must not be empty)."""
        s = np.clip(np.asarray(slots, dtype=np.int64), 0, max(len(self) - 1, 0))
        session = self.session_at(s)
        return self._window_start[session] + (s - self._first_slot[session]) * self.step_ns

    def datetime_of(self, slot: int) -> datetime:
        """The start of one slot as a UTC datetime."""
        ns = int(self.start_of([slot])[0])
        return datetime.fromtimestamp(0, UTC) + timedelta(microseconds=ns // 1_000)

    def span(self, start_slot: int, end_slot: int) -> tuple[datetime, datetime]:
        """Slots ``[start_slot, end_slot)`` as a UTC ``[start, end)`` (a backfill's range)."""
        last = max(end_slot - 1, start_slot)
        step = timedelta(seconds=self.timeframe.seconds)
        return self.datetime_of(start_slot), self.datetime_of(last) + step

    # -- labels and ticks ----------------------------------------------------------

    def local_ns(self, slots: npt.ArrayLike) -> Int64Array:
        """Each slot's start as exchange wall-clock time, in ns since 1970-01-01 00:00."""
        s = np.asarray(slots, dtype=np.int64)
        return self.start_of(s) + self._utc_offset_ns[self.session_at(s)]

    def label(self, slot: int, with_date: bool = True) -> str:
        """A slot's start in exchange time: ``2024-11-29 09:30`` (a daily slot: its date)."""
        if not self.sessions:
            return ""
        if self.timeframe is Timeframe.D1:
            return self._dates[int(self.session_at([slot])[0])].isoformat()
        local = datetime(1970, 1, 1) + timedelta(microseconds=int(self.local_ns([slot])[0]) // 1000)
        return local.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")

    def ticks(self, first: float, last: float, width_px: float) -> list[tuple[int, str]]:
        """Tick slots and labels for the visible ``[first, last]``: times when zoomed in,
        dates, months or years when zoomed out; about one label per 90 pixels."""
        if not self.sessions or width_px <= 0 or last <= first:
            return []
        lo = max(int(np.ceil(first)), 0)
        hi = min(int(last), len(self) - 1)
        if hi < lo:
            return []
        min_gap = 90.0 * (last - first) / width_px  # slots between two labels
        step_minutes = self.timeframe.seconds // 60
        sessions = np.arange(self.session_at([lo])[0], self.session_at([hi])[0] + 1)
        per_session = float(np.mean(np.diff(self._first_slot)[sessions]))
        if self.timeframe.is_intraday:
            for minutes in _INTRADAY_TICKS:
                if minutes >= step_minutes and minutes / step_minutes >= min_gap:
                    if minutes / step_minutes < per_session:
                        return _spaced(self._time_ticks(lo, hi, minutes), min_gap)
                    break
        return self._date_ticks(sessions, min_gap / per_session)

    def _time_ticks(self, lo: int, hi: int, minutes: int) -> list[tuple[int, str]]:
        slots = np.arange(lo, hi + 1)
        session_of = self.session_at(slots)
        local_minutes = (self.start_of(slots) + self._utc_offset_ns[session_of]) // _NS_PER_MINUTE
        opens = self._first_slot[session_of] == slots
        chosen = (local_minutes % minutes == 0) | opens
        # Labels from integers: one numpy pass, no numpy call per tick.
        of_day = (local_minutes[chosen] % 1440).tolist()
        sessions = session_of[chosen].tolist()
        ticks = []
        for slot, minute, session, session_open in zip(
            slots[chosen].tolist(), of_day, sessions, opens[chosen].tolist(), strict=True
        ):
            text = f"{minute // 60:02d}:{minute % 60:02d}"
            if session_open:
                day = self._dates[session]
                text = f"{day:%b} {day.day} {text}"
            ticks.append((slot, text))
        return ticks

    def _date_ticks(self, sessions: Int64Array, sessions_per_label: float) -> list[tuple[int, str]]:
        """A tick at the first visible session of each day, week, month, quarter or year."""
        if sessions_per_label <= 1:
            keys, fmt = sessions, "day"
        elif sessions_per_label <= 5:
            keys, fmt = self._week_keys[sessions], "day"
        elif sessions_per_label <= 21:
            keys, fmt = self._month_keys[sessions], "month"
        elif sessions_per_label <= 63:
            keys, fmt = self._month_keys[sessions] // 3, "month"
        else:
            keys, fmt = self._month_keys[sessions] // 12, "year"
        firsts = sessions[np.diff(keys, prepend=keys[0] - 1) != 0].tolist()
        starts = self._first_slot[firsts].tolist()
        return [
            (slot, _date_label(self._dates[i], fmt)) for i, slot in zip(firsts, starts, strict=True)
        ]


def _spaced(ticks: list[tuple[int, str]], min_gap: float) -> list[tuple[int, str]]:
    """Drop time ticks too close to the one before; a session's open (it carries the
    date) replaces a time tick it would crowd."""
    kept: list[tuple[int, str]] = []
    for slot, text in ticks:
        opens = " " in text
        if kept and slot - kept[-1][0] < 0.7 * min_gap:
            if opens and " " not in kept[-1][1]:
                kept[-1] = (slot, text)
            continue
        kept.append((slot, text))
    return kept


def _date_label(day: date, fmt: str) -> str:
    if fmt == "year":
        return str(day.year)
    if fmt == "month":
        return f"{day:%b %Y}" if day.month == 1 else f"{day:%b}"
    return f"{day:%b} {day.day}"


def _offset_ns(moment: datetime, zone: ZoneInfo) -> int:
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    return int(offset.total_seconds()) * 1_000_000_000


__all__ = ["SessionLike", "SlotAxis"]
