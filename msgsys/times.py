"""One reading of a point in time for every place one enters: the JSON API, the version editor, the content service.

A time is ISO 8601 text that carries its offset (`2026-03-05T09:00:00-06:00`, `2026-03-05T15:00:00Z`):
a go-live read in the wrong time zone would publish hours early or late, so a time without one is refused,
and so is a number, which could be seconds or milliseconds since any epoch. The parsing itself is the
standard library's `datetime.fromisoformat` (full ISO 8601 since Python 3.11); what is written here is only
which of its results a schedule may use.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

from flask_babel import gettext as _

# A go-live or expiry outside these years (UTC) is a typo (0206 for 2026) or a stand-in for "never" (9999), not
# a plan: refuse it rather than schedule it. A message that should never expire has no expiry. Staying far from
# datetime's own limits (years 1 and 9999) also means a stored time can always be turned into UTC and back; the
# comparison below is safe on any aware datetime (Python compares them without building a UTC copy).
FIRST_YEAR, LAST_YEAR = 2000, 2100
EARLIEST = datetime(FIRST_YEAR, 1, 1, tzinfo=timezone.utc)
TOO_LATE = datetime(LAST_YEAR + 1, 1, 1, tzinfo=timezone.utc)
# Offsets in use run from -12:00 to +14:00, in whole minutes; anything else is a typo.
MAX_OFFSET = timedelta(hours=14)
EXAMPLE = "2026-03-05T09:00:00-06:00"
# date.fromisoformat also reads "20260305" and week dates ("2026-W10-4"); a day here is written one way.
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


class TimeError(ValueError):
    """Why a value is not a usable time, in words for the person who wrote it."""


def parse_time(value: object) -> datetime:
    """An aware datetime from ISO 8601 text with an offset, or from a datetime (a naive one is UTC, as stored)."""
    if isinstance(value, datetime):
        parsed = value if value.utcoffset() is not None else value.replace(tzinfo=timezone.utc)
    elif isinstance(value, str):
        try:
            # RFC 3339 allows a lowercase t and z; fromisoformat wants them uppercase.
            parsed = datetime.fromisoformat(value.strip().upper())
        except ValueError:
            raise TimeError(_("Not a date and time: write ISO 8601 with an offset, such as %(example)s.", example=EXAMPLE)) from None
        if parsed.utcoffset() is None:
            raise TimeError(_("The time has no offset: add one, such as %(example)s, or Z for UTC.", example=EXAMPLE))
    else:  # a number, a boolean, a bare date, a list...
        raise TimeError(_("A time must be ISO 8601 text with an offset, such as %(example)s.", example=EXAMPLE))
    offset = parsed.utcoffset()
    if abs(offset) > MAX_OFFSET or offset % timedelta(minutes=1):
        raise TimeError(_("The offset must be whole minutes between -14:00 and +14:00."))
    if not EARLIEST <= parsed < TOO_LATE:
        raise TimeError(_("The time must fall in the years %(first)d to %(last)d (UTC).", first=FIRST_YEAR, last=LAST_YEAR))
    return parsed


def parse_day(value: object) -> date:
    """A calendar day from YYYY-MM-DD text (or a date), within the same years as times."""
    if isinstance(value, datetime):
        raise TimeError(_("A day is written YYYY-MM-DD, such as %(example)s.", example=EXAMPLE[:10]))
    if isinstance(value, date):
        parsed = value
    elif isinstance(value, str) and _DAY.fullmatch(value.strip()):
        try:
            parsed = date.fromisoformat(value.strip())
        except ValueError:
            raise TimeError(_("%(value)s is not a day of the calendar.", value=value.strip())) from None
    else:  # a number ("1767225600" or 20260305), a week date, a time...
        raise TimeError(_("A day is written YYYY-MM-DD, such as %(example)s.", example=EXAMPLE[:10]))
    if not FIRST_YEAR <= parsed.year <= LAST_YEAR:
        raise TimeError(_("The time must fall in the years %(first)d to %(last)d (UTC).", first=FIRST_YEAR, last=LAST_YEAR))
    return parsed
