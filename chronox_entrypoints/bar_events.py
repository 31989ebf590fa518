"""A bar event as JSON: one line of `watch --json`, one frame of `/ws/bars`."""

from __future__ import annotations

from chronox_domain.events import BarEvent
from chronox_presentation import BarEventOut


def event_fields(event: BarEvent) -> dict[str, object]:
    """The bar's fields (its start a UTC instant with a ``Z``), whether it is
    provisional, and its source: :class:`BarEventOut`, dumped."""
    return BarEventOut.of_event(event).model_dump(mode="json")
