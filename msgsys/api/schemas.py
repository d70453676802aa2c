"""Request and response shapes of the JSON API: strict pydantic models, and the one place their errors become ours."""
from __future__ import annotations

from datetime import date, datetime, timezone
from dataclasses import dataclass
from typing import Annotated, Any, Callable, Literal, Optional, TypeVar

from flask import request
from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, StrictStr, WithJsonSchema
from pydantic import ValidationError as PydanticError
from pydantic_core import PydanticCustomError
from typing_extensions import NotRequired, TypedDict

from msgsys.converters import MAX_ID
from msgsys.content.models import CHANNELS, COUNTRIES, KINDS, VERSION_STATES
from msgsys.content.service import SLUG
from msgsys.errors import ValidationError
from msgsys.locales import LOCALES
from msgsys.policy.matching import RULE_TYPES, SEVERITIES
from msgsys.times import TimeError, parse_day, parse_time
from msgsys.translation.models import FIELDS as TRANSLATED_FIELDS
from msgsys.translation.models import TRANSLATION_STATES
from msgsys.workflow.transitions import TRANSLATION_TRANSITIONS, VERSION_TRANSITIONS

Locale = Literal[LOCALES]  # type: ignore[valid-type]
Country = Literal[COUNTRIES]  # type: ignore[valid-type]
Kind = Literal[KINDS]  # type: ignore[valid-type]
Channel = Literal[CHANNELS]  # type: ignore[valid-type]
State = Literal[VERSION_STATES]  # type: ignore[valid-type]
# Steps a person takes (the others are the scheduler's), named as in the transition table.
Step = Literal[tuple(name for name, t in VERSION_TRANSITIONS.items() if t.permission is not None)]  # type: ignore[valid-type]
TranslationState = Literal[TRANSLATION_STATES]  # type: ignore[valid-type]
TranslationStep = Literal[tuple(name for name, t in TRANSLATION_TRANSITIONS.items() if t.permission is not None)]  # type: ignore[valid-type]
TranslatedField = Literal[TRANSLATED_FIELDS]  # type: ignore[valid-type]
SLUG_PATTERN = SLUG.pattern


def iso_utc(value: datetime) -> str:
    """ISO 8601 in UTC with a Z; a naive value is taken to be UTC already (that is how it is stored)."""
    if value.utcoffset() is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


UtcDatetime = Annotated[
    datetime, PlainSerializer(iso_utc, return_type=str), WithJsonSchema({"type": "string", "format": "date-time"})
]


def _time(value: Any) -> datetime:
    # pydantic's own datetime also takes "1767225600" as seconds since 1970 and any year up to 9999;
    # a request's times go through the one reading the editor and the content service use.
    try:
        return parse_time(value)
    except TimeError as exc:
        raise PydanticCustomError("datetime_format", str(exc)) from None


# An offset is required: a go-live read in the wrong time zone would publish hours early or late.
OffsetDatetime = Annotated[datetime, PlainValidator(_time), WithJsonSchema({"type": "string", "format": "date-time"})]


def _day(value: Any) -> date:
    # pydantic's date also takes "1767225600" as seconds since 1970 and any year up to 9999.
    try:
        return parse_day(value)
    except TimeError as exc:
        raise PydanticCustomError("date_format", str(exc)) from None


Day = Annotated[date, PlainValidator(_day), WithJsonSchema({"type": "string", "format": "date"})]


# Path parameters ---------------------------------------------------------------------------

@dataclass(frozen=True)
class NotFoundUnless:
    """Marks a path parameter type: a value that does not fit it names nothing (404, with this message), checked before the body."""

    message: Callable[[str], str]


def _unknown_locale(value: str) -> str:
    return _("There is no locale %(locale)s (known: %(known)s).", locale=value, known=", ".join(LOCALES))


# The `id` converter already answers 404 outside these bounds; the type documents them.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Slug = Annotated[str, Field(pattern=SLUG.pattern)]
PathLocale = Annotated[Locale, Field(description="A locale msgsys speaks; any other is not_found."), NotFoundUnless(_unknown_locale)]


# Requests ----------------------------------------------------------------------------------

class _Request(BaseModel):
    # Strict: a number is not a title and a string is not a list; unknown fields are mistakes, not extras.
    model_config = ConfigDict(extra="forbid", strict=True)


class CampaignCreate(_Request):
    """A new campaign."""

    slug: StrictStr = Field(description="Lowercase letters, digits and hyphens; at most 80 characters.")
    title: StrictStr
    objective: StrictStr = ""
    source_locale: Locale = "en"
    target_locales: list[Locale] = []
    audience_countries: list[Country] = []
    starts_on: Optional[Day] = Field(default=None, description="YYYY-MM-DD")
    ends_on: Optional[Day] = Field(default=None, description="YYYY-MM-DD, not before starts_on")


