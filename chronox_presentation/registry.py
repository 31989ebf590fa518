"""Registry entries."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StrictBool

from chronox_domain.registry import RegistryChange, SymbolEntry

TimeframeName = Literal["1m", "5m", "15m", "1h", "1d"]
SessionName = Literal["rth", "eth"]

#: ``parse_symbol``'s grammar in either case: a malformed ticker is refused (422) and
#: documented like any other malformed field.
SYMBOL_PATTERN = r"^[A-Za-z][A-Za-z0-9.-]{0,14}$"
Symbol = Annotated[str, Field(pattern=SYMBOL_PATTERN, examples=["SPY"])]


class SymbolFields(BaseModel):
    """A registry entry's fields, as the API takes them and every interface shows them."""

    symbol: Symbol
    timeframes: list[TimeframeName] = ["1m"]
    session: SessionName = "rth"
    active: StrictBool = True
    #: Ask the company's history before a ticker change of the ticker that traded then
    #: (FB's for META), stored under this symbol; false: only the literal ticker.
    follow_renames: StrictBool = True


class SymbolOut(SymbolFields):
    @classmethod
    def of(cls, entry: SymbolEntry) -> SymbolOut:
        return cls(
            symbol=entry.symbol,
            timeframes=[tf.value for tf in entry.timeframes],
            session=entry.session.value,
            active=entry.active,
            follow_renames=entry.follow_renames,
        )


class SymbolsPage(BaseModel):
    symbols: list[SymbolOut]
    next_cursor: str | None = Field(
        None, description="pass as `cursor` for the next page; null on the last page"
    )

    @classmethod
    def of(cls, entries: list[SymbolEntry], next_cursor: str | None) -> SymbolsPage:
        return cls(symbols=[SymbolOut.of(entry) for entry in entries], next_cursor=next_cursor)


class RegistryChangeOut(BaseModel):
    """What registering many symbols did: each given symbol is in exactly one of
    ``added``, ``updated`` and ``already_present``; ``symbols`` are their entries as
    registered now, in the order given."""

    symbols: list[SymbolOut]

    added: list[str] = Field(description="new to the registry")
    updated: list[str] = Field(description="registered before with other settings, replaced")
    already_present: list[str] = Field(description="registered exactly so already: untouched")

    @classmethod
    def of(cls, change: RegistryChange) -> RegistryChangeOut:
        return cls(
            symbols=[SymbolOut.of(entry) for entry in change.entries],
            added=list(change.added),
            updated=list(change.updated),
            already_present=list(change.unchanged),
        )
