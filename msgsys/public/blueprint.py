"""The public site's blueprint, on its own so the pages other packages add to it (the SMS subscribe form) need not
import the site's routes."""
from __future__ import annotations

from flask import Blueprint

from msgsys.locales import LOCALES

bp = Blueprint("public", __name__)
# Only real locales match, so /logout or /admin never fall into the public site.
LOCALE_ANY = ",".join(LOCALES)
