"""Putting an earlier release's split-adjusted bars on the traded basis, in the store.

A symbol is rebased once, the first time it can be: right after its corporate actions
are stored (:class:`chronox_domain.services.actions.ActionsService`), or before the
first read of it (:class:`chronox_domain.services.bars.BarsService`). A read of a
symbol that still holds legacy bars and has no stored actions is refused: its answer
would mix two bases. See :mod:`chronox_domain.legacy` for the rule."""

from __future__ import annotations

import logging
from datetime import tzinfo

from chronox_domain.actions import CorporateActions
from chronox_domain.errors import LegacyBasisUnknown
from chronox_domain.legacy import rebased
from chronox_domain.ports import CorporateActionStore, LegacyBars
from chronox_domain.timeframe import Timeframe

log = logging.getLogger(__name__)


class LegacyRebase:
    """Rebases a symbol's legacy bars with its stored splits (``timezone``: the
    exchange's, where a bar's session date is read)."""

    def __init__(self, legacy: LegacyBars, actions: CorporateActionStore, timezone: tzinfo) -> None:
        self._legacy = legacy
        self._actions = actions
        self._timezone = timezone

    def before_read(self, symbol: str) -> None:
        """Make sure a read of ``symbol`` meets one basis: rebase what is left of its
        legacy bars, or raise ``LegacyBasisUnknown`` when its splits are not stored."""
        if not self._holds_legacy(symbol):
            return
        actions = self._actions.actions(symbol)
        if not actions.is_known:
            raise LegacyBasisUnknown(symbol)
        self._rebase(actions)

    def after_sync(self, actions: CorporateActions) -> None:
        """``actions`` were just stored: rebase their symbol's legacy bars, if any."""
        if self._holds_legacy(actions.symbol):
            self._rebase(actions)

    def _holds_legacy(self, symbol: str) -> bool:
        return self._legacy.legacy_as_of() is not None and self._legacy.has_legacy(symbol)

    def _rebase(self, actions: CorporateActions) -> None:
        as_of = self._legacy.legacy_as_of()
        if as_of is None:
            return
        done = 0
        for timeframe in Timeframe:
            columns = self._legacy.legacy_columns(actions.symbol, timeframe)
            if len(columns):
                raw = rebased(columns, actions.splits, as_of, self._timezone)
                done += self._legacy.rebase(actions.symbol, timeframe, raw)
        if done:
            log.info(
                "%s: %d bars stored split-adjusted by an earlier chronox put on the traded basis",
                actions.symbol,
                done,
            )
