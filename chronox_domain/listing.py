"""The listing period as the gap logic reads it: one rule, applied here only.

A session is expected of a symbol when its date lies inside the symbol's listing period
(:meth:`ListingPeriod.trades_on`: on or after ``listed``, before ``delisted``). Sessions
outside it can never hold a bar of that ticker, so they are neither gaps nor requested;
``gaps --holes`` shows them as ``unlisted``. A symbol whose listing is unknown (never
fetched, or the vendor gave no dates) expects every session: without the vendor's word,
chronox asks rather than guesses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from chronox_domain.actions import ListingPeriod
from chronox_domain.ports import CorporateActionStore
from chronox_domain.ranges import ResolvedRange


def listed_range(resolved: ResolvedRange, listing: ListingPeriod | None) -> ResolvedRange:
    """``resolved`` with only the sessions ``listing`` traded (its window unchanged);
    ``resolved`` itself when none is cut, so callers can keep what they derived of it."""
    if listing is None:
        return resolved
    sessions = [session for session in resolved.sessions if listing.trades_on(session.date)]
    if len(sessions) == len(resolved.sessions):
        return resolved
    return ResolvedRange(resolved.window, sessions)


class StoredListings:
    """``Listings`` read from the corporate actions in the store: each symbol's
    ``CorporateActions.listing`` as last fetched, in one bulk read."""

    def __init__(self, actions: CorporateActionStore) -> None:
        self._actions = actions

    def listings(self, symbols: Sequence[str]) -> Mapping[str, ListingPeriod]:
        bundles = self._actions.actions_for(list(symbols))
        known = ((symbol, bundle.listing) for symbol, bundle in bundles.items())
        return {symbol: listing for symbol, listing in known if listing is not None}


__all__ = ["StoredListings", "listed_range"]
