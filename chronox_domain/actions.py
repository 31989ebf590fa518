"""Corporate actions: what a company did to its shares, its ticker and its listing.

The store keeps bars as they traded; these actions say how to read them on another
basis (:mod:`chronox_domain.adjust`), which ticker traded when, and when the company
traded at all. They are the vendor's reference data, kept per symbol with when they were
fetched: splits (``GET /stocks/v1/splits``), cash dividends (``GET /stocks/v1/dividends``),
ticker changes (``GET /vX/reference/tickers/{id}/events``) and the listing period
(``GET /v3/reference/tickers/{ticker}``).

Conventions: dates are exchange (New York) calendar dates; ``fetched_at`` is
timezone-aware UTC; prices and amounts are in the listing's currency per share as it
traded then (the vendor's dividends are not split-adjusted); a ``symbol`` is the
registry's ticker, the company's current one.

"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from chronox_domain.errors import InvalidInput
from chronox_domain.refusals import described


class AdjustmentType(enum.Enum):
    """What kind of share event a split record is: the vendor's ``adjustment_type``.

    A forward split raises the share count (``split_to > split_from``), a reverse split
    lowers it, a stock dividend pays shares (priced like a forward split)."""

    FORWARD_SPLIT = "forward_split"
    REVERSE_SPLIT = "reverse_split"
    STOCK_DIVIDEND = "stock_dividend"

    @classmethod
    def parse(cls, text: object) -> AdjustmentType:
        """One of the vendor's values exactly; any other value is :class:`InvalidInput`."""
        if isinstance(text, AdjustmentType):
            return text
        if isinstance(text, str) and text in _ADJUSTMENT_TYPES:
            return cls(text)
        raise InvalidInput(
            f"unknown adjustment type {described(text)} "
            f"(choose from {', '.join(_ADJUSTMENT_TYPES)})"
        )

    def __str__(self) -> str:
        return self.value


_ADJUSTMENT_TYPES = tuple(kind.value for kind in AdjustmentType)


class PriceBasis(enum.Enum):
    """The basis a read returns prices on.

    ``none``: as traded. ``splits``: every earlier price on today's share basis (prices
    divided and volume multiplied by the ratios of later splits). ``all``: splits and
    cash dividends back-adjusted, a total-return series."""

    NONE = "none"
    SPLITS = "splits"
    ALL = "all"

    @classmethod
    def parse(cls, text: object) -> PriceBasis:
        """Exactly ``none``, ``splits`` or ``all``; a PriceBasis is itself; any other
        value (another case, another type) is refused as :class:`InvalidInput`."""
        if isinstance(text, PriceBasis):
            return text
        if isinstance(text, str) and text in _BASES:
            return cls(text)
        raise InvalidInput(
            f"unknown price basis {described(text)} (choose from {', '.join(_BASES)})"
        )

    def __str__(self) -> str:
        return self.value


_BASES = tuple(basis.value for basis in PriceBasis)
#: The basis a read uses when none is named: the vendor's own default.
DEFAULT_BASIS = PriceBasis.SPLITS


@dataclass(frozen=True, slots=True)
class StockSplit:
    """A split (or stock dividend) of ``symbol``: ``split_from`` shares became
    ``split_to`` on ``execution_date``.

    ``execution_date`` is the first session on the new basis, pre-market included (the
    vendor: "On the execution date, all trading is already adjusted for the split").
    ``historical_adjustment_factor`` is the vendor's "Cumulative adjustment factor used
    to offset split effects on historical prices": the product of ``split_from /
    split_to`` over this split and every later one (1/56 for AAPL's 2:1 of 2005 as of
    2026), kept as given (None when not given). chronox computes split factors from the
    ratios, so this is a record to check against, not an input."""

    symbol: str
    execution_date: date
    split_from: float
    split_to: float
    adjustment_type: AdjustmentType
    historical_adjustment_factor: float | None
    fetched_at: datetime

    def __post_init__(self) -> None:
        for name in ("split_from", "split_to"):
            _require_positive(self, name, getattr(self, name))
        _require_factor(self, self.historical_adjustment_factor)
        _require_utc(self, self.fetched_at)

    @property
    def ratio(self) -> float:
        """Shares after per share before (2.0 for a 2-for-1, 0.1 for a 1-for-10): what
        earlier prices are divided by, and earlier volumes multiplied by."""
        return self.split_to / self.split_from


@dataclass(frozen=True, slots=True)
class CashDividend:
    """A cash dividend of ``cash_amount`` per share (``currency``, not split-adjusted)
    that ``symbol`` began trading without on ``ex_dividend_date``.

    ``distribution_type`` (recurring, special, ...) and ``frequency`` (the payments a
    year, ``"0"`` for one-off) are the vendor's values as text. The vendor's
    ``historical_adjustment_factor`` is cumulative like a split's: prices before the
    ex-date times it offset this dividend and every later one (None when not given:
    :mod:`chronox_domain.adjust` then derives this dividend's own factor from the close
    before the ex-date)."""

    symbol: str
    ex_dividend_date: date
    cash_amount: float
    currency: str
    fetched_at: datetime
    record_date: date | None = None
    pay_date: date | None = None
    declaration_date: date | None = None
    distribution_type: str | None = None
    frequency: str | None = None
    historical_adjustment_factor: float | None = None

    def __post_init__(self) -> None:
        _require_positive(self, "cash_amount", self.cash_amount)
        _require_factor(self, self.historical_adjustment_factor)
        _require_utc(self, self.fetched_at)


