"""Opening a bar file as CSV rows: plain or gzip, told by its magic bytes, not its name.

Files get renamed and vendors' downloads lose their ``.gz``; the first two bytes do
not lie. Every way reading can fail becomes one line that names the file: a missing or
unreadable file is :class:`InvalidInput`, bytes that are not gzip, UTF-8 or CSV are
:class:`MalformedData`.

Lines are read at most :data:`MAX_LINE` characters at a time. A text stream reads a
whole line before anyone can look at it, so without a bound a file with no line end
(``/dev/zero``, a gzip bomb, a binary file renamed ``.csv``) would take all the memory
there is before the first complaint.
"""

from __future__ import annotations

import csv
import gzip
import io
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from chronox_domain.errors import InvalidInput, MalformedData

if TYPE_CHECKING:
    from _csv import Reader as CsvReader

_GZIP_MAGIC = b"\x1f\x8b"

#: The longest line a bar file may have, line end included (a bar row is ~80 characters).
MAX_LINE = 64 * 1024


@contextmanager
def csv_rows(path: Path) -> Iterator[CsvReader]:
    """A ``csv.reader`` over ``path``; its ``line_num`` is the file's 1-based line number.

    The reader is only valid inside the ``with`` block, where read errors are translated.
    """
    try:
        raw = path.open("rb")
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None
    with raw:
        reader = None
        try:
            binary = gzip.GzipFile(fileobj=raw) if raw.peek(2)[:2] == _GZIP_MAGIC else raw
            # utf-8-sig: a spreadsheet's byte-order mark must not become part of "symbol".
            with io.TextIOWrapper(binary, encoding="utf-8-sig", newline="") as text:
                reader = csv.reader(_bounded_lines(text, path))
                yield reader
        except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
            raise MalformedData(f"{path}: corrupt gzip data ({exc})") from None
        except UnicodeDecodeError:
            raise MalformedData(f"{path}: not UTF-8 text") from None
        except csv.Error as exc:
            line = reader.line_num if reader is not None else 0
            raise MalformedData(f"{path}:{line}: {exc}") from None
        except OSError as exc:
            raise InvalidInput(f"cannot read {path}: {exc.strerror or exc}") from None


def _bounded_lines(text: io.TextIOWrapper, path: Path) -> Iterator[str]:
    """The lines of ``text``, refusing one longer than :data:`MAX_LINE` by its number."""
    readline = text.readline
    number = 0
    while line := readline(MAX_LINE + 1):
        number += 1
        if len(line) > MAX_LINE:
            raise MalformedData(
                f"{path}:{number}: line longer than {MAX_LINE // 1024} KiB; not a bar file?"
            )
        yield line
