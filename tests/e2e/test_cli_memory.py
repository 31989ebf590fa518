"""``chronox-cli bars`` streams in bounded memory in every format: a long range costs the
command one chunk of bars at a time, not the range (the JSON document was built whole,
and the table's rows were all held to size its columns).

The command runs in-process, its output dropped as it is written (capturing it would be
the reader's memory, not the command's), and Python's allocations are traced."""

from __future__ import annotations

import contextlib
import io
import json
import tracemalloc
from collections.abc import Iterator
from datetime import date

import pytest

from chronox_domain.services.ingestion import IngestRequest
from chronox_entrypoints.cli.main import main
from chronox_entrypoints.container import Container
from chronox_entrypoints.settings import Settings

#: Six months of regular-hours minute bars, some 49,000.
FIRST, LAST = date(2024, 1, 2), date(2024, 6, 28)
#: What one command may allocate at its peak, whatever the range.
BOUND = 12_000_000
RANGE = ["--start", str(FIRST), "--end", str(LAST)]


class Dropped(io.TextIOBase):
    """A stdout that keeps only the size, the first and the last characters written."""

    def __init__(self) -> None:
        self.length = 0
        self.head = ""
        self.tail = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        if len(self.head) < 2_000:
            self.head += text[:2_000]
        self.tail = (self.tail + text)[-2_000:]
        self.length += len(text)
        return len(text)


@pytest.fixture(scope="module")
def container(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Container]:
    store = f"sqlite:///{tmp_path_factory.mktemp('memory') / 'store.sqlite3'}"
    built = Container(settings=Settings(store=store, redis_url=""))
    built.ingestion().ingest(IngestRequest(("SPY",), start=FIRST, end=LAST))
    built.shutdown_resources()
    STORE[:] = [store]
    for fmt in ("csv", "json", "table"):  # imports and caches are not the answer's memory
        run(built, "bars", "SPY", "--start", str(LAST), "--end", str(LAST), "--format", fmt)
    yield built
    built.shutdown_resources()


#: The module's store (the command reads its settings from its options).
STORE: list[str] = []


def run(container: Container, *args: str, out: io.TextIOBase | None = None) -> Dropped:
    sink = Dropped() if out is None else out
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(io.StringIO()):
        main([*args, "--store", STORE[0]], container=container)
    return sink  # type: ignore[return-value]


def peak(container: Container, *args: str) -> tuple[int, Dropped]:
    tracemalloc.start()
    try:
        held = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        out = run(container, *args)
        return tracemalloc.get_traced_memory()[1] - held, out
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csv", "json", "table"])
def test_bars_streams_a_long_range_in_bounded_memory(container: Container, fmt: str) -> None:
    used, out = peak(container, "bars", "SPY", *RANGE, "--format", fmt)
    assert out.length > 3_000_000  # the whole range was printed
    assert used < BOUND, f"{fmt}: {used / 1e6:.1f} MB at the peak"


def test_the_streamed_json_is_the_document_it_was(container: Container) -> None:
    """The fields of the model, in its order, indented as ``json.dumps`` indents."""
    text = _whole(container, "2024-01-02", "2024-01-03")
    document = json.loads(text)
    assert text == json.dumps(document, indent=2) + "\n"
    assert list(document) == [
        "symbol", "timeframe", "sources", "derived_from", "demo", "adjust", "bars"
    ]  # fmt: skip
    assert document["demo"] is True and 700 < len(document["bars"]) <= 2 * 390
    assert document["bars"][0]["start"] == "2024-01-02T14:30:00Z"


def test_an_empty_range_is_an_empty_list(container: Container) -> None:
    text = _whole(container, "2024-07-01", "2024-07-01")
    assert json.loads(text)["bars"] == []
    assert text == json.dumps(json.loads(text), indent=2) + "\n"


def _whole(container: Container, start: str, end: str) -> str:
    out = io.StringIO()
    run(container, "bars", "SPY", "--start", start, "--end", end, "--format", "json", out=out)
    return out.getvalue()
