"""The status presenter against a real API: health, the demo banner, counters parsed
from /metrics; an API that is gone; the feed judged against the sessions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chronox_adapters.chronox_api import ChronoxApiConfig, ChronoxClient
from chronox_entrypoints.gui.presenters import StatusPresenter
from chronox_entrypoints.gui.presenters.status import counter_total
from tests.served import free_port

pytestmark = pytest.mark.gui

METRICS = """# HELP chronox_vendor_requests_total attempts
chronox_vendor_requests_total{source="polygon",status="200"} 12.0
chronox_vendor_requests_total{source="polygon",status="429"} 3.0
chronox_vendor_requests_total{source="other",status="429"} 1.0
chronox_bars_rejected_total{source="polygon",timeframe="1m"} 7.0
chronox_bars_rejected_created{source="polygon",timeframe="1m"} 1.7e9
"""


def test_counters_are_summed_over_their_labels() -> None:
    assert counter_total(METRICS, "chronox_vendor_requests_total", status="429") == 4
    assert counter_total(METRICS, "chronox_vendor_requests_total") == 16
    assert counter_total(METRICS, "chronox_bars_rejected_total") == 7
    assert counter_total(METRICS, "chronox_missing_total") == 0


def test_a_synthetic_store_raises_the_demo_banner(client: ChronoxClient) -> None:
    report = StatusPresenter(client).refresh()
    assert report.api == "connected" and report.healthy and report.problem == ""
    assert report.banner.startswith("DEMO DATA") and "synthetic" in report.banner
    assert report.rejected_bars == 0 and report.vendor_429s == 0
    assert report.line.startswith("API connected · store ") and "\n" not in report.line


def test_an_api_that_is_gone_is_disconnected_in_one_line() -> None:
    config = ChronoxApiConfig(f"http://127.0.0.1:{free_port()}", connect_timeout=0.5)
    with ChronoxClient(config) as gone:
        report = StatusPresenter(gone).refresh()
    assert report.api == "disconnected" and report.line.startswith("API disconnected")
    assert report.problem and "\n" not in report.problem and "Traceback" not in report.problem


def test_the_feed_is_live_lagging_or_waiting_by_the_sessions(client: ChronoxClient) -> None:
    # Tuesday 2024-11-26, 11:00 New York (16:00 UTC): a session is open.
    moment = [datetime(2024, 11, 26, 16, 0, tzinfo=UTC)]
    status = StatusPresenter(client, now=lambda: moment[0])
    status.refresh()
    assert status.feed_text() == "disconnected"
    status.feed_state(connected=True)
    assert status.feed_text() == "connected, no bar yet"
    status.bar_arrived(moment[0] - timedelta(minutes=1))
    assert status.feed_text() == "live"
    status.bar_arrived(moment[0] - timedelta(minutes=10))
    assert status.feed_text() == "lagging: last bar 10 min ago"
    moment[0] = datetime(2024, 11, 27, 3, 0, tzinfo=UTC)  # 22:00 New York: closed
    assert status.feed_text() == "connected (market closed)"
