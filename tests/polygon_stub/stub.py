"""``PolygonStub``: the REST server, the live feed, their data, faults and log, together."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from datetime import date
from types import TracebackType

from chronox_adapters.calendars import load_calendar
from chronox_domain import Bar, Interval, Timeframe
from chronox_domain.ports import TradingCalendar
from tests.polygon_stub.data import StubData, split_adjusted
from tests.polygon_stub.faults import Faults
from tests.polygon_stub.grouped import GROUPED_PATH, GroupedDaily
from tests.polygon_stub.log import RequestLog, RequestRecord
from tests.polygon_stub.reference import ReferenceApi
from tests.polygon_stub.reference_data import ReferenceData, documented
from tests.polygon_stub.rest import PageMemo, RestApi, SplitList
from tests.polygon_stub.rest_server import RestServer
from tests.polygon_stub.ws import LiveFeed


class PolygonStub:
    """A Polygon/Massive look-alike on loopback; see the package docstring."""

    def __init__(
        self,
        api_key: str = "test-key",
        seed: int = 0,
        page_size: int = 50_000,
        calendar: TradingCalendar | None = None,
        *,
        quota: int | None = None,
        quota_window: float = 60.0,
        quota_scope: str = "aggs",
        clock: Callable[[], float] = time.time,
        history_from: date | None = None,
        tickers: set[str] | None = None,
        delayed: bool = False,
        answer_time: float = 0.0,
    ) -> None:
        """``page_size`` caps a page in result bars, on top of the vendor's ``limit``
        (base aggregates). ``quota``: at most that many aggregates requests (every
        request with ``quota_scope="all"``) per window of ``quota_window`` seconds of
        ``clock()``, windows aligned on its multiples; the rest get 429.
        ``history_from``: an aggregates request from before that date gets 403
        NOT_AUTHORIZED. ``tickers``: the only tickers with data (None: all).
        ``delayed``: pages say ``"status": "DELAYED"``. ``answer_time``: seconds every
        REST answer waits before it goes out, as the vendor's latency."""
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.api_key = api_key
        self.faults = Faults()
        self._data = StubData(calendar if calendar is not None else load_calendar(), seed)
        self._log = RequestLog()
        self._api = RestApi(
            api_key,
            self._data,
            self.faults,
            page_size,
            quota=quota,
            quota_window=quota_window,
            quota_scope=quota_scope,
            clock=clock,
            history_from=history_from,
            tickers=tickers,
            delayed=delayed,
            answer_time=answer_time,
        )
        #: The reference endpoints' own fault queue (aggregates faults never reach them).
        self.reference_faults = Faults()
        self._reference = ReferenceApi(
            documented(),
            self.reference_faults,
            known=self._knows,
            base_url=lambda: self._api.base_url,
        )
        self._api.routes.append(self._reference)
        #: The grouped daily endpoint: its ``market`` and ``otc`` tickers are settable.
        self.grouped = GroupedDaily(
            self._data, lambda: self._api.splits, lambda: self._api.history_from
        )
        self._api.routes.append(self.grouped)
        # A renamed company's bars under each ticker only while it traded as that one.
        self._api.traded_as = lambda ticker: self._reference.data.traded_as(ticker)
        self._rest = RestServer(self._api, self._log)
        self.live = LiveFeed(api_key, self._data, self.faults)
        self._base_url: str | None = None
        self._ws_host: str | None = None

    # --- lifetime ----------------------------------------------------------------------

    def start(self) -> PolygonStub:
        if self._base_url is not None:
            raise RuntimeError("the stub is already running")
        self._base_url = self._rest.start()
        try:
            self._ws_host = self.live.start()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Stop both servers; open connections are closed, hung requests cut short."""
        try:
            self.live.stop()
        finally:
            self._rest.stop()
            self._base_url = self._ws_host = None

    def __enter__(self) -> PolygonStub:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: the REST client's ``base``."""
        if self._base_url is None:
            raise RuntimeError("the stub is not running")
        return self._base_url

    @property
    def ws_host(self) -> str:
        """``127.0.0.1:PORT``: the WebSocket client's ``feed`` (with ``secure=False``)."""
        if self._ws_host is None:
            raise RuntimeError("the stub is not running")
        return self._ws_host

    # --- data ------------------------------------------------------------------------------

    def expected_bars(
        self, symbol: str, timeframe: Timeframe, window: Interval, adjusted: bool = True
    ) -> list[Bar]:
        """The bars the stub serves for ``window`` (those starting in it), in order:
        split-adjusted by ``splits`` unless ``adjusted`` is False (the raw series)."""
        bars = self._data.bars(symbol, timeframe, window)
        return split_adjusted(bars, self.splits.get(symbol, [])) if adjusted else bars

    def pin(self, bar: Bar) -> None:
        """Serve ``bar`` (as traded) instead of the synthetic bar of its slot: the
        vendor's documented prices of a day. ``adjusted=true`` divides it by ``splits``
        as any other bar; ``adjusted=false`` serves it as given."""
        self._data.pinned[(bar.symbol, bar.timeframe, bar.start)] = bar

    def base_aggregates(self, symbol: str, timeframe: Timeframe, window: Interval) -> int:
        """How many base aggregates (traded minutes; days for 1d) the bars starting in
        ``window`` hold: what they cost against ``limit``."""
        bars = self._data.bars(symbol, timeframe, window)
        whole = Interval(timeframe.floor(window.start), timeframe.ceil(window.end))
        return sum(self._data.base_counts(symbol, timeframe, whole, bars))

    @property
    def splits(self) -> dict[str, SplitList]:
        """ticker -> [(execution date, split_from, split_to)], served by the splits API."""
        return self._api.splits

    @splits.setter
    def splits(self, splits: dict[str, SplitList]) -> None:
        self._api.splits = splits

    @property
    def reference(self) -> ReferenceData:
        """What the reference endpoints serve (splits, dividends, tickers and their
        events); the vendor's documented examples until a test changes them."""
        return self._reference.data

    @reference.setter
    def reference(self, data: ReferenceData) -> None:
        self._reference.data = data

    def _knows(self, ticker: str) -> bool:
        known = self._api.known_tickers
        return known is None or ticker in known

    # --- plan switches (settable while running) -----------------------------------------

    @property
    def known_tickers(self) -> set[str] | None:
        """The tickers the stub knows (exact, case-sensitive); None: every ticker."""
        return self._api.known_tickers

    @known_tickers.setter
    def known_tickers(self, tickers: set[str] | None) -> None:
        self._api.known_tickers = None if tickers is None else set(tickers)

    @property
    def delayed(self) -> bool:
        """Pages say ``"status": "DELAYED"`` instead of ``"OK"``."""
        return self._api.delayed

    @delayed.setter
    def delayed(self, delayed: bool) -> None:
        self._api.delayed = delayed

    def remember_pages(self) -> None:
        """Keep each aggregates page once built (``RestApi.remember_pages``)."""
        self._api.remember_pages()

    def warm(self, path: str, query: Mapping[str, str]) -> None:
        """Build and keep an aggregates page now, before a client asks for it."""
        self._api.warm(path, query)

    @property
    def pages(self) -> PageMemo | None:
        """The kept pages and their hits and misses (None: pages are built each time)."""
        return self._api.pages

    @property
    def answer_time(self) -> float:
        """Seconds every REST answer waits before it goes out (the vendor's latency)."""
        return self._api.answer_time

    @answer_time.setter
    def answer_time(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("answer_time cannot be negative")
        self._api.answer_time = seconds

    @property
    def history_from(self) -> date | None:
        return self._api.history_from

    @history_from.setter
    def history_from(self, day: date | None) -> None:
        self._api.history_from = day

    # --- the request log -----------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every REST request answered so far, in arrival order (a snapshot)."""
        return self._log.snapshot()

    def aggs_requests(self) -> list[RequestRecord]:
        return [record for record in self._log.snapshot() if record.is_aggs]

    def grouped_requests(self) -> list[RequestRecord]:
        """The grouped daily requests (``/v2/aggs/grouped/...``), in order."""
        return [r for r in self._log.snapshot() if GROUPED_PATH.fullmatch(r.path)]

    def reference_requests(self) -> list[RequestRecord]:
        """The requests to the reference endpoints (/stocks/v1/..., ticker overview and
        events)."""
        return [r for r in self._log.snapshot() if self._reference.matches(r.path)]

    def rate_limited_requests(self) -> list[RequestRecord]:
        """The requests answered 429 (fault, ``rate_limit_for`` or quota): wasted."""
        return [record for record in self._log.snapshot() if record.is_rate_limited]

    def served_requests(self) -> list[RequestRecord]:
        """The aggregates requests answered 200."""
        return [r for r in self._log.snapshot() if r.is_aggs and r.status == 200]

    def reset_log(self) -> None:
        self._log.clear()
