"""Content catalogs: one gettext PO file per campaign and locale, written and read with Babel.

msgctxt is `<message key>.<field>` (title, body, sms), msgid the source text, msgstr the translation;
an outdated entry is `fuzzy` with the previous source as `#| msgid`. An import is checked entry by
entry and applied whole or not at all; what it brings arrives for review, never approved.
"""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field

from babel.messages.catalog import Catalog
from babel.messages.pofile import write_po
from flask import current_app
from flask_babel import gettext as _
from sqlmodel import Session, col, select

from msgsys import permissions
from msgsys.auth.models import User
from msgsys.clock import now
from msgsys.content import service as content
from msgsys.content.models import Campaign, Message, MessageVersion
from msgsys.errors import DomainError, ValidationError
from msgsys.locales import language_name
from msgsys.sms.encoding import count_sms
from msgsys.translation import service as translations
from msgsys.translation.forms import STATE_LABELS
from msgsys.translation.models import FIELDS
from msgsys.translation.pofile import MAX_BYTES as MAX_IMPORT_BYTES
from msgsys.translation.pofile import Problem
from msgsys.translation.pofile import read as read_strictly
from msgsys.workflow.engine import System

PO_FIELD = {"title": "title", "body": "body", "sms_text": "sms"}
FIELD_OF = {v: k for k, v in PO_FIELD.items()}
PROJECT = "msgsys"  # Project-Id-Version is "msgsys <campaign slug>"
LEGACY_VERSION = "campaign:"  # catalogs exported before named the campaign "campaign:<slug>"; they still import


class _Catalog(Catalog):
    """Babel's catalog, writing the header comment as given: Babel would replace the words PROJECT, VERSION, YEAR and
    ORGANIZATION anywhere in it, a campaign's title included."""

    @property
    def header_comment(self) -> str:
        return self._header_comment

    @header_comment.setter
    def header_comment(self, value: str) -> None:
        self._header_comment = value


def source_versions(session: Session, campaign: Campaign) -> list[tuple[Message, MessageVersion]]:
    """Each message's newest approved or published version: what translators work from."""
    found = []
    for message in content.messages_of(session, campaign):
        version = session.exec(
            select(MessageVersion).where(MessageVersion.message_id == message.id, col(MessageVersion.state).in_(translations.TRANSLATABLE_STATES))
            .order_by(col(MessageVersion.number).desc())
        ).first()
        if version is not None:
            found.append((message, version))
    return found


def export_catalog(session: Session, *, campaign: Campaign, locale: str) -> bytes:
    """The campaign's content catalog for one locale, as PO bytes."""
    if locale not in campaign.target_list:
        raise ValidationError(_("This campaign is not translated into %(language)s.", language=language_name(locale)))
    sources = source_versions(session, campaign)
    team = _("%(language)s translators of msgsys", language=language_name(locale, start=True))
    catalog = _Catalog(
        locale=locale, project=PROJECT, version=campaign.slug, fuzzy=False,
        header_comment=_header_comment(campaign, locale),
        msgid_bugs_address=_bugs_address(session, campaign, locale),
        language_team=team, last_translator=_last_translator(session, sources, locale) or team,
        revision_date=now(), creation_date=now(),
    )
    for message, version in sources:
        translation = translations.find(session, version, locale)
        rev = translations.revision(session, translation.current_revision_id) if translation else None
        previous = translations.previous_source(session, translation) if translation else None
        for f in content.text_fields(message, version.sms_text):
            source = getattr(version, f)
            if not source:
                continue
            state = translation.state if translation else "untranslated"
            comments = [_("version %(n)d of %(key)s (%(kind)s); state: %(state)s", n=version.number, key=message.key,
                          kind=message.kind, state=str(STATE_LABELS.get(state, state)))]
            if f == "sms_text":
                counted = count_sms(source)
                comments.append(_("SMS: keep to %(keep)d segment(s); the source is %(encoding)s, %(n)d segment(s). "
                                  "Accented letters make the SMS UCS-2 (70/67 characters a segment).",
                                  keep=max(counted.segments, 1), encoding=counted.encoding, n=counted.segments))
            outdated = translation is not None and f in translation.outdated_list
            catalog.add(
                source, getattr(rev, f) if rev else "", context=f"{message.key}.{PO_FIELD[f]}", auto_comments=comments,
                flags=["fuzzy"] if outdated else [], previous_id=getattr(previous, f) if outdated and previous else (),
            )
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=0, include_previous=True, sort_output=False)
    return buffer.getvalue()


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def _header_comment(campaign: Campaign, locale: str) -> str:
    """What the file is, for whoever opens it in Poedit or a text editor: the campaign by title and slug, the language."""
    lines = [
        _("msgsys content catalog of the campaign \"%(title)s\" (%(slug)s), into %(language)s (%(code)s).",
          title=_one_line(campaign.title), slug=campaign.slug, language=language_name(locale), code=locale),
        _("Translate each msgstr; msgctxt names the message and its field. An entry marked fuzzy has a new source text: "
          "bring its translation up to date, then remove the mark."),
        _("Then upload the file on the campaign's catalog page, or run: msgsys catalog import FILE --as EMAIL"),
    ]
    return "\n".join(f"# {line}" for line in lines) + "\n#"