class MessageCreate(_Request):
    """A new message of a campaign."""

    key: StrictStr = Field(description="Lowercase letters, digits and hyphens; unique within the campaign.")
    kind: Kind
    channels: list[Channel] = Field(default=["web", "sms"], min_length=1)


class VersionCreate(_Request):
    """A new draft version of a message."""

    title: StrictStr
    body: StrictStr = Field(default="", description="Markdown subset; required when the message goes to the web.")
    sms_text: StrictStr = Field(default="", description="Required when the message goes by SMS.")
    change_note: StrictStr = ""
    go_live_at: Optional[OffsetDatetime] = Field(default=None, description="ISO 8601 with an offset, years 2000 to 2100; none means on approval.")
    expires_at: Optional[OffsetDatetime] = Field(default=None, description="ISO 8601 with an offset, years 2000 to 2100, after go_live_at.")


class TransitionRequest(_Request):
    """The body of a workflow step; request-changes and retire need a reason."""

    reason: StrictStr = ""


class VersionApproval(TransitionRequest):
    """The body of a version approval: how it goes live beside its translations."""

    publication: Literal["now", "together"] = Field(
        default="now",
        description="now: publish when due; each language keeps its last approved translation (of the previously published "
                    "version) until the new one is approved. together: hold publication until every target language of the "
                    "campaign has an approved translation of this version.")
    correction: bool = Field(default=False, description="A correction stops the translations of earlier versions at once.")


class TranslationApproval(TransitionRequest):
    """The body of a translation approval."""

    confirm_required_statement: bool = Field(
        default=False,
        description="The reviewer confirms the text tells people not to approach the border until instructed. Required (true) "
                    "to approve a K'iche' translation of an advisory while no approved K'iche' required-statement rule checks it "
                    "(the approve step then lists needs_statement_confirmation); the approval's audit event keeps it.",
    )


class TranslationSave(_Request):
    """The whole translated text; every save is a new revision and puts the translation back to draft."""

    title: StrictStr
    body: StrictStr = Field(description="Markdown subset, as in the source; empty when the message does not go to the web.")
    sms_text: StrictStr = Field(description="Empty when the message does not go by SMS.")


M = TypeVar("M", bound=BaseModel)


def parse(model: type[M]) -> M:
    """The request's JSON body as `model`, or ValidationError naming the first bad field. An empty body is `{}`."""
    raw = request.get_data(cache=True) or b"{}"
    try:
        return model.model_validate_json(raw)
    except PydanticError as err:
        raise validation_error(err) from None


def validation_error(err: PydanticError) -> ValidationError:
    """Our ValidationError for pydantic's: `field` is the first bad one (dotted), `errors` lists them all."""
    errors = [
        {"field": ".".join(str(p) for p in e["loc"]) or "body", "type": e["type"], "message": e["msg"]}
        for e in err.errors(include_url=False, include_context=False, include_input=False)
    ]
    first = errors[0]
    if first["type"] == "json_invalid":
        message = _("The request body is not valid JSON.")
    elif first["field"] == "body":
        message = _("The request body must be a JSON object.")
    else:
        message = _("%(field)s: %(problem)s", field=first["field"], problem=first["message"])
    return ValidationError(message, details={"field": first["field"], "errors": errors})


# Responses ---------------------------------------------------------------------------------

class Campaign(BaseModel):
    """A campaign."""

    id: int
    slug: str
    title: str
    objective: str
    source_locale: str
    target_locales: list[str]
    audience_countries: list[str]
    starts_on: Optional[date]
    ends_on: Optional[date]
    owner_id: Optional[int]
    sample_note: str
    created_at: UtcDatetime

    @classmethod
    def of(cls, c: Any) -> "Campaign":
        """From the table row."""
        return cls(
            id=c.id, slug=c.slug, title=c.title, objective=c.objective, source_locale=c.source_locale,
            target_locales=c.target_list, audience_countries=c.country_list, starts_on=c.starts_on,
            ends_on=c.ends_on, owner_id=c.owner_id, sample_note=c.sample_note, created_at=c.created_at,
        )


class CampaignList(BaseModel):
    """Campaigns, newest first."""

    campaigns: list[Campaign]


class VersionRef(BaseModel):
    """Which version, and where it stands."""

    id: int
    number: int
    state: State

    @classmethod
    def of(cls, v: Any) -> Optional["VersionRef"]:
        """From the table row, or None."""
        return None if v is None else cls(id=v.id, number=v.number, state=v.state)


