"""The one shape of a form post on the officers' pages: validate the form, run the service call in one
transaction, and show a refusal on the form, answered with the status msgsys.errors gives its kind."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import request
from flask_wtf import FlaskForm
from sqlmodel import Session

from msgsys import db
from msgsys.errors import DomainError


@dataclass
class FormPost:
    """What became of a form post: done (the call committed, `result` is what it returned), or why not."""

    done: bool = False
    result: Any = None
    status: int = 200  # when not done: 200 for a page that was only shown, 422 for invalid input, else the refusal's
    refusal: DomainError | None = None

    def detail(self, key: str) -> list:
        """A list the refusal carries in its details (`violations`, `problems`), or an empty one."""
        details = self.refusal.details if self.refusal is not None else None
        return list(details.get(key) or []) if isinstance(details, dict) else []

    @property
    def violations(self) -> list | None:
        """The policy violations that refused the post (None when it was not refused for them)."""
        return self.detail("violations") or None


def run_form(form: FlaskForm, call: Callable[[Session], Any]) -> FormPost:
    """Validate a posted form and run `call(session)` in one transaction; on a refusal nothing is saved,
    the refusal is shown on the form and the answer carries its status (ValidationError 422, Conflict 409, ...)."""
    if not form.validate_on_submit():
        return FormPost(status=422 if request.method == "POST" else 200)
    try:
        with db.transaction() as s:
            result = call(s)
    except DomainError as exc:
        show_refusal(form, exc)
        return FormPost(status=exc.status, refusal=exc)
    return FormPost(done=True, result=result)


def show_refusal(form: FlaskForm, exc: DomainError) -> None:
    """Put a service's refusal on the form: next to the field it names when the form has one, else on the form itself.

    Either way the page's error summary (templates/_forms.html) lists it at the top, with the blocking policy results
    a PolicyViolation carries (`form.refusal.details["violations"]`)."""
    form.refusal = exc
    field = exc.details.get("field") if isinstance(exc.details, dict) else None
    if field and field in form._fields and field != "csrf_token":
        form[field].errors = [*form[field].errors, exc.message]
    else:
        form.form_errors.append(exc.message)
