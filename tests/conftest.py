"""Shared fixtures: the real XNYS calendar (built once), a fixed clock, memory stacks."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, settings

from chronox_adapters.calendars import ExchangeCalendar
from chronox_adapters.clock import FixedClock

# A fixed profile for CI (derandomized: the same examples every run) and a quicker,
# randomised one for local runs. CHRONOX_HYPOTHESIS_PROFILE picks one explicitly.
settings.register_profile(
    "ci",
    max_examples=300,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", max_examples=100, deadline=None)
settings.load_profile(
    os.environ.get("CHRONOX_HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
)

#: "Now" for tests: long after the 2024 days the examples use, so they are settled.
NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
SETTLE = timedelta(hours=1)


@pytest.fixture(scope="session")
def calendar() -> ExchangeCalendar:
    return ExchangeCalendar("XNYS")


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(NOW)