def _bugs_address(session: Session, campaign: Campaign, locale: str) -> str:
    """Whom to tell about a mistake in the source text: the campaign's owner, else the catalog's page."""
    from msgsys.auth.models import User

    owner = session.get(User, campaign.owner_id) if campaign.owner_id else None
    if owner is not None and owner.email:
        return owner.email
    base = current_app.config["MSGSYS"].public_base_url.rstrip("/")
    return f"{base}/translate/catalog/{campaign.slug}/{locale}"


def _last_translator(session: Session, sources: list[tuple[Message, MessageVersion]], locale: str) -> str | None:
    """Who last saved a translation in this catalog (by the label revisions carry), or None."""
    newest = None
    for _message, version in sources:
        translation = translations.find(session, version, locale)
        rev = translations.revision(session, translation.current_revision_id) if translation else None
        if rev is not None and (newest is None or rev.created_at > newest.created_at):
            newest = rev
    return newest.author_label if newest is not None and newest.author_label else None


def campaign_slug(catalog: Catalog) -> str | None:
    """The campaign a catalog says it is for ("msgsys <slug>", or an older "campaign:<slug>"), or None."""
    version = str(catalog.version or "").strip()
    if version.startswith(LEGACY_VERSION):
        return version[len(LEGACY_VERSION):] or None
    return version if catalog.project == PROJECT and version else None


@dataclass
class ImportReport:
    """What an import applied (or would have)."""

    campaign: str = ""
    locale: str = ""
    applied: dict[str, list[str]] = field(default_factory=dict)  # message key -> fields
    skipped_fuzzy: int = 0
    skipped_empty: int = 0
    left_draft: list[str] = field(default_factory=list)  # messages with entries still fuzzy: saved, not submitted


def _parse(data: bytes) -> tuple[Catalog, list[Problem]]:
    catalog, problems = read_strictly(data)
    if campaign_slug(catalog) is None:
        raise ValidationError(_("This is not a msgsys content catalog (no campaign in Project-Id-Version)."),
                              details={"problems": [str(Problem(1, _("no campaign in the header")))]})
    return catalog, problems


