"""The exchange's trading sessions."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel

from chronox_domain.session import Session


class SessionOut(BaseModel):
    date: date
    open: datetime
    close: datetime
    early_close: bool

    @classmethod
    def of(cls, session: Session) -> SessionOut:
        return cls(
            date=session.date,
            open=session.open,
            close=session.close,
            early_close=session.early_close,
        )
