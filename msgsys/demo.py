"""Demo data: users for every role, two translators per locale, the sample campaigns, and who does what next."""
from __future__ import annotations

import secrets

from sqlmodel import Session

from msgsys import db
from msgsys.auth import service as users

# The team writes no K'iche': only K'iche' translators do. Text in these locales found in the campaign
# files is never loaded by the demo, so nothing in them exists until such a translator writes it.
UNWRITTEN_LOCALES = ("quc",)
LANGUAGES = {"es": "Spanish", "quc": "K'iche'", "en": "English"}
# Per locale, a translator who writes and a second translator who reviews: four eyes on every translation.
TRANSLATORS = {code: (f"translator-{code}@demo.msgsys", f"reviewer-{code}@demo.msgsys") for code in LANGUAGES}
AUTHOR, APPROVER = "author@demo.msgsys", "approver@demo.msgsys"

DEMO_USERS = (
    (AUTHOR, "author", ""),
    ("author2@demo.msgsys", "author", ""),
    (APPROVER, "approver", ""),
    ("approver2@demo.msgsys", "approver", ""),
    *((email, "translator", code) for code, pair in TRANSLATORS.items() for email in pair),
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
    from msgsys.sms import keywords
    from msgsys.workflow import service as workflow

    with db.transaction() as s:
        policy.seed_rules(s, label="demo")
        keywords.seed_keywords(s, label="demo")
        author = users.find_user(s, AUTHOR)
        approver = users.find_user(s, APPROVER)
        reports = loader.load_paths(s, [ROOT / "campaigns"], author=author)
        for version in workflow.review_queue(s, user=approver):
            if version.author_id == author.id:
                workflow.transition(s, actor=approver, version=version, name="approve", reason="demo")
        for report in reports:
            for texts in report.translations.values():
                for code in UNWRITTEN_LOCALES:
                    texts.pop(code, None)
        loader.attach_translations(s, reports)
    return reports


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def next_steps(session: Session, base_url: str) -> list[str]:
    """Who does what next in the demo, one short line each, from what waits for each demo account now.

    The counts are those of the dashboard (msgsys.queues): the same queries, the same four-eyes rules.
    """
    from msgsys import queues

    found = {email: users.find_user(session, email) for email in (AUTHOR, APPROVER, *sum(TRANSLATORS.values(), ()))}
    waits = {email: queues.waiting(session, user) for email, user in found.items() if user is not None and user.active}
    lines = []
    if APPROVER in waits:
        review, held = waits[APPROVER].review or [], waits[APPROVER].held or []
        lines.append(f"{APPROVER}: review the {_count(len(review), 'version')} waiting at {base_url}/admin/review" if review
                     else f"{APPROVER}: no version waits for review ({base_url}/admin/review)")
        if held:
            lines.append(f"{APPROVER}: {_count(len(held), 'approved version')} {'waits' if len(held) == 1 else 'wait'} for their translations "
                         f"(you may put them live sooner) at {base_url}/admin/")
    if AUTHOR in waits:
        open_versions = len(waits[AUTHOR].drafts or []) + len(waits[AUTHOR].sent_back or [])
        if open_versions:
            lines.append(f"{AUTHOR}: finish and submit your {_count(open_versions, 'version')} in draft or sent back, "
                         f"at {base_url}/admin/")
    for code, (writer, reviewer) in TRANSLATORS.items():
        if writer in waits and reviewer in waits:
            lines += _translation_steps(base_url, code, (writer, waits[writer]), (reviewer, waits[reviewer]))
    return lines


def _translation_steps(base_url: str, code: str, writer, reviewer) -> list[str]:
    """One language's lines: texts to review, messages to translate, texts to redo, K'iche' rules to approve."""
    language = LANGUAGES[code]
    (writer_email, writer_waits), (reviewer_email, reviewer_waits) = writer, reviewer
    mine = next(q for q in writer_waits.translations or [] if q.locale == code)
    theirs = next(q for q in reviewer_waits.translations or [] if q.locale == code)
    reviewed = {item.translation.id for item in theirs.to_review}
    sent_back_to_writer = {item.translation.id for item in mine.sent_back}
    # The reviewer reviews; the writer reviews what the reviewer wrote. Each redoes what was sent back to them.
    to_review = {reviewer_email: len(theirs.to_review),
                 writer_email: sum(1 for item in mine.to_review if item.translation.id not in reviewed)}
    redo = {(writer_email, reviewer_email): len(mine.outdated) + len(mine.sent_back),
            (reviewer_email, writer_email): sum(1 for item in theirs.sent_back if item.translation.id not in sent_back_to_writer)}
    lines = [f"{who}: review the {_count(n, language + ' text')} waiting at {base_url}/translate/?state=in_review"
             for who, n in to_review.items() if n]
    if mine.untranslated:
        lines.append(f"{writer_email}: translate the {_count(len(mine.untranslated), 'message')} into {language} at "
                     f"{base_url}/translate/?state=untranslated, then {reviewer_email} reviews")
    lines += [f"{who}: redo the {_count(n, language + ' text')} sent back or outdated at {base_url}/translate/, then {other} reviews"
              for (who, other), n in redo.items() if n]
    rules = [r for r in reviewer_waits.rules or [] if r.locale == code]
    if rules:
        lines.append(f"{reviewer_email}: review the {_count(len(rules), language + ' policy rule')} waiting at "
                     f"{base_url}/admin/policy/pending")
    if not lines:
        lines.append(f"{writer_email}, {reviewer_email}: nothing waits in {language}")
    return lines