def import_catalog(session: Session, *, data: bytes, actor: User | None, origin: str, expect_campaign: str | None = None,
                   expect_locale: str | None = None) -> ImportReport:
    """Check every entry; if all are sound apply them as new revisions awaiting review, else refuse and change nothing."""
    catalog, problems = _parse(data)
    slug = campaign_slug(catalog)
    locale = str(catalog.locale) if catalog.locale else ""
    campaign = session.exec(select(Campaign).where(Campaign.slug == slug)).first()
    if campaign is None:
        raise ValidationError(_("No campaign %(slug)s.", slug=slug), details={"problems": [str(Problem(1, _("unknown campaign %(slug)s", slug=slug)))]})
    if expect_campaign and slug != expect_campaign:
        problems.append(Problem(1, _("this catalog is for campaign %(slug)s, not %(expected)s", slug=slug, expected=expect_campaign)))
    if not locale or locale not in campaign.target_list or (expect_locale and locale != expect_locale):
        problems.append(Problem(1, _("wrong language %(language)s for this campaign (targets: %(targets)s)", language=language_name(locale) if locale else "-",
                                          targets=", ".join(language_name(code) for code in campaign.target_list))))
    if actor is not None and locale in campaign.target_list:
        permissions.require(actor, "catalog.import", locale=locale, subject_type="campaign", subject_id=campaign.id)

    sources = {m.key: (m, v) for m, v in source_versions(session, campaign)}
    report = ImportReport(campaign=slug, locale=locale)
    wanted: dict[str, dict[str, tuple[str, int]]] = {}
    for entry in catalog:
        if not entry.id:
            continue
        line = entry.lineno or 0
        ctx = entry.context or ""
        key, _dot, po_field = ctx.rpartition(".")
        if key not in sources or po_field not in FIELD_OF:
            problems.append(Problem(line, _("unknown entry %(ctx)s", ctx=ctx or "(no msgctxt)")))
            continue
        message, version = sources[key]
        name = FIELD_OF[po_field]
        if isinstance(entry.id, (tuple, list)):
            continue  # the reader has refused its plural forms already
        if entry.id != getattr(version, name):
            problems.append(Problem(line, _("the source of %(ctx)s changed since this catalog was exported; export it again", ctx=ctx)))
            continue
        if entry.fuzzy:
            report.skipped_fuzzy += 1
            continue
        if not entry.string:
            report.skipped_empty += 1
            continue
        wanted.setdefault(key, {})[name] = (entry.string, line)

    plans = []
    for key, fields in wanted.items():
        message, version = sources[key]
        translation = translations.find(session, version, locale)
        current = translations.revision(session, translation.current_revision_id) if translation else None
        merged = {f: (fields[f][0] if f in fields else (getattr(current, f) if current else "")) for f in FIELDS}
        try:
            merged = translations.clean(merged)
        except DomainError as exc:
            problems.append(Problem(min(l for _t, l in fields.values()), exc.message))
            continue
        if current is not None and all(merged[f] == getattr(current, f) for f in FIELDS):
            continue  # nothing new for this message
        result = translations.check_texts(session, message=message, version=version, locale=locale, texts=merged)
        for issue in result.blocking:
            line = fields.get(issue.field, (None, min(l for _t, l in fields.values())))[1]
            problems.append(Problem(line, f"{key}.{PO_FIELD.get(issue.field, issue.field)}: {issue.message}"))
        plans.append((key, version, translation, merged, sorted(fields)))

    if problems:
        problems.sort(key=lambda p: p.line)
        raise ValidationError(_("The catalog was refused: %(n)d problem(s); nothing was applied.", n=len(problems)),
                              details={"problems": [str(p) for p in problems]})
    for key, version, translation, merged, names in plans:
        if translation is None:
            translation = translations.start(session, actor=actor, version=version, locale=locale, label=origin)
        translations.save(session, actor=actor, translation=translation, data=merged, origin=origin, label=origin, confirmed=names)
        report.applied[key] = names
        if translation.outdated_list:  # still fuzzy somewhere: the translator has not finished this message
            report.left_draft.append(key)
            continue
        if actor is not None:
            translations.transition(session, actor=actor, translation=translation, name="submit")
        else:  # no person behind the file: the import submits it, and the checks still decide
            translations.transition(session, actor=System("import", label=origin), translation=translation, name="submit_import")
    return report
