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
    load_demo_content()
    return logins


def load_demo_content() -> list:
    """Seed the policy rules, load the sample campaigns as the demo author, and have the demo approver sign off.

    The approval goes through the same workflow (four eyes, policy) as any other, and is audited.
    Spanish texts from the files arrive for review: they reach nobody until a Spanish translator approves them.
    """
    from msgsys import ROOT
    from msgsys.content import loader
    from msgsys.policy import service as policy
    from msgsys.workflow import service as workflow

    with db.transaction() as s:
        policy.seed_rules(s, label="demo")
        author = users.find_user(s, "author@demo.msgsys")
        approver = users.find_user(s, "approver@demo.msgsys")
        reports = loader.load_paths(s, [ROOT / "campaigns"], author=author)
        for version in workflow.review_queue(s, user=approver):
            if version.author_id == author.id:
                workflow.transition(s, actor=approver, version=version, name="approve", reason="demo")
        loader.attach_translations(s, reports)
    return reports
