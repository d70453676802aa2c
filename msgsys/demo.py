"""Demo data: users for every role and the sample campaigns."""
from __future__ import annotations

import secrets

from msgsys import db
from msgsys.auth import service as users

DEMO_USERS = (
    ("author@demo.msgsys", "author", ""),
    ("author2@demo.msgsys", "author", ""),
    ("approver@demo.msgsys", "approver", ""),
    ("approver2@demo.msgsys", "approver", ""),
    ("translator-es@demo.msgsys", "translator", "es"),
    ("reviewer-es@demo.msgsys", "translator", "es"),
    ("translator-quc@demo.msgsys", "translator", "quc"),
    ("translator-en@demo.msgsys", "translator", "en"),
    ("admin@demo.msgsys", "admin", ""),
)


def load_demo() -> list[tuple[str, str, str]]:
    """Create or refresh the demo users; return (email, roles, password) for each."""
    logins = []
    with db.transaction() as s:
        for email, roles, locales in DEMO_USERS:
            password = secrets.token_urlsafe(12)
            user = users.find_user(s, email)
            if user is None:
                users.create_user(s, email=email, password=password, roles=roles, locales=locales, label="demo")
            else:
                users.set_password(s, user=user, password=password, label="demo")
            logins.append((email, roles + (f" {locales}" if locales else ""), password))
    return logins
