"""Exchange calendars: the ``TradingCalendar`` port over exchange_calendars."""

from chronox_adapters.calendars.exchange import ExchangeCalendar, load_calendar

__all__ = ["ExchangeCalendar", "load_calendar"]
