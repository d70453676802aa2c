"""Campaign content as files (campaigns/*.toml): read, checked and loaded idempotently."""
from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from flask_babel import gettext as _
from sqlmodel import Session, select

from msgsys.auth.models import User
from msgsys.content import service as content
from msgsys.content.models import Campaign, Message
from msgsys.errors import DomainError, ValidationError
from msgsys.workflow import service as workflow
from msgsys.workflow.engine import System


@dataclass
class LoadReport:
    """What loading one file did."""

    path: str
    campaign: str = ""
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    translations: dict[str, dict[str, dict]] = field(default_factory=dict)  # key -> locale -> fields


def read_file(path: Path) -> dict:
    """Parse a campaign file, with a clear error for a broken one."""
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ValidationError(_("%(path)s cannot be read: %(error)s", path=str(path), error=str(exc))) from None
    if "campaign" not in data or not isinstance(data.get("messages"), list):
        raise ValidationError(_("%(path)s needs a [campaign] table and [[messages]].", path=str(path)))
    return data


def load_file(session: Session, path: Path, *, author: User | None = None) -> LoadReport:
    """Create or update the campaign in a file; each changed message gets a new version, submitted for review.

    Loading the same file again changes nothing. Texts in other locales are returned for the
    translation workflow; none is ever approved by loading.
    """
    data = read_file(path)
    meta = data["campaign"]
    label = f"import:{path.name}"
    report = LoadReport(path=str(path), campaign=meta.get("slug", ""))
    campaign = session.exec(select(Campaign).where(Campaign.slug == meta.get("slug"))).first()
    if campaign is None:
        note = meta.get("sample_note", "") if meta.get("sample") else ""
        campaign = content.create_campaign(session, actor=None, label=label, data={**meta, "sample_note": note})
        if author is not None:
            campaign.owner_id = author.id
    source = campaign.source_locale
    for entry in data["messages"]:
        key = entry.get("key", "")
        message = session.exec(select(Message).where(Message.campaign_id == campaign.id, Message.key == key)).first()
        if message is None:
            message = content.create_message(session, actor=None, label=label, campaign=campaign, data=entry)
        texts = entry.get(source) or {}
        fields = {"title": texts.get("title"), "body": texts.get("body"), "sms_text": texts.get("sms"),
                  "change_note": entry.get("change_note", "")}
        latest = content.latest_version(session, message)
        wanted = content.content_hash(content.clean_fields(message, fields))
        if latest is not None and latest.content_hash == wanted:
            report.unchanged.append(key)
        else:
            try:
                version = content.new_version(session, actor=author, label=label, message=message, data=fields)
                if author is not None:
                    workflow.transition(session, actor=author, version=version, name="submit")
                else:  # no person named: the import itself submits it, and the policy still decides
                    workflow.transition(session, actor=System("import", label=label), version=version, name="submit_import")
            except DomainError as exc:
                raise ValidationError(_("%(path)s, message %(key)s: %(error)s", path=path.name, key=key, error=exc.message), details=exc.details) from None
            (report.created if latest is None else report.updated).append(key)
        report.translations[key] = {loc: entry[loc] for loc in campaign.target_list if isinstance(entry.get(loc), dict)}
    return report


def load_paths(session: Session, paths: list[Path], *, author: User | None = None) -> list[LoadReport]:
    """Load every campaign file found in the given files and folders."""
    files: list[Path] = []
    for p in paths:
        files += sorted(p.glob("*.toml")) if p.is_dir() else [p]
    if not files:
        raise ValidationError(_("No campaign files (*.toml) found."))
    return [load_file(session, f, author=author) for f in files]


def attach_translations(session: Session, reports: list[LoadReport]) -> int:
    """Put the files' texts in other locales up for review, for versions already approved.

    They arrive as `in_review` with the file as their author: a translator of that locale
    must still approve them, so no team-written text ever reaches anyone unreviewed.
    """
    from msgsys.translation import service as translations

    count = 0
    for report in reports:
        campaign = session.exec(select(Campaign).where(Campaign.slug == report.campaign)).first()
        for key, by_locale in report.translations.items():
            message = session.exec(select(Message).where(Message.campaign_id == campaign.id, Message.key == key)).first()
            version = content.published_version(session, message) if message else None
            if version is None:
                continue
            for locale, texts in by_locale.items():
                if translations.find(session, version, locale) is not None:
                    continue
                label = f"import:{Path(report.path).name}"
                translation = translations.start(session, actor=None, version=version, locale=locale, label=label)
                translations.save(session, actor=None, translation=translation, origin=label, label=label,
                                  data={"title": texts.get("title"), "body": texts.get("body"), "sms_text": texts.get("sms")})
                translations.transition(session, actor=System("import", label=label), translation=translation, name="submit_import")
                count += 1
    return count
