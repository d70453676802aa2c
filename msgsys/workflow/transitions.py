"""The state machines of message versions and translations as data: one table each, used by the UI, the API and the tests.

Every state but the one a subject is created in is reached only through a row. A row is taken by a person
holding its permission, or by the system (`system`: which part of it) for what no person does by hand:
an import with no person behind it, the scheduler, an approval that publishes at once, carry-over, a save.
The engine (msgsys.workflow.engine) takes every row the same way; the owning modules bind the tables
(msgsys.workflow.service for versions, msgsys.translation.service for translations).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import lazy_gettext as _l

from msgsys.content.models import VERSION_STATES
from msgsys.translation.models import TRANSLATION_STATES
from msgsys.workflow import engine
from msgsys.workflow.engine import Transition, row

__all__ = ["Transition", "VERSION_TRANSITIONS", "TRANSLATION_TRANSITIONS", "VERSIONS", "TRANSLATIONS", "available"]

VERSIONS = engine.Table(
    "version", states=VERSION_STATES, initial="draft", writers_key="wrote_versions",
    rows=[
        row("submit", {"draft"}, "in_review", "version.submit", own_only=True, checks_policy=True),
        row("approve", {"in_review"}, "approved", "version.approve", four_eyes=True, checks_policy=True),
        row("request_changes", {"in_review"}, "changes_requested", "version.request_changes", needs_reason=True, four_eyes=True),
        row("retire", {"approved", "published"}, "retired", "version.retire", needs_reason=True),
        # A campaign file loaded with no person named: the policy still decides.
        row("submit_import", {"draft"}, "in_review", system={"import"}, checks_policy=True),
        # At go-live (the scheduler), or at once when the approval finds it due (recorded as the approver's).
        row("publish", {"approved"}, "published", system={"scheduler", "approval"}),
        row("expire", {"approved", "published"}, "retired", system={"scheduler"}),
        # A version held for its translations, put live ahead of them by an approver (not its writer).
        row("publish_now", {"approved"}, "published", "version.approve", four_eyes=True),
        # A newer version went live: the older ones retire.
        row("supersede", {"approved", "published"}, "retired", system={"scheduler", "approval"}),
    ],
    wording={
        "state": _l("A version in state %(state)s cannot be %(action)s."),
        "own_only": _l("Only the author of this version can submit it."),
        "writers": _l("You wrote text this version carries (version %(numbers)s of this message, not approved by anyone else "
                      "since): four eyes, someone else must review it."),
    },
)

# The permission of a translation row is bound to the translation's locale.
TRANSLATIONS = engine.Table(
    "translation", states=TRANSLATION_STATES, initial="draft", writers_key="wrote_revisions",
    rows=[
        row("submit", {"draft"}, "in_review", "translation.submit", own_only=True, checks_policy=True),
        row("approve", {"in_review"}, "approved", "translation.approve", four_eyes=True, checks_policy=True),
        row("request_changes", {"in_review"}, "changes_requested", "translation.request_changes", needs_reason=True, four_eyes=True),
        # Texts a campaign file (or a catalog) brought with no person behind them: the checks still decide.
        row("submit_import", {"draft"}, "in_review", system={"import"}, checks_policy=True),
        # A new revision was saved: whatever was under review or approved, the text is a draft again
        # (an approved revision keeps serving recipients until another is approved).
        row("reopen", {"in_review", "changes_requested", "approved", "outdated"}, "draft", system={"save"}),
        # A translation just made for a newer source version from the previous version's text.
        row("carry_over", {"draft"}, "outdated", system={"carry-over"}),
    ],
    wording={
        "state": _l("A translation in state %(state)s cannot be %(action)s."),
        "own_only": _l("Only the author of this text can submit it."),
        # Whoever wrote a revision since the last approval: the plain four-eyes reason.
        "writers": _l("Four eyes: you cannot review or approve your own work."),
    },
)

# The names the routes and the API know.
VERSION_TRANSITIONS = VERSIONS
TRANSLATION_TRANSITIONS = TRANSLATIONS


def available(*, state: str, user, author_id: int | None, table: engine.Table = VERSIONS, locale: str | None = None,
              writers: Mapping[int, Iterable[int]] | None = None) -> list[Transition]:
    """Steps this user could take on a version (or translation) in this state, for buttons and API hints.

    Without `writers`, four eyes knows only the direct author: prefer workflow.service.steps_for and
    translation.service.steps_for, which count everyone whose writing the text carries.
    """
    return engine.available(table, state=state, user=user, author_id=author_id, locale=locale, writers=writers)
