"""``PolygonStub``: the REST server, the live feed, their data, faults and log, together."""

from __future__ import annotations

from types import TracebackType

from chronox_adapters.calendars import load_calendar
from chronox_domain import Bar, Interval, Timeframe
from chronox_domain.ports import TradingCalendar
from tests.polygon_stub.data import StubData
from tests.polygon_stub.faults import Faults
from tests.polygon_stub.log import RequestLog, RequestRecord
from tests.polygon_stub.rest import RestApi, SplitList
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
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        self.api_key = api_key
        self.faults = Faults()
        self._data = StubData(calendar if calendar is not None else load_calendar(), seed)
        self._log = RequestLog()
        self._api = RestApi(api_key, self._data, self.faults, page_size)
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

    def expected_bars(self, symbol: str, timeframe: Timeframe, window: Interval) -> list[Bar]:
        """The bars the stub serves for ``window`` (those starting in it), in order."""
        return self._data.bars(symbol, timeframe, window)

    @property
    def splits(self) -> dict[str, SplitList]:
        """ticker -> [(execution date, split_from, split_to)], served by the splits API."""
        return self._api.splits

    @splits.setter
    def splits(self, splits: dict[str, SplitList]) -> None:
        self._api.splits = splits

    # --- the request log -----------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every REST request answered so far, in arrival order (a snapshot)."""
        return self._log.snapshot()

    def aggs_requests(self) -> list[RequestRecord]:
        return [record for record in self._log.snapshot() if record.is_aggs]

    def reset_log(self) -> None:
        self._log.clear()
