"""Exchange calendars: the ``TradingCalendar`` port over exchange_calendars."""

from chronox_adapters.calendars.exchange import ExchangeCalendar

__all__ = ["ExchangeCalendar"]
