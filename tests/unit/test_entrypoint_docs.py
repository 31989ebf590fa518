"""The entry points' own description matches what they are: the API and the monitor
landed; a docstring that says they come "later" costs the next reader trust."""

from __future__ import annotations

import chronox_entrypoints
import chronox_entrypoints.cli


def test_the_entry_points_docstring_names_what_exists_and_nothing_to_come() -> None:
    text = " ".join((chronox_entrypoints.__doc__ or "").split())
    assert "later" not in text and "not yet" not in text
    for piece in ("chronox-cli", "API", "monitor", "settings", "composition root"):
        assert piece in text, piece


def test_the_cli_package_says_what_it_is() -> None:
    assert "chronox-cli" in (chronox_entrypoints.cli.__doc__ or "")
