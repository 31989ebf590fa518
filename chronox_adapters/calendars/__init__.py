"""Exchange calendars: the ``TradingCalendar`` port over exchange_calendars, with the
sessions cached on disk so that most commands never import the library."""

from chronox_adapters.calendars.cache import load_calendar
from chronox_adapters.calendars.exchange import ExchangeCalendar
from chronox_adapters.calendars.sessions import SessionCalendar

__all__ = ["ExchangeCalendar", "SessionCalendar", "load_calendar"]
