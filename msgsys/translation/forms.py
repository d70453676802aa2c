"""Forms of the translators' pages: the editor, review steps, the glossary, catalog upload and the list filter."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from msgsys.content.markup import MAX_BODY_CHARS

# "untranslated" is not a state of any row: it names source versions nobody has started yet.
STATE_LABELS = {
    "untranslated": _l("Untranslated"),
    "draft": _l("Draft"),
    "in_review": _l("In review"),
    "changes_requested": _l("Changes requested"),
    "approved": _l("Approved"),
    "outdated": _l("Outdated"),
}
FIELD_LABELS = {"title": _l("Title"), "body": _l("Web text"), "sms_text": _l("SMS text")}
STEP_LABELS = {"submit": _l("Submit for review"), "approve": _l("Approve"), "request_changes": _l("Request changes")}


class TranslationForm(FlaskForm):
    """The translated fields; the translation service does the real checking."""

    title = StringField(_l("Title"), validators=[Optional(), Length(max=200)])
    body = TextAreaField(_l("Web text"), validators=[Optional(), Length(max=MAX_BODY_CHARS)], render_kw={"rows": 8})
    sms_text = TextAreaField(_l("SMS text"), validators=[Optional(), Length(max=1600)],
                             render_kw={"data-sms-counter": "sms-count", "rows": 4})

    def to_data(self) -> dict:
        """The fields as the translation service takes them."""
        return {name: getattr(self, name).data or "" for name in ("title", "body", "sms_text")}


class StepForm(FlaskForm):
    """One review step on a translation, with a reason where the step needs one."""

    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 3})
    # Shown on approval only while no approved rule of the language checks an advisory for the statement.
    confirm_required_statement = BooleanField(_l("I confirm that this text tells people not to approach the border until instructed."))


class GlossaryForm(FlaskForm):
    """A new glossary term of one locale."""

    source_term = StringField(_l("Term"), validators=[DataRequired(), Length(max=120)])
    required_translation = StringField(_l("Required translation"), validators=[DataRequired(), Length(max=120)])
    note = StringField(_l("Note"), validators=[Optional(), Length(max=500)])
    # The editor page the form was sent from, to go back to (an id, never a URL).
    version_id = HiddenField(validators=[Optional()])


class CatalogUploadForm(FlaskForm):
    """A PO catalog file, as Poedit or Weblate wrote it."""

    file = FileField(_l("Catalog file (.po)"), validators=[FileRequired(_l("Choose a .po file to upload."))])


class QueueFilterForm(FlaskForm):
    """The state filter of the translators' list (a GET form, so no CSRF)."""

    class Meta:
        csrf = False

    state = SelectField(_l("State"), validators=[Optional()],
                        choices=[SelectChoice("", _l("All"))] + [SelectChoice(k, v) for k, v in STATE_LABELS.items()])
