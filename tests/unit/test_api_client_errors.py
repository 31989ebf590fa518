"""The client's mapping of the API's ``{"error", "detail"}`` answers back into the
``ChronoxError`` hierarchy, status by status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from chronox_adapters.chronox_api import answer_error
from chronox_domain import errors


def answer(status: int, code: str, detail: str) -> httpx.Response:
    return httpx.Response(status, json={"error": code, "detail": detail})


@pytest.mark.parametrize(
    ("status", "code", "kind"),
    [
        (400, "invalid_range", errors.InvalidRange),
        (400, "invalid_symbol", errors.InvalidSymbol),
        (400, "invalid_timeframe", errors.InvalidTimeframe),
        (400, "malformed_data", errors.MalformedData),
        (400, "invalid_input", errors.InvalidInput),
        (400, "something_new", errors.InvalidInput),
        (401, "unauthorized", errors.Unauthorized),
        (404, "not_found", errors.NotFound),
        (405, "method_not_allowed", errors.InvalidInput),
        (413, "payload_too_large", errors.InvalidInput),
        (422, "invalid_request", errors.InvalidInput),
        (503, "storage_unavailable", errors.StorageUnavailable),
        (503, "schema_mismatch", errors.SchemaMismatch),
        (503, "source_unavailable", errors.SourceUnavailable),
        (503, "rate_limited", errors.RateLimited),
        (503, "", errors.SourceUnavailable),
        (500, "internal", errors.SourceUnavailable),
    ],
)
def test_each_status_and_code(status: int, code: str, kind: type[errors.ChronoxError]) -> None:
    error = answer_error(answer(status, code, "what went wrong"))
    assert type(error) is kind
    assert "what went wrong" in str(error)


def test_an_unknown_symbol_and_a_source_mismatch_keep_their_fields() -> None:
    missing = answer_error(answer(404, "not_found", "ZZZ is not in the registry (add it ...)"))
    assert isinstance(missing, errors.NotRegistered) and missing.symbol == "ZZZ"
    original = errors.SourceMismatch("SPY", "1m", ("files", "polygon"), "synthetic")
    mismatch = answer_error(answer(409, "source_mismatch", str(original)))
    assert isinstance(mismatch, errors.SourceMismatch)
    assert (mismatch.symbol, mismatch.recorded, mismatch.asked) == (
        "SPY", ("files", "polygon"), "synthetic"
    )  # fmt: skip
    other = answer_error(answer(409, "source_mismatch", "some other wording"))
    assert isinstance(other, errors.SourceMismatch) and str(other) == "some other wording"


def test_an_answer_that_is_not_ours_is_quoted_in_one_short_line() -> None:
    proxy = httpx.Response(502, text="<html>Bad Gateway\n" + "x" * 500)
    error = answer_error(proxy)
    assert isinstance(error, errors.SourceUnavailable)
    assert len(str(error).splitlines()) == 1 and len(str(error)) < 260


def test_secrets_are_masked_in_what_is_quoted() -> None:
    error = answer_error(answer(400, "invalid_input", "bad tok-XYZ"), ("tok-XYZ",))
    assert "tok-XYZ" not in str(error)


def test_without_the_client_extra_the_import_says_what_to_install(tmp_path: Path) -> None:
    # httpx present but unimportable, as a missing extra looks to Python.
    (tmp_path / "httpx").mkdir()
    (tmp_path / "httpx" / "__init__.py").write_text('raise ImportError("no module named httpx")\n')
    done = subprocess.run(
        [sys.executable, "-c", "import chronox_adapters.chronox_api"],
        env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "needs the 'client' extra" in done.stderr
    assert "pip install 'chronox[client]'" in done.stderr
