"""URL converters shared by every blueprint."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # ids are 32-bit integer columns on PostgreSQL; a larger id in a URL names nothing


class IdConverter(IntegerConverter):
    """A row id in a URL: a positive integer the id columns can hold; anything else is a 404, never a crash."""

    def __init__(self, url_map, *_args, **_kwargs) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def init_app(app) -> None:
    """Make `<id:...>` available before any blueprint registers its rules."""
    app.url_map.converters["id"] = IdConverter
