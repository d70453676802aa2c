"""The checks every piece of user-written text passes: no hidden characters, a length limit, trimmed; reasons given for a step."""
from __future__ import annotations

import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from msgsys.errors import ValidationError

# Control characters and bidirectional overrides hide or reorder text a reviewer would see.
_HOSTILE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")

FIELD_LABELS = {
    "title": _l("Title"), "body": _l("Web text"), "sms_text": _l("SMS text"), "change_note": _l("Change note"),
    "objective": _l("Objective"), "sample_note": _l("Sample note"), "reason": _l("Reason"), "name": _l("Name"),
    "source_term": _l("Term"), "required_translation": _l("Required translation"), "note": _l("Note"),
    "description": _l("Description"),
}


def clean_text(value: str | None, name: str, limit: int, *, required: bool = False) -> str:
    """Normalise line endings and trim; refuse hidden characters, missing required text and text over the limit."""
    field = FIELD_LABELS.get(name, name)
    text = (value or "").replace("\r\n", "\n").replace("\r", "\n")
    if _HOSTILE.search(text):
        raise ValidationError(_("%(field)s contains control or direction-override characters.", field=field), details={"field": name})
    text = text.strip()
    if required and not text:
        raise ValidationError(_("%(field)s is required.", field=field), details={"field": name})
    if len(text) > limit:
        raise ValidationError(
            _("%(field)s is too long: %(n)d characters, at most %(max)d.", field=field, n=len(text), max=limit),
            details={"field": name},
        )
    return text


def clean_reason(reason: str | None, *, required: bool) -> str:
    """A review or retirement reason: required when the step needs one, hostile text and overlong text refused."""
    reason = clean_text(reason, "reason", 2000)
    if required and not reason:
        raise ValidationError(_("Give a reason."), details={"field": "reason"})
    return reason
