"""The notice shown wherever sample content appears, in the reader's language."""
from __future__ import annotations

import re
from typing import Any

from flask_babel import gettext as _

_YEAR = re.compile(r"\b(1[89]\d\d|2\d\d\d)\b")


def sample_notice(campaign: Any) -> str:
    """The sample-content notice for a campaign in the interface's language, or "" for real content.

    A campaign file's `sample_note` is English data; only the year of the documents it names is taken from it,
    so the notice itself is an interface string that every language translates.
    """
    note = (getattr(campaign, "sample_note", "") or "").strip()
    if not note:
        return ""
    year = _YEAR.search(note)
    if year:
        return _("Sample content, drawn from public documents dated %(date)s. Not current guidance.", date=year.group(1))
    return _("Sample content. Not current guidance.")
