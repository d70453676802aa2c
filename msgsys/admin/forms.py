"""Forms for managing users and filtering the audit log."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms.fields.choices import SelectChoice
from wtforms import BooleanField, EmailField, PasswordField, SelectMultipleField, StringField, widgets
from wtforms.validators import DataRequired, Length, Optional

from msgsys.locales import LOCALES, lazy_language_name
from msgsys.permissions import ROLES

ROLE_LABELS = {
    "author": _l("Author (communications officer)"),
    "approver": _l("Approver"),
    "translator": _l("Translator"),
    "admin": _l("Administrator"),
}


class CheckboxesField(SelectMultipleField):
    """A set of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class UserCreateForm(FlaskForm):
    """A new account."""

    email = EmailField(_l("Email"), validators=[DataRequired(), Length(max=254)])
    name = StringField(_l("Name"), validators=[Optional(), Length(max=120)])
    roles = CheckboxesField(_l("Roles"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
    locales = CheckboxesField(_l("Translates into"), choices=[SelectChoice(l, lazy_language_name(l)) for l in LOCALES])
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), Length(max=1000)])


class UserEditForm(FlaskForm):
    """Roles, locales and whether the account is active."""

    roles = CheckboxesField(_l("Roles"), choices=[SelectChoice(r, ROLE_LABELS[r]) for r in ROLES])
    locales = CheckboxesField(_l("Translates into"), choices=[SelectChoice(l, lazy_language_name(l)) for l in LOCALES])
    active = BooleanField(_l("Active"))


class AuditFilterForm(FlaskForm):
    """Filters of the audit page (GET, so no CSRF)."""

    class Meta:
        csrf = False

    actor = StringField(_l("Who"), validators=[Optional(), Length(max=254)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    subject_type = StringField(_l("Subject type"), validators=[Optional(), Length(max=40)])
    subject_id = StringField(_l("Subject id"), validators=[Optional(), Length(max=64)])