@dataclass(frozen=True, slots=True)
class TickerChange:
    """The company that ``symbol`` names (its current ticker) traded as ``old_ticker``
    until the session before ``effective``, and as ``new_ticker`` from ``effective`` on
    (FB to META on 2022-06-09)."""

    symbol: str
    old_ticker: str
    new_ticker: str
    effective: date
    fetched_at: datetime

    def __post_init__(self) -> None:
        _require_utc(self, self.fetched_at)


@dataclass(frozen=True, slots=True)
class ListingPeriod:
    """When ``symbol`` traded, from the vendor's ticker overview.

    ``listed`` is the first session (``list_date``; None when unknown), ``delisted``
    the first date after the last session (None while listed): no session from that
    date on is expected to trade. The vendor's ``delisted_utc`` is "the last date that
    the asset was traded" (its ticker overview's schema), so the adapter gives the day
    after it. ``active`` is the vendor's flag, kept as given."""

    symbol: str
    listed: date | None
    delisted: date | None
    active: bool
    fetched_at: datetime

    def __post_init__(self) -> None:
        listed, delisted = self.listed, self.delisted
        if listed is not None and delisted is not None and delisted < listed:
            raise InvalidInput(f"{self.symbol} delisted {delisted} before it listed {listed}")
        _require_utc(self, self.fetched_at)

    def trades_on(self, day: date) -> bool:
        """Whether a session of ``day`` lies inside the listing period."""
        after_listing = self.listed is None or day >= self.listed
        before_delisting = self.delisted is None or day < self.delisted
        return after_listing and before_delisting


@dataclass(frozen=True, slots=True)
class CorporateActions:
    """Every action known of one ``symbol``, as fetched at ``fetched_at``.

    Each tuple is sorted by its date (splits by execution, dividends by ex-date,
    ticker changes by effective date) whatever order it was given in, so two bundles
    of the same actions compare equal. ``fetched_at`` is None for a symbol whose actions
    were never fetched (:meth:`unknown`): no actions known, not "no actions"."""

    symbol: str
    splits: tuple[StockSplit, ...] = ()
    dividends: tuple[CashDividend, ...] = ()
    ticker_changes: tuple[TickerChange, ...] = ()
    listing: ListingPeriod | None = None
    fetched_at: datetime | None = field(default=None)

    def __post_init__(self) -> None:
        splits = tuple(sorted(self.splits, key=lambda s: s.execution_date))
        dividends = tuple(sorted(self.dividends, key=lambda d: d.ex_dividend_date))
        changes = tuple(sorted(self.ticker_changes, key=lambda c: c.effective))
        object.__setattr__(self, "splits", splits)
        object.__setattr__(self, "dividends", dividends)
        object.__setattr__(self, "ticker_changes", changes)
        listing = () if self.listing is None else (self.listing,)
        for action in (*splits, *dividends, *changes, *listing):
            if action.symbol != self.symbol:
                raise InvalidInput(f"an action of {action.symbol} in the actions of {self.symbol}")
        if self.fetched_at is not None:
            _require_utc(self, self.fetched_at)

    @classmethod
    def unknown(cls, symbol: str) -> CorporateActions:
        """The bundle of a symbol whose actions were never fetched."""
        return cls(symbol)

    @property
    def is_known(self) -> bool:
        return self.fetched_at is not None

    def in_effect(self, session: date) -> CorporateActions:
        """The bundle as of ``session``: the splits executed and the dividends gone ex on
        or before it. The vendor lists a split once it is announced, weeks ahead; until
        its execution date nothing has traded on the new basis, so no read adjusts for
        it (the vendor's own adjusted bars do not either). Ticker changes and the
        listing period are kept whole."""
        splits = tuple(s for s in self.splits if s.execution_date <= session)
        dividends = tuple(d for d in self.dividends if d.ex_dividend_date <= session)
        if len(splits) == len(self.splits) and len(dividends) == len(self.dividends):
            return self
        return replace(self, splits=splits, dividends=dividends)


def _require_positive(owner: object, name: str, value: float) -> None:
    if not (isinstance(value, int | float) and math.isfinite(value) and value > 0):
        owner_name = type(owner).__name__
        raise InvalidInput(f"{owner_name}.{name} must be a positive number, got {value!r}")


def _require_factor(owner: object, factor: float | None) -> None:
    if factor is not None:
        _require_positive(owner, "historical_adjustment_factor", factor)


def _require_utc(owner: object, moment: datetime) -> None:
    offset = moment.utcoffset() if isinstance(moment, datetime) else None
    if offset is None or offset.total_seconds() != 0:
        raise InvalidInput(f"{type(owner).__name__}.fetched_at must be UTC, got {moment!r}")
