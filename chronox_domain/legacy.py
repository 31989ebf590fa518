"""Bars an earlier chronox stored split-adjusted, and how they join the traded basis.

Before issue 19 chronox stored the vendor's split-adjusted REST bars under source
``polygon``. Upgrading keeps every one of them: the migration renames their source to
:data:`LEGACY_SOURCE` (bars and coverage) and records ``as_of``, the moment up to which
they are adjusted (the old release dropped the coverage before every split it learned
of, so the bars it covered were on the basis of every split up to its last run).

Two things then bring them back to one basis, and no read ever mixes two:

- **rebased**, once per symbol, in the store: a legacy bar is multiplied back by the
  splits it was divided by, those executed after its session and on or before
  ``as_of``'s date (:func:`rebased`); its source becomes :data:`REBASED_SOURCE`. A read
  of a symbol that still holds legacy bars rebases it first, or is refused while its
  splits are not known (:class:`LegacyBasisUnknown`).
- **re-fetched**: legacy coverage closes no gap (the raw basis has not answered for
  it), so ingest and backfill fetch those windows again, raw; the new final spans
  replace the legacy ones and the write removes the legacy rows the raw answer did not
  replace. Rebased bars are exact up to floating point; re-fetched ones are the vendor's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, tzinfo

from chronox_domain.actions import StockSplit
from chronox_domain.adjust import Factors, adjust, split_factors
from chronox_domain.columns import BarColumns
from chronox_domain.coverage import CoverageSpan

#: Source of bars and coverage the previous release stored split-adjusted.
LEGACY_SOURCE = "polygon-adjusted"
#: Source of legacy bars converted to the traded basis in the store (coverage keeps
#: :data:`LEGACY_SOURCE` until the raw vendor answers for the window).
REBASED_SOURCE = "polygon-rebased"
#: The source whose raw answers replace legacy bars and coverage.
RAW_SUCCESSOR = "polygon"
#: Bar sources a raw re-fetch removes from the windows it answers for.
LEGACY_BAR_SOURCES = (LEGACY_SOURCE, REBASED_SOURCE)


def legacy_factors(splits: Iterable[StockSplit], as_of: datetime, timezone: tzinfo) -> Factors:
    """The inverse of the split basis the vendor had on ``as_of``: a bar of a session
    before a split executed on or before ``as_of``'s date (in ``timezone``, the
    exchange's) has its prices MULTIPLIED by that split's ratio and its volume divided.
    The same step function of the session date as :func:`chronox_domain.adjust.adjust`."""
    last = as_of.astimezone(timezone).date()
    known = split_factors(split for split in splits if split.execution_date <= last)
    return Factors(
        known.boundaries,
        tuple(1.0 / divisor for divisor in known.price_divisors),
        tuple(1.0 / multiplier for multiplier in known.volume_multipliers),
    )


def rebased(
    columns: BarColumns, splits: Sequence[StockSplit], as_of: datetime, timezone: tzinfo
) -> BarColumns:
    """Legacy ``columns`` (split-adjusted as of ``as_of``) on the traded basis."""
    return adjust(columns, legacy_factors(splits, as_of, timezone), timezone)


def raw_ledger(spans: Iterable[CoverageSpan]) -> list[CoverageSpan]:
    """The spans that vouch for the traded basis: all but the legacy ones, which the
    raw vendor has still to answer for (they are gaps, re-fetched raw)."""
    return [span for span in spans if span.source != LEGACY_SOURCE]
