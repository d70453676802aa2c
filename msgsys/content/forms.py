"""Forms of the officers' content pages: campaigns, messages, the version editor and workflow steps."""
from __future__ import annotations

from datetime import timezone

from babel import Locale
from flask_babel import get_locale, gettext, lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from msgsys.admin.forms import CheckboxesField
from msgsys.content.markup import MAX_BODY_CHARS
from msgsys.content.models import CHANNELS, COUNTRIES, KINDS
from msgsys.locales import LOCALES, language_name, lazy_language_name
from msgsys.times import FIRST_YEAR, LAST_YEAR

KIND_LABELS = {
    "advisory": _l("Advisory"),
    "pathway": _l("Lawful pathway"),
    "counter_rumor": _l("Counter-rumor"),
    "info": _l("Information"),
}
CHANNEL_LABELS = {"web": _l("Web"), "sms": _l("SMS")}
STATE_LABELS = {
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "published": _l("Published"),
    "retired": _l("Retired"),
}
# The browser sends datetime-local as "2026-03-10T09:00"; older forms may add seconds.
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]
# The browser's picker keeps to the years the content service accepts (msgsys/times.py says why).
TIME_RANGE = {"min": f"{FIRST_YEAR}-01-01T00:00", "max": f"{LAST_YEAR}-12-31T23:59"}


def country_name(code: str) -> str:
    """A country's name in the UI language (Spanish names for K'iche', whose CLDR data is thin)."""
    locale = str(get_locale() or "en")
    try:
        return Locale.parse("es" if locale == "quc" else locale).territories.get(code, code)
    except Exception:  # an unknown locale: the code still says which country
        return code


class CampaignForm(FlaskForm):
    """A new campaign."""

    slug = StringField(_l("Slug"), validators=[DataRequired(), Length(max=80)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    objective = TextAreaField(_l("Objective"), validators=[Optional(), Length(max=2000)])
    source_locale = SelectField(_l("Source language"), choices=[SelectChoice(c, lazy_language_name(c)) for c in LOCALES], default="en")
    target_locales = CheckboxesField(_l("Translated into"), choices=[SelectChoice(c, lazy_language_name(c)) for c in LOCALES])
    audience_countries = CheckboxesField(_l("Audience countries"))
    starts_on = DateField(_l("Starts on"), validators=[Optional()])
    ends_on = DateField(_l("Ends on"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.audience_countries.choices = [SelectChoice(c, f"{country_name(c)} ({c})") for c in COUNTRIES]

    def to_data(self) -> dict:
        """The fields as the content service takes them."""
        return {name: getattr(self, name).data for name in (
            "slug", "title", "objective", "source_locale", "target_locales", "audience_countries", "starts_on", "ends_on")}

    def source_left_out(self) -> str | None:
        """What to tell the officer when the source language was also ticked as a target: the service leaves it out."""
        source = self.source_locale.data
        if source not in (self.target_locales.data or []):
            return None
        return gettext("%(language)s is the source language; it was left out of the target languages.",
                       language=language_name(source, start=True))


class MessageForm(FlaskForm):
    """A new message of a campaign."""

    key = StringField(_l("Key"), validators=[DataRequired(), Length(max=80)])
    kind = SelectField(_l("Kind"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS])
    channels = CheckboxesField(_l("Channels"), choices=[SelectChoice(c, CHANNEL_LABELS[c]) for c in CHANNELS], default=list(CHANNELS))


class VersionForm(FlaskForm):
    """The version editor; the content service does the real checking."""

    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    body = TextAreaField(_l("Web text"), validators=[Optional(), Length(max=MAX_BODY_CHARS)])
    sms_text = TextAreaField(_l("SMS text"), validators=[Optional(), Length(max=1600)],
                             render_kw={"data-sms-counter": "sms-count", "rows": 4})
    go_live_at = DateTimeLocalField(_l("Goes live at (UTC)"), validators=[Optional()], format=DATETIME_FORMATS, tz=timezone.utc,
                                    render_kw=TIME_RANGE)
    expires_at = DateTimeLocalField(_l("Expires at (UTC)"), validators=[Optional()], format=DATETIME_FORMATS, tz=timezone.utc,
                                    render_kw=TIME_RANGE)
    change_note = StringField(_l("Change note"), validators=[Optional(), Length(max=500)])
    correction = BooleanField(_l("This version corrects an error: once it is live, stop the translations of earlier versions at once"))

    def to_data(self) -> dict:
        """The fields as the content service takes them."""
        return {name: getattr(self, name).data for name in ("title", "body", "sms_text", "go_live_at", "expires_at", "change_note", "correction")}


class StepForm(FlaskForm):
    """One workflow step on a version, with a reason where the step needs one; approval also chooses how it goes live."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})
    # Checked by the workflow (msgsys.workflow.service), which refuses an unknown choice with its own message.
    publication = RadioField(_l("How it goes live"), choices=[
        ("now", _l("At once: each language keeps its last approved translation until the new one is approved")),
        ("together", _l("Together: hold it until every translation is approved, then publish all languages at once")),
    ], default="now", validate_choice=False)
    correction = BooleanField(_l("This is a correction: stop the translations of earlier versions at once"))


class CompareForm(FlaskForm):
    """Pick two versions to compare (a GET form, so no CSRF)."""

    class Meta:
        csrf = False

    a = SelectField(_l("Older version"), coerce=int)
    b = SelectField(_l("Newer version"), coerce=int)
