"""People every translation test needs."""
from __future__ import annotations

import pytest

from tests.factories import make_user


@pytest.fixture
def team(session):
    """An author, an approver, two Spanish translators and a K'iche' translator."""
    return {
        "author": make_user(session, roles="author"),
        "approver": make_user(session, roles="approver"),
        "es1": make_user(session, roles="translator", locales="es"),
        "es2": make_user(session, roles="translator", locales="es"),
        "quc": make_user(session, roles="translator", locales="quc"),
    }
