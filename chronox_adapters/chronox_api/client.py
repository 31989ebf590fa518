"""``ChronoxClient``: the REST API of chronox, typed with the API's own response models."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterable, Iterator, Mapping
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar

import httpx
from pydantic import TypeAdapter

from chronox_adapters.chronox_api.config import ChronoxApiConfig
from chronox_adapters.chronox_api.errors import answer_error, late_error, transport_error
from chronox_adapters.chronox_api.runner import Runner
from chronox_domain.errors import SourceUnavailable
from chronox_domain.timeformat import iso_utc
from chronox_presentation import (
    ActionsOut,
    ActionsSyncOut,
    BarsPage,
    CoverageMatrixOut,
    CoverageOut,
    CoverageSummaryOut,
    GapOut,
    HealthOut,
    InfoOut,
    JobOut,
    JobsPage,
    RegistryChangeOut,
    SessionOut,
    SymbolFields,
    SymbolOut,
    SymbolsPage,
)
from chronox_presentation.bars import LiveBarOut

T = TypeVar("T")

Bound = date | datetime | str | None

_GAPS = TypeAdapter(list[GapOut])
_COVERAGE = TypeAdapter(list[CoverageOut])
_SESSIONS = TypeAdapter(list[SessionOut])
_JOBS = TypeAdapter(list[JobOut])


def bound_text(bound: Bound) -> str | None:
    """A range bound as the API takes it: ``YYYY-MM-DD``, or an instant in UTC."""
    if bound is None or isinstance(bound, str):
        return bound
    if isinstance(bound, datetime):
        return iso_utc(bound)
    return bound.isoformat()


class ChronoxClient:
    """A synchronous client of one chronox API; thread-safe (one connection pool).

    Every call returns the API's response models, parsed, and raises the
    ``ChronoxError`` the API answered with (``NotFound``, ``InvalidInput``...), or
    ``SourceUnavailable`` when no whole answer came within the config's ``deadline``.
    Close it (or use it as a context manager) to release its connections and its thread.

    The calls block; each runs as a coroutine of an async httpx client on the client's
    own loop (:mod:`chronox_adapters.chronox_api.runner`), under ``asyncio.timeout``:
    that is what bounds a call in all, an answer trickling in included."""

    def __init__(
        self,
        config: ChronoxApiConfig | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config or ChronoxApiConfig()
        headers = {"Authorization": f"Bearer {self.config.token}"} if self.config.token else {}
        self._http = httpx.AsyncClient(
            base_url=self.config.base_url,
            headers=headers,
            timeout=httpx.Timeout(self.config.read_timeout, connect=self.config.connect_timeout),
            transport=transport,
        )
        self._runner = Runner()

    def __repr__(self) -> str:
        return f"ChronoxClient({self.config!r})"

    def close(self) -> None:
        self._runner.close(self._http.aclose())

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # -- status

    def health(self) -> HealthOut:
        return HealthOut.model_validate_json(self._call("GET", "/health").content)

    def info(self) -> InfoOut:
        return InfoOut.model_validate_json(self._call("GET", "/info").content)

    def metrics(self) -> str:
        """The server's counters in the Prometheus text format."""
        return self._call("GET", "/metrics").text

    # -- the registry

    def symbols(
        self, *, active: bool = False, limit: int | None = None, cursor: str | None = None
    ) -> SymbolsPage:
        """One page of the registry, by symbol; pass its ``next_cursor`` for the next."""
        params = _params(active=active or None, limit=limit, cursor=cursor)
        return SymbolsPage.model_validate_json(self._call("GET", "/symbols", params).content)

    def all_symbols(self, *, active: bool = False, limit: int | None = None) -> Iterator[SymbolOut]:
        """Every registry entry, page after page."""
        return _every(
            lambda cursor: self.symbols(active=active, limit=limit, cursor=cursor),
            lambda page: page.symbols,
        )

    def symbol(self, symbol: str) -> SymbolOut:
        return SymbolOut.model_validate_json(self._call("GET", f"/symbols/{symbol}").content)

    def add_symbol(
        self,
        symbol: str,
        timeframes: Iterable[str] = ("1m",),
        session: str = "rth",
        *,
        active: bool = True,
        follow_renames: bool = True,
    ) -> SymbolOut:
        body = {
            "symbol": symbol,
            "timeframes": list(timeframes),
            "session": session,
            "active": active,
            "follow_renames": follow_renames,
        }
        return SymbolOut.model_validate_json(self._call("POST", "/symbols", json=body).content)

    def import_symbols(self, entries: Iterable[SymbolFields | str]) -> RegistryChangeOut:
        """Register many symbols in one write (``PATCH /symbols``); a plain string
        takes every default (1m, rth, active, following renames). All or none: the
        server refuses the whole body when one entry is bad."""
        body = {
            "symbols": [
                {"symbol": entry}
                if isinstance(entry, str)
                else entry.model_dump(mode="json", exclude_defaults=True) | {"symbol": entry.symbol}
                for entry in entries
            ]
        }
        answer = self._call("PATCH", "/symbols", json=body)
        return RegistryChangeOut.model_validate_json(answer.content)

    def remove_symbol(self, symbol: str) -> None:
        self._call("DELETE", f"/symbols/{symbol}")

    # -- bars

    def bars(
        self,
        symbol: str,
        timeframe: str = "1m",
        start: Bound = None,
        end: Bound = None,
        *,
        limit: int | None = None,
        cursor: str | None = None,
        adjust: str = "splits",
    ) -> BarsPage:
        """One page of bars; its ``next_cursor`` (None on the last page) asks for the next.
        ``adjust``: the price basis, ``splits`` (the default), ``none`` or ``all``; the
        page's ``adjust`` says which it is on."""
        params = _params(
            timeframe=timeframe,
            start=bound_text(start),
            end=bound_text(end),
            limit=limit,
            cursor=cursor,
            adjust=adjust,
        )
        return BarsPage.model_validate_json(self._call("GET", f"/bars/{symbol}", params).content)

    def bar_pages(
        self,
        symbol: str,
        timeframe: str = "1m",
        start: Bound = None,
        end: Bound = None,
        *,
        limit: int | None = None,
        adjust: str = "splits",
    ) -> Iterator[BarsPage]:
        """Every page of bars from ``start`` to ``end``, fetched as they are read."""
        cursor: str | None = None
        while True:
            page = self.bars(
                symbol, timeframe, start, end, limit=limit, cursor=cursor, adjust=adjust
            )
            yield page
            if page.next_cursor is None:
                return
            cursor = page.next_cursor

    def bars_csv(
        self,
        symbol: str,
        timeframe: str = "1m",
        start: Bound = None,
        end: Bound = None,
        *,
        adjust: str = "splits",
    ) -> Iterator[str]:
        """The bars as CSV text (a header line first), streamed in chunks of any length:
        a range of any size without holding it in memory. The stream's first answer has
        the call's deadline; a range of any size has no total one, each chunk the read
        timeout."""
        params = _params(
            timeframe=timeframe,
            start=bound_text(start),
            end=bound_text(end),
            format="csv",
            adjust=adjust,
        )
        response = self._runner.run(self._opened(f"/bars/{symbol}", params))
        try:
            chunks = response.aiter_text()
            while (chunk := self._runner.run(self._next_chunk(chunks))) is not None:
                yield chunk
        finally:
            self._runner.run(response.aclose())

    # -- coverage and the calendar

    def gaps(
        self,
        symbol: str,
        timeframe: str = "1m",
        start: Bound = None,
        end: Bound = None,
        *,
        session: str = "rth",
        holes: bool = False,
    ) -> list[GapOut]:
        """Gap windows, sorted by start; with ``holes``, also covered slots without a bar
        and windows answered empty only once."""
        params = _params(
            timeframe=timeframe,
            start=bound_text(start),
            end=bound_text(end),
            session=session,
            holes=holes or None,
        )
        return _GAPS.validate_json(self._call("GET", f"/gaps/{symbol}", params).content)

    def coverage(self, symbol: str, timeframe: str = "1m") -> list[CoverageOut]:
        params = _params(timeframe=timeframe)
        return _COVERAGE.validate_json(self._call("GET", f"/coverage/{symbol}", params).content)

    def coverage_summary(
        self,
        symbol: str,
        timeframe: str = "1m",
        start: Bound = None,
        end: Bound = None,
        *,
        session: str = "rth",
    ) -> CoverageSummaryOut:
        """How many expected slots of the range the ledger accounts for, and the %."""
        params = _params(
            timeframe=timeframe, start=bound_text(start), end=bound_text(end), session=session
        )
        answer = self._call("GET", f"/coverage/{symbol}/summary", params)
        return CoverageSummaryOut.model_validate_json(answer.content)

    def coverage_matrix(
        self,
        timeframe: str = "1m",
        *,
        session: str = "rth",
        sessions: int | None = None,
        start: date | str | None = None,
        end: date | str | None = None,
        prefix: str | None = None,
        rows: str | None = None,
        cells: bool = True,
    ) -> CoverageMatrixOut:
        """Registry symbols x trading sessions, a state per cell: the last ``sessions``
        (the API's default: 20) up to today, or ``start`` to ``end``; only the symbols
        starting with ``prefix`` when given. ``rows="session"``: the symbols registered
        for ``session`` whatever their timeframes (the API's default: those registered
        for ``timeframe``). ``cells=False``: each row's counts alone (``covered`` of
        ``owed`` slots, ``complete``), over up to 2,600 sessions, no bar read."""
        params = _params(
            timeframe=timeframe,
            session=session,
            sessions=sessions,
            start=bound_text(start),
            end=bound_text(end),
            prefix=prefix,
            rows=rows,
            cells=None if cells else "false",
        )
        answer = self._call("GET", "/coverage/matrix", params)
        return CoverageMatrixOut.model_validate_json(answer.content)

    def sessions(
        self, start: Bound = None, end: Bound = None, *, session: str = "rth"
    ) -> list[SessionOut]:
        """The exchange's sessions dated ``start``..``end`` (inclusive)."""
        params = _params(start=bound_text(start), end=bound_text(end), session=session)
        return _SESSIONS.validate_json(self._call("GET", "/sessions", params).content)

    # -- backfill jobs

    def backfill(
        self, symbols: Iterable[str] = (), start: Bound = None, end: Bound = None
    ) -> list[JobOut]:
        """Queue one backfill job per symbol (none named: every active one)."""
        body = {"symbols": list(symbols), "start": bound_text(start), "end": bound_text(end)}
        return _JOBS.validate_json(self._call("POST", "/backfill", json=body).content)

    def jobs(self, *, limit: int | None = None, cursor: str | None = None) -> JobsPage:
        """One page of jobs, newest first."""
        params = _params(limit=limit, cursor=cursor)
        return JobsPage.model_validate_json(self._call("GET", "/jobs", params).content)

    def all_jobs(self, *, limit: int | None = None) -> Iterator[JobOut]:
        return _every(lambda cursor: self.jobs(limit=limit, cursor=cursor), lambda page: page.jobs)

    def job(self, job_id: str) -> JobOut:
        return JobOut.model_validate_json(self._call("GET", f"/jobs/{job_id}").content)

    def cancel_job(self, job_id: str) -> JobOut:
        return JobOut.model_validate_json(self._call("DELETE", f"/jobs/{job_id}").content)

    # -- corporate actions

    def actions(self, symbol: str) -> ActionsOut:
        """The corporate actions stored of ``symbol`` (``ActionsNotSynced``, a
        ``NotFound``, when none were synced)."""
        return ActionsOut.model_validate_json(self._call("GET", f"/actions/{symbol}").content)

    def sync_actions(self, symbols: Iterable[str] = (), *, force: bool = False) -> ActionsSyncOut:
        """Fetch the corporate actions of ``symbols`` (none: every active registry symbol)
        from the vendor, those fetched today only when ``force``; answered when done."""
        body = {"symbols": list(symbols), "force": force}
        answer = self._call("POST", "/actions/sync", json=body)
        return ActionsSyncOut.model_validate_json(answer.content)

    # -- live bars

    def subscribe(
        self,
        symbols: Iterable[str],
        timeframe: str = "1m",
        replay: int = 0,
        *,
        adjust: str = "splits",
    ) -> AsyncGenerator[LiveBarOut, None]:
        """Live bars over ``/ws/bars``, the replay read on the price basis ``adjust``
        (see :func:`chronox_adapters.chronox_api.live.subscribe`)."""
        from chronox_adapters.chronox_api.live import subscribe  # websockets: lazily

        return subscribe(self.config, symbols, timeframe, replay, adjust)

    # -- the plumbing

    def _call(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        json: Any = None,
    ) -> httpx.Response:
        return self._runner.run(self._request(method, path, params, json))

    async def _request(
        self, method: str, path: str, params: Mapping[str, Any] | None, json: Any
    ) -> httpx.Response:
        try:
            with self._guarded():
                async with asyncio.timeout(self.config.deadline):
                    response = await self._http.request(method, path, params=params, json=json)
        except TimeoutError:
            raise self._late(f"{method} {path}") from None
        if response.is_error:
            raise answer_error(response, self.config.secrets())
        return response

    async def _opened(self, path: str, params: Mapping[str, Any]) -> httpx.Response:
        """A streamed answer, its status and headers read (an error's body too)."""
        request = self._http.build_request("GET", path, params=params)
        try:
            with self._guarded():
                async with asyncio.timeout(self.config.deadline):
                    response = await self._http.send(request, stream=True)
                    if response.is_error:
                        try:
                            await response.aread()
                        finally:
                            await response.aclose()
                        raise answer_error(response, self.config.secrets())
        except TimeoutError:
            raise self._late(f"GET {path}") from None
        return response

    async def _next_chunk(self, chunks: AsyncIterator[str]) -> str | None:
        """The stream's next chunk; None at its end."""
        with self._guarded():
            return await anext(chunks, None)

    def _late(self, what: str) -> SourceUnavailable:
        return late_error(self.config.base_url, self.config.deadline, what, self.config.secrets())

    def _guarded(self) -> _Guard:
        return _Guard(self.config)


class _Guard:
    """Turns httpx's transport errors into one-line ``SourceUnavailable``s."""

    def __init__(self, config: ChronoxApiConfig) -> None:
        self._config = config

    def __enter__(self) -> None:
        return None

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if isinstance(error, httpx.HTTPError) and not isinstance(error, httpx.HTTPStatusError):
            raise transport_error(error, self._config.base_url, self._config.secrets()) from None


def _params(**values: Any) -> dict[str, Any]:
    """The query parameters that are set (booleans as the API reads them)."""
    return {
        name: ("true" if value is True else value)
        for name, value in values.items()
        if value is not None
    }


class _Page(Protocol):
    @property
    def next_cursor(self) -> str | None: ...


P = TypeVar("P", bound=_Page)


def _every(fetch: Callable[[str | None], P], items: Callable[[P], list[T]]) -> Iterator[T]:
    cursor: str | None = None
    while True:
        page = fetch(cursor)
        yield from items(page)
        if page.next_cursor is None:
            return
        cursor = page.next_cursor
