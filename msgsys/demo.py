"""Demo data: users for every role, two translators per locale, the sample campaigns, and who does what next."""
from __future__ import annotations

import secrets

from sqlmodel import Session, col, func, select

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
    from msgsys.workflow import service as workflow

    with db.transaction() as s:
        policy.seed_rules(s, label="demo")
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
    """Who does what next in the demo, one short line each, counted from what waits in the database now."""
    from msgsys.content.models import MessageVersion
    from msgsys.workflow import service as workflow

    demo = {email: users.find_user(session, email) for email in (AUTHOR, APPROVER, *sum(TRANSLATORS.values(), ()))}
    lines = []
    approver = demo[APPROVER]
    if approver is not None:
        waiting = len(workflow.review_queue(session, user=approver))
        lines.append(f"{APPROVER}: review the {_count(waiting, 'version')} waiting at {base_url}/admin/review" if waiting
                     else f"{APPROVER}: no version waits for review ({base_url}/admin/review)")
    if demo[AUTHOR] is not None:
        open_versions = session.exec(select(func.count()).select_from(MessageVersion).where(
            MessageVersion.author_id == demo[AUTHOR].id, col(MessageVersion.state).in_(["draft", "changes_requested"]))).one()
        if open_versions:
            lines.append(f"{AUTHOR}: finish and submit your {_count(open_versions, 'version')} in draft or sent back, at {base_url}/admin/")
    for code, (writer_email, reviewer_email) in TRANSLATORS.items():
        writer, reviewer = demo[writer_email], demo[reviewer_email]
        if writer is not None and reviewer is not None:
            lines += _translation_steps(session, base_url, code, writer, reviewer)
    return lines


def _translation_steps(session: Session, base_url: str, code: str, writer, reviewer) -> list[str]:
    """One locale's lines: texts to review, messages to translate, drafts to finish, K'iche' rules to approve."""
    from msgsys.content import service as content
    from msgsys.policy import review as policy_review
    from msgsys.translation import catalog
    from msgsys.translation import service as translations

    language = LANGUAGES[code]
    to_review = {writer.email: 0, reviewer.email: 0}
    to_finish: dict[tuple[str, str], int] = {}
    untranslated = targeted = 0
    for campaign in content.list_campaigns(session):
        if code not in campaign.target_list or code == campaign.source_locale:
            continue
        targeted += 1
        for _message, version in catalog.source_versions(session, campaign):
            translation = translations.find(session, version, code)
            if translation is None:
                untranslated += 1
            elif translation.state == "in_review":
                for person in (reviewer, writer):  # the reviewer first; the writer when the reviewer wrote it
                    if any(t.name == "approve" for t in translations.steps_for(session, translation=translation, user=person)):
                        to_review[person.email] += 1
                        break
            elif translation.state != "approved":
                current = translations.revision(session, translation.current_revision_id)
                pair = (reviewer, writer) if current is not None and current.author_id == reviewer.id else (writer, reviewer)
                key = (pair[0].email, pair[1].email)
                to_finish[key] = to_finish.get(key, 0) + 1
    rules = sum(1 for rule in policy_review.pending_rules(session)
                if rule.locale == code and policy_review.refusal(reviewer, rule) is None)
    lines = [f"{who}: review the {_count(n, language + ' text')} waiting at {base_url}/translate/?state=in_review"
             for who, n in to_review.items() if n]
    if untranslated:
        lines.append(f"{writer.email}: translate the {_count(untranslated, 'message')} into {language} at "
                     f"{base_url}/translate/?state=untranslated, then {reviewer.email} reviews")
    lines += [f"{who}: finish the {_count(n, language + ' text')} in draft, sent back or outdated at {base_url}/translate/, "
              f"then {other} reviews" for (who, other), n in to_finish.items()]
    if rules:
        lines.append(f"{reviewer.email}: review the {_count(rules, language + ' policy rule')} waiting at {base_url}/admin/policy/pending")
    if not lines:
        why = "" if targeted else " (no campaign is translated into it)"
        lines.append(f"{writer.email}, {reviewer.email}: nothing waits in {language}{why}")
    return lines
