"""A bar dataset's manifest, ``DIR/_chronox_manifest.json``, and what it proves: that
``DIR`` is the dataset's own, the one kind of non-empty directory an export writes in.

The manifest maps each partition key to the fingerprint its export computed and to what
the file written holds: ``rows``, ``bytes`` and ``sha256``. An export written before
checksums existed recorded the fingerprint and rows only; it is still a valid manifest
(format 1 either way: the new fields are additions an older reader ignores).

The manifest also records the dataset's price basis (``basis``: ``none``, ``splits`` or
``all``), set when the dataset is made; an export on another basis is refused, so one
dataset never mixes two. A manifest without one was written before bases were recorded,
when chronox stored and exported the vendor's split-adjusted bars: its basis is
``splits`` (:data:`UNRECORDED_BASIS`), recorded as such by the next export into it.

An export writes only in its own dataset or in a new or empty directory. It refuses a
non-empty directory without a valid manifest (someone's files, or a dataset whose
manifest was lost: nothing proves which files are ours), a directory inside another
dataset (its files would be read twice by a glob of the outer one) and one holding
another dataset (the same, the other way round).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chronox_adapters.frames.atomic import replacing
from chronox_domain.errors import InvalidInput

MANIFEST = "_chronox_manifest.json"
FORMAT = 1
#: The basis of a dataset whose manifest records none (see above).
UNRECORDED_BASIS = "splits"
#: How deep a directory that is not a dataset is searched for one (a dataset's files
#: lie three levels down): enough to name it, without walking all of someone's disk.
_SEARCHED = 4


def empty(basis: str | None = None) -> dict[str, Any]:
    """A manifest of no partition, on ``basis`` (None: not decided yet)."""
    made: dict[str, Any] = {"format": FORMAT, "partitions": {}}
    if basis is not None:
        made["basis"] = basis
    return made


def basis_of(manifest: dict[str, Any]) -> str:
    """The price basis of the dataset ``manifest`` describes."""
    recorded = manifest.get("basis")
    return recorded if isinstance(recorded, str) else UNRECORDED_BASIS


def refuse_another_basis(root: Path, manifest: dict[str, Any], basis: str) -> None:
    """Raise ``InvalidInput``, in one line saying how to proceed, unless the dataset of
    ``manifest`` at ``root`` is on ``basis``."""
    held = basis_of(manifest)
    if held == basis:
        return
    unrecorded = (
        " (exported before datasets recorded their basis, when chronox exported the "
        "vendor's split-adjusted prices)"
        if "basis" not in manifest
        else ""
    )
    raise InvalidInput(
        f"{root} is a dataset of prices on the {held!r} basis{unrecorded}, not {basis!r}: "
        f"one dataset never mixes two; export to another directory, or into this one with "
        f"--adjust {held}"
    )


def load(root: Path) -> dict[str, Any]:
    """The manifest of the dataset at ``root``; an empty one when there is none yet.
    ``InvalidInput`` when it is unreadable or not a chronox manifest."""
    try:
        found = json.loads((root / MANIFEST).read_text())
    except FileNotFoundError:
        return empty()
    except (OSError, ValueError):
        found = None
    if isinstance(found, dict) and isinstance(found.get("partitions"), dict):
        return found
    raise InvalidInput(
        f"{root}'s {MANIFEST} is unreadable or not a chronox manifest, so nothing proves "
        f"{root} is a dataset: export to a new directory, or delete {root} and export again"
    )


def save(root: Path, manifest: dict[str, Any]) -> None:
    """Replace the manifest whole (see :func:`replacing`)."""
    with replacing(root / MANIFEST) as temporary:
        temporary.write_text(json.dumps(manifest, indent=1, sort_keys=True))


def refuse_unless_ours(root: Path) -> None:
    """Raise ``InvalidInput``, in one line saying how to proceed, unless an export may
    write in ``root``: a dataset (a valid manifest) holding no other, or a directory new
    or empty, and in either case not inside another dataset. Reads only."""
    refuse_inside_a_dataset(root)
    if not root.exists():
        return
    if (root / MANIFEST).exists():
        load(root)
        nested = _nested_dataset(root, depth=None)
        if nested is not None:
            raise InvalidInput(
                f"{root} holds the chronox dataset at {nested}: one dataset may not hold "
                "another (a glob would read its bars twice); move it out and export again"
            )
        return
    if not any(root.iterdir()):
        return
    raise InvalidInput(_not_a_dataset(root))


def refuse_inside_a_dataset(root: Path) -> None:
    for parent in root.resolve().parents:
        if (parent / MANIFEST).exists():
            raise InvalidInput(
                f"{root} is inside the chronox dataset at {parent}: export to a directory "
                "of its own, outside any dataset"
            )


def _not_a_dataset(root: Path) -> str:
    nested = _nested_dataset(root, depth=_SEARCHED)
    if nested is not None:
        return (
            f"{root} holds the chronox dataset at {nested} and is not one itself: export "
            "to a new or empty directory, or re-export into that dataset itself"
        )
    if any(root.glob("timeframe=*/symbol=*/year=*")):
        return (
            f"{root} looks like a chronox dataset but its manifest {MANIFEST} is missing, "
            f"so nothing proves which files are ours: export to a new directory, or delete "
            f"{root} and export again"
        )
    return (
        f"{root} is not empty and is not a chronox dataset (no {MANIFEST}): export to a "
        "new or empty directory"
    )


def _nested_dataset(root: Path, depth: int | None) -> Path | None:
    """The first directory below ``root`` (``depth`` levels at most) with a manifest."""
    level = [root]
    while level and (depth is None or depth > 0):
        level = sorted(child for parent in level for child in _subdirectories(parent))
        for directory in level:
            if _holds_manifest(directory):
                return directory
        depth = None if depth is None else depth - 1
    return None


def _subdirectories(parent: Path) -> list[Path]:
    """``parent``'s directories, links left out. One this process may not read (``/proc``'s
    of other processes, say) is passed over: no export of ours could be in it, and no
    glob of the user's would read one there either."""
    try:
        children = list(parent.iterdir())
    except OSError:
        return []
    return [child for child in children if _plain_directory(child)]


def _plain_directory(path: Path) -> bool:
    try:
        return path.is_dir() and not path.is_symlink()
    except OSError:  # is_dir lets a refused stat through (PermissionError)
        return False


def _holds_manifest(directory: Path) -> bool:
    try:
        return (directory / MANIFEST).exists()
    except OSError:  # a directory we may list but not look into
        return False
