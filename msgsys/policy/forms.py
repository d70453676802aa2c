"""The form for adding or changing an advisory policy rule."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from msgsys.admin.forms import CheckboxesField
from msgsys.content.forms import KIND_LABELS
from msgsys.locales import LOCALES, lazy_language_name
from msgsys.policy.matching import KINDS, RULE_TYPES, SEVERITIES

RULE_TYPE_LABELS = {
    "forbidden_phrase": _l("Forbidden phrase"),
    "required_statement": _l("Required statement"),
    "link_allowlist": _l("Allowed link domains"),
    "max_sms_segments": _l("Maximum SMS segments"),
}
SEVERITY_LABELS = {"block": _l("Blocks submission and approval"), "warn": _l("Warning only")}
# Where a version stands with the approval a K'iche' rule needs (msgsys.policy.models.RULE_STATUSES).
STATUS_LABELS = {
    "not_required": _l("No approval needed"),
    "pending": _l("Waiting for approval"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
    "withdrawn": _l("Withdrawn"),
}


class RuleForm(FlaskForm):
    """One rule; the policy service checks that it can be used."""

    rule_type = SelectField(_l("Type"), choices=[SelectChoice(t, RULE_TYPE_LABELS[t]) for t in RULE_TYPES])
    pattern = TextAreaField(_l("Pattern"), validators=[DataRequired(), Length(max=2000)], render_kw={"rows": 2})
    severity = SelectField(_l("Severity"), choices=[SelectChoice(s, SEVERITY_LABELS[s]) for s in SEVERITIES])
    locale = SelectField(_l("Language"), choices=[SelectChoice("*", _l("Every language"))] + [SelectChoice(c, lazy_language_name(c)) for c in LOCALES])
    kinds = CheckboxesField(_l("Message kinds (none ticked: every kind)"), choices=[SelectChoice(k, KIND_LABELS[k]) for k in KINDS])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=500)], render_kw={"rows": 2})

    def to_data(self) -> dict:
        """The fields as the policy service takes them."""
        return {name: getattr(self, name).data for name in ("rule_type", "pattern", "severity", "locale", "kinds", "description")}


class RuleReviewForm(FlaskForm):
    """A translator's approval or rejection of one pending version (named, so a newer text is never approved unseen)."""

    version = IntegerField(widget=HiddenInput(), validators=[DataRequired(), NumberRange(min=1, max=1_000_000)])
    reason = TextAreaField(_l("Reason"), validators=[Optional(), Length(max=2000)], render_kw={"rows": 2})
