"""The clock, behind one small interface so tests can control time."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from flask import current_app, has_app_context


class SystemClock:
    """Wall-clock time, timezone-aware UTC (SQLModel stores it as UTC on both databases)."""

    def now(self) -> datetime:
        """Return the current time in UTC."""
        return datetime.now(timezone.utc)


class FrozenClock:
    """A clock that only moves when told to; for tests and simulations."""

    def __init__(self, start: datetime) -> None:
        if start.utcoffset() is None:
            raise ValueError("FrozenClock needs a timezone-aware start")
        self.current = start

    def now(self) -> datetime:
        """Return the frozen time."""
        return self.current

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by a timedelta's keyword arguments."""
        self.current += timedelta(**delta)
        return self.current


_system = SystemClock()


def now() -> datetime:
    """The app's clock if there is an app, the system clock otherwise."""
    if has_app_context():
        return current_app.extensions.get("msgsys.clock", _system).now()
    return _system.now()
