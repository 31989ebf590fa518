"""The REST source against answers of every shape, served as they are by a real HTTP
server on loopback: a page with an aggregate of the wrong shape is a source error at
once (asking again gives the same page), an error answer is a refusal whatever its
shape, and bars that break the invariants reach ingestion, which rejects and counts
them while the rest of the page is stored."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from chronox_adapters.polygon import PolygonConfig, PolygonRestSource
from chronox_domain import Interval, SessionKind, SourceUnavailable, Timeframe, WindowRefused
from chronox_domain.metrics import NullMetrics
from chronox_domain.services.ingestion import IngestRequest
from tests.conftest import Stack

pytestmark = pytest.mark.integration

KEY = "pk-test-0123456789"
DAY = date(2024, 11, 26)
OPEN = datetime(2024, 11, 26, 14, 30, tzinfo=UTC)
WINDOW = Interval(OPEN, datetime(2024, 11, 26, 14, 40, tzinfo=UTC))
T0 = int(OPEN.timestamp() * 1000)


def aggregate(minute: int, **changes: Any) -> dict[str, Any]:
    return {"v": 100, "vw": 10.1, "o": 10.0, "c": 10.2, "h": 10.3, "l": 9.9,
            "t": T0 + minute * 60_000, "n": 7, **changes}  # fmt: skip


class VendorRequests(NullMetrics):
    """The vendor requests counted, as (source, status, failed, retried)."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, bool, bool]] = []

    def vendor_request(self, source: str, status: str, failed: bool, retried: bool) -> None:
        self.seen.append((source, status, failed, retried))


class Canned:
    """A loopback server answering every GET with one status and body; counts requests."""

    def __init__(self) -> None:
        self.status, self.body, self.requests = 200, b"{}", 0
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                canned.requests += 1
                self.send_response(canned.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(canned.body)))
                self.end_headers()
                self.wfile.write(canned.body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base_url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def answer(self, body: dict[str, Any], status: int = 200) -> None:
        self.status, self.body = status, json.dumps(body).encode()


@pytest.fixture
def canned() -> Iterator[Canned]:
    server = Canned()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


def source(canned: Canned, metrics: NullMetrics | None = None) -> PolygonRestSource:
    config = PolygonConfig(KEY, base_url=canned.base_url, backoff_base=0.01, backoff_cap=0.02)
    return PolygonRestSource(config, sleep=lambda _: None, metrics=metrics or NullMetrics())


def test_an_aggregate_of_the_wrong_shape_is_a_source_error_said_once(canned: Canned) -> None:
    canned.answer({"status": "OK", "results": [aggregate(0), aggregate(1, t="soon")]})
    metrics = VendorRequests()
    with pytest.raises(SourceUnavailable, match=r"malformed page: .*`\$\.results\[1\]\.t`"):
        source(canned, metrics).fetch("SPY", Timeframe.M1, WINDOW)
    assert canned.requests == 1  # the same page would come again: not retried
    assert metrics.seen == [("polygon", "malformed", True, False)]


def test_an_error_answer_is_a_refusal_whatever_its_shape(canned: Canned) -> None:
    canned.answer({"status": "NOT_AUTHORIZED", "message": "plan", "results": "none"})
    with pytest.raises(WindowRefused, match="NOT_AUTHORIZED"):
        source(canned).fetch("SPY", Timeframe.M1, WINDOW)


def test_the_page_is_followed_and_kept_inside_the_window(canned: Canned) -> None:
    # Bars before and after the window are dropped; the rest come sorted.
    rows = [aggregate(m) for m in (-1, 3, 0, 1, 2, 10, 11)]
    canned.answer({"status": "OK", "adjusted": False, "results": rows})
    fetched = source(canned).fetch("SPY", Timeframe.M1, WINDOW)
    assert [bar.start.minute for bar in fetched.bars] == [30, 31, 32, 33]


def test_bars_that_break_the_invariants_are_rejected_and_counted(
    canned: Canned, stack: Stack
) -> None:
    rows = [aggregate(m) for m in range(10)]
    rows[3]["o"] = -10.0  # a negative open
    rows[6]["l"] = 10.25  # a low above the open and the close
    canned.answer({"status": "OK", "adjusted": False, "results": rows})
    app = stack(source=source(canned))
    request = IngestRequest(("SPY",), Timeframe.M1, SessionKind.RTH, DAY, DAY)
    report = app.ingestion().ingest(request)
    assert (report.bars_rejected, report.bars_written) == (2, 8)
    stored = app.repository().bar_starts("SPY", Timeframe.M1, WINDOW)
    assert [start.minute for start in stored] == [30, 31, 32, 34, 35, 37, 38, 39]
