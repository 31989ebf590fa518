"""A day file job's spec: one session and a timeframe, carried as text by a queue."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from chronox_domain import Timeframe
from chronox_domain.errors import InvalidInput
from chronox_domain.jobs import JobKind, JobSpec


def test_a_day_file_job_reads_back_as_written() -> None:
    for symbols in ((), ("BRK.A", "KIMpL")):
        spec = JobSpec.day_file(date(2024, 1, 3), Timeframe.M5, symbols)
        assert JobSpec.from_payload(spec.to_payload()) == spec
    assert spec.label == "day file 2024-01-03 5m (BRK.A,KIMpL)"


def test_a_record_written_before_day_file_jobs_is_a_backfill() -> None:
    spec = JobSpec.from_payload({"symbols": "SPY", "start": "2024-01-03", "end": ""})
    assert spec == JobSpec(("SPY",), date(2024, 1, 3), None)
    assert spec.kind is JobKind.BACKFILL and spec.label == "SPY"


@pytest.mark.parametrize(
    ("payload", "why"),
    [
        ({"kind": "nightly"}, "kind 'nightly' is not one of backfill, day_file"),
        ({"kind": "day_file", "timeframe": ""}, "names one session"),
        ({"kind": "day_file", "timeframe": "1m", "end": "2024-01-04"}, "names one session"),
        ({"kind": "day_file", "timeframe": "1M"}, "unknown timeframe '1M'"),
    ],
)
def test_a_malformed_day_file_job_is_refused_in_one_line(payload: dict[str, str], why: str) -> None:
    record = {"symbols": "", "start": "2024-01-03", "end": "2024-01-03", **payload}
    with pytest.raises(InvalidInput, match=r"^malformed job payload: ") as refused:
        JobSpec.from_payload(record)
    assert why in str(refused.value) and "\n" not in str(refused.value)


def test_a_day_file_job_names_a_date_not_an_instant() -> None:
    with pytest.raises(InvalidInput):
        JobSpec(
            ("SPY",), datetime(2024, 1, 3), datetime(2024, 1, 3), JobKind.DAY_FILE, Timeframe.M1
        )