class Message(BaseModel):
    """A message with its newest and its published version."""

    id: int
    campaign_id: int
    key: str
    kind: Kind
    channels: list[Channel]
    created_at: UtcDatetime
    latest_version: Optional[VersionRef] = None
    published_version: Optional[VersionRef] = None

    @classmethod
    def of(cls, m: Any, latest: Any = None, published: Any = None) -> "Message":
        """From the table row and its two versions."""
        return cls(
            id=m.id, campaign_id=m.campaign_id, key=m.key, kind=m.kind, channels=m.channel_list, created_at=m.created_at,
            latest_version=VersionRef.of(latest), published_version=VersionRef.of(published),
        )


class CampaignDetail(Campaign):
    """A campaign with its messages, by key."""

    messages: list[Message]


class Version(BaseModel):
    """A message version. Once submitted, its content never changes."""

    id: int
    message_id: int
    number: int
    state: State
    title: str
    body: str
    sms_text: str
    change_note: str
    content_hash: str
    go_live_at: Optional[UtcDatetime]
    expires_at: Optional[UtcDatetime]
    author_id: Optional[int]
    author_label: str
    based_on_id: Optional[int]
    created_at: UtcDatetime
    submitted_at: Optional[UtcDatetime]
    reviewed_by_id: Optional[int]
    reviewed_at: Optional[UtcDatetime]
    review_reason: str
    published_at: Optional[UtcDatetime]
    retired_at: Optional[UtcDatetime]
    retire_reason: str
    superseded_by_id: Optional[int]
    correction: bool
    publication: Literal["now", "together"]

    @classmethod
    def fields_of(cls, v: Any) -> dict:
        """The row's attributes a plain Version shows."""
        return {name: getattr(v, name) for name in Version.model_fields}

    @classmethod
    def of(cls, v: Any) -> "Version":
        """From the table row."""
        return cls(**cls.fields_of(v))


class VersionList(BaseModel):
    """A message's versions, newest first."""

    versions: list[Version]


class PolicyViolationItem(BaseModel):
    """One breach of one policy rule, located in the field's text."""

    rule_id: Optional[int]
    rule_type: Literal[RULE_TYPES]  # type: ignore[valid-type]
    severity: Literal[SEVERITIES]  # type: ignore[valid-type]
    blocking: bool
    field: Optional[str]
    start: Optional[int]
    end: Optional[int]
    excerpt: str
    message: str


class PolicyReport(BaseModel):
    """What the active policy rules say about a version's text."""

    blocking: bool = Field(description="True when submitting or approving would be refused.")
    violations: list[PolicyViolationItem]

    @classmethod
    def of(cls, violations: list) -> "PolicyReport":
        """From the matcher's violations."""
        return cls(blocking=any(v.blocking for v in violations), violations=[v.as_dict() for v in violations])


class AllowedTransition(BaseModel):
    """A workflow step the caller may take now."""

    name: Step
    needs_reason: bool


class VersionDetail(Version):
    """A version with its policy report and the steps open to the caller."""

    policy: PolicyReport
    allowed_transitions: list[AllowedTransition]

    @classmethod
    def of_parts(cls, v: Any, *, violations: list, transitions: list) -> "VersionDetail":
        """From the row, its violations and the transitions open to the caller."""
        return cls(
            **cls.fields_of(v), policy=PolicyReport.of(violations),
            allowed_transitions=[AllowedTransition(name=t.name, needs_reason=t.needs_reason) for t in transitions],
        )


class DiffOp(BaseModel):
    """One stretch of text: kept (equal), removed (delete), added (insert) or replaced."""

    op: Literal["equal", "delete", "insert", "replace"]
    old: str
    new: str


class FieldDiff(BaseModel):
    """One field compared word by word."""

    changed: bool
    ops: list[DiffOp]


class VersionDiff(BaseModel):
    """What changed from one version (`from`) to another (`to`)."""

    model_config = ConfigDict(populate_by_name=True)

    from_id: int = Field(alias="from")
    to_id: int = Field(alias="to")
    fields: dict[Literal["title", "body", "sms_text"], FieldDiff]

    @classmethod
    def of(cls, old: Any, new: Any, diffs: list) -> "VersionDiff":
        """From the two rows and content.diff's field diffs."""
        return cls(from_id=old.id, to_id=new.id, fields={d.field: FieldDiff(changed=d.changed, ops=d.ops) for d in diffs})


class TranslationRevision(BaseModel):
    """One saved text of a translation; never changed once written."""

    id: int
    number: int
    title: str
    body: str
    sms_text: str
    author_id: Optional[int]
    author_label: str
    origin: str = Field(description="Where the text came from: web, api, import:<file> or carried (from the previous source version).")
    created_at: UtcDatetime

    @classmethod
    def of(cls, r: Any) -> Optional["TranslationRevision"]:
        """From the table row, or None."""
        return None if r is None else cls(**{name: getattr(r, name) for name in cls.model_fields})


