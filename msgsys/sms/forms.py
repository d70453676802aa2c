"""Forms of the SMS pages: the admin pages (subscribers, erasure, keywords) and the public subscribe form."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TelField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from msgsys.locales import LOCALES, native_name
from msgsys.sms.models import KEYWORD_ACTIONS, SUBSCRIBER_STATES

STATE_LABELS = {"pending": _l("Waiting for confirmation"), "active": _l("Active"), "opted_out": _l("Opted out")}
CONSENT_SOURCE_LABELS = {"sms_keyword": _l("SMS keyword"), "web_form": _l("Web form"), "import": _l("Import")}
CHANGE_LABELS = {"state": _l("State"), "locale": _l("Language"), "erase": _l("Erasure")}
KEYWORD_STATUS_LABELS = {"not_required": _l("In force"), "pending": _l("Waiting for a translator's approval"),
                         "approved": _l("Approved, in force"), "rejected": _l("Rejected")}


def _languages() -> list[SelectChoice]:
    return [SelectChoice(code, native_name(code)) for code in LOCALES]


class SubscriberSearchForm(FlaskForm):
    """Filters of the subscribers page (GET, so no CSRF)."""

    class Meta:
        csrf = False

    number = StringField(_l("Phone number"), validators=[Optional(), Length(max=40)])
    state = SelectField(_l("State"), choices=[SelectChoice("", _l("Any state"))] + [SelectChoice(s, STATE_LABELS[s]) for s in SUBSCRIBER_STATES],
                        validators=[Optional()])


class EraseForm(FlaskForm):
    """Erasing a number: the admin confirms that the person asked for it."""

    confirm = BooleanField(_l("This person asked us to erase their number and messages. I understand this cannot be undone."),
                           validators=[DataRequired(_l("Tick the box to confirm that the person asked for the erasure."))])


class KeywordForm(FlaskForm):
    """A new keyword in one language."""

    locale = SelectField(_l("Language"), choices=_languages, validators=[InputRequired()])
    word = StringField(_l("Word"), validators=[DataRequired(), Length(max=40)])
    action = SelectField(_l("What it does"), choices=[], validators=[InputRequired()])
    target_locale = SelectField(_l("Switches to (language keywords only)"),
                                choices=lambda: [SelectChoice("", _l("Not a language keyword"))] + _languages(), validators=[Optional()])

    def __init__(self, *args, action_labels: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        labels = action_labels or {}
        self.action.choices = [SelectChoice(a, labels.get(a, a)) for a in KEYWORD_ACTIONS]


class SubscribeForm(FlaskForm):
    """The public site's subscribe form: a number and the language of the messages."""

    phone = TelField(_l("Your mobile phone number, with its country code"), render_kw={"autocomplete": "tel"})
    language = SelectField(_l("Language of the messages"), choices=_languages, validators=[InputRequired()])
