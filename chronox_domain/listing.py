"""The listing period as the gap logic reads it: one rule, applied here only.

A session is expected of a symbol when its date lies inside the symbol's listing period
(:meth:`ListingPeriod.trades_on`: on or after ``listed``, before ``delisted``). Sessions
outside it can never hold a bar of that ticker, so they are neither gaps nor requested;
``gaps --holes`` shows them as ``unlisted``. A symbol whose listing is unknown (never
fetched, or the vendor gave no dates) expects every session: without the vendor's word,
chronox asks rather than guesses.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence

from chronox_domain.actions import ListingPeriod
from chronox_domain.ports import CorporateActionStore, SymbolRegistry
from chronox_domain.ranges import ResolvedRange
from chronox_domain.renames import company_listing, follows_renames


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
    ``CorporateActions.listing`` as last fetched, in one bulk read; a renamed company's
    as :func:`company_listing` reads it (``registry``: whose entries say which symbols
    keep to their literal ticker; looked up for renamed symbols only, a few)."""

    def __init__(
        self, actions: CorporateActionStore, registry: SymbolRegistry | None = None
    ) -> None:
        self._actions = actions
        self._registry = registry

    def listings(
        self, symbols: Sequence[str], literal: Collection[str] = ()
    ) -> Mapping[str, ListingPeriod]:
        bundles = self._actions.actions_for(list(symbols))
        found: dict[str, ListingPeriod] = {}
        for symbol, bundle in bundles.items():
            listing = bundle.listing
            if bundle.ticker_changes:
                follow = symbol not in literal and follows_renames(self._registry, symbol)
                listing = company_listing(listing, bundle.ticker_changes, follow)
            if listing is not None:
                found[symbol] = listing
        return found


__all__ = ["StoredListings", "listed_range"]