class RevisionRef(BaseModel):
    """Which revision."""

    id: int
    number: int

    @classmethod
    def of(cls, r: Any) -> Optional["RevisionRef"]:
        """From the table row, or None."""
        return None if r is None else cls(id=r.id, number=r.number)


class TranslationIssue(BaseModel):
    """One problem with one field of a translation: changed links or placeholders, a policy rule, the glossary..."""

    field: str
    code: str = Field(description="missing, placeholders, urls, same_as_source, punctuation, spacing, glossary, or a policy rule type.")
    message: str
    blocking: bool = Field(description="True when it stops submission and approval; otherwise a warning.")


class TranslationChecks(BaseModel):
    """What the checks say about the current revision."""

    blocking: bool = Field(description="True when submitting or approving would be refused.")
    issues: list[TranslationIssue]


class AllowedTranslationTransition(BaseModel):
    """A translation workflow step the caller may take now."""

    name: TranslationStep
    needs_reason: bool
    needs_statement_confirmation: bool = Field(
        default=False, description="True when this step needs `confirm_required_statement: true` (see TranslationApproval).")


class TranslationDetail(BaseModel):
    """A source version's translation into one locale, its current text, checks and the steps open to the caller."""

    id: int
    version_id: int
    locale: Locale
    state: TranslationState
    outdated_fields: list[TranslatedField] = Field(description="Fields whose source text changed since this text was carried over.")
    carried_from_id: Optional[int]
    current_revision: Optional[TranslationRevision]
    approved_revision: Optional[RevisionRef] = Field(description="What recipients get; null until a second translator approves.")
    reviewed_by_id: Optional[int]
    reviewed_at: Optional[UtcDatetime]
    review_reason: str
    created_at: UtcDatetime
    checks: TranslationChecks
    allowed_transitions: list[AllowedTranslationTransition]

    @classmethod
    def of_parts(cls, t: Any, *, current: Any, approved: Any, issues: list, transitions: list,
                 confirm_statement: bool = False) -> "TranslationDetail":
        """From the row, its current and approved revisions, the check issues and the transitions open to the caller."""
        return cls(
            id=t.id, version_id=t.version_id, locale=t.locale, state=t.state, outdated_fields=t.outdated_list,
            carried_from_id=t.carried_from_id, current_revision=TranslationRevision.of(current), approved_revision=RevisionRef.of(approved),
            reviewed_by_id=t.reviewed_by_id, reviewed_at=t.reviewed_at, review_reason=t.review_reason, created_at=t.created_at,
            checks=TranslationChecks(blocking=any(i.blocking for i in issues), issues=[i.as_dict() for i in issues]),
            allowed_transitions=[AllowedTranslationTransition(name=s.name, needs_reason=s.needs_reason,
                                                              needs_statement_confirmation=confirm_statement and s.name == "approve")
                                 for s in transitions],
        )


class OpenApiDocument(BaseModel):
    """An OpenAPI 3.1 document."""

    model_config = ConfigDict(extra="allow")

    openapi: str
    info: dict[str, Any]
    servers: list[dict[str, Any]]
    security: list[dict[str, list[str]]]
    paths: dict[str, dict[str, Any]]
    components: dict[str, Any]


# Error details: the `details` of an error envelope, for the codes whose details have a shape -----------------
# TypedDicts, not models: they describe the dicts the services put in an error, and a key may be absent.

class FieldProblem(TypedDict):
    """One field that does not fit."""

    field: Annotated[str, Field(description="Dotted for nested items; `body` for the body itself.")]
    type: str
    message: str


class ValidationErrorDetails(TypedDict):
    """What did not fit."""

    field: NotRequired[Annotated[str, Field(description="The first field at fault (dotted for nested items; `body` for the body itself).")]]
    errors: NotRequired[Annotated[list[FieldProblem], Field(description="Every problem, when the body's shape did not fit.")]]


class PolicyViolationDetails(TypedDict):
    """Each breach of a policy rule."""

    violations: list[PolicyViolationItem]


class TranslationPolicyViolationDetails(TypedDict):
    """Each issue the translation checks found."""

    violations: Annotated[list[TranslationIssue], Field(description="Every issue found, blocking or not.")]


class Me(BaseModel):
    """The account a token acts as."""

    id: int
    email: str
    roles: list[str]
    locales: list[str]


def dump(model: BaseModel) -> dict:
    """JSON-ready form of a response model (datetimes as ISO 8601 UTC, aliases as documented)."""
    return model.model_dump(mode="json", by_alias=True)
