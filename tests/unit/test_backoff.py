"""The one backoff policy every retrying adapter uses."""

from __future__ import annotations

from chronox_domain.backoff import Backoff, equal_jitter, full_jitter


def test_steps_double_up_to_the_cap() -> None:
    backoff = Backoff(base=0.5, cap=4.0, random_unit=lambda: 1.0)
    assert [backoff.delay(n) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 4.0, 4.0]


def test_a_long_outage_stays_at_the_cap() -> None:
    assert Backoff(base=0.1, cap=5.0, random_unit=lambda: 1.0).delay(10_000) == 5.0


def test_retry_after_is_a_floor_with_a_little_jitter_on_top() -> None:
    backoff = Backoff(base=1.0, cap=8.0, random_unit=lambda: 1.0)
    assert backoff.delay(3, retry_after=10.0) == 10.0 + 0.4
    assert backoff.delay(1, retry_after=-3.0) == 0.1


def test_equal_jitter_waits_at_least_half_the_step_and_full_jitter_at_most_all() -> None:
    equal = [equal_jitter() for _ in range(2_000)]
    full = [full_jitter() for _ in range(2_000)]
    assert min(equal) >= 0.5 and max(equal) < 1.0
    assert min(full) >= 0.0 and max(full) < 1.0 and min(full) < 0.5
