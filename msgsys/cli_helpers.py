"""What every domain's commands share: refusing with a message, describing a refusal, finding the user named."""
from __future__ import annotations

import sys

import click

from msgsys.errors import DomainError


def fail(message: str) -> None:
    """Print an error and exit with status 2, having changed nothing."""
    click.echo(f"error: {message}", err=True)
    sys.exit(2)


def user_or_fail(session, email: str):
    """The user with this email (None when none is given), or exit with an error."""
    from msgsys.auth import service as users

    if not email:
        return None
    user = users.find_user(session, email)
    if user is None:
        fail(f"no user with the email {email}")
    return user


def describe(exc: DomainError) -> str:
    """A refusal with each of its problems or policy violations on a line of its own."""
    details = exc.details if isinstance(exc.details, dict) else {}
    lines = [exc.message, *(f"  {p}" for p in details.get("problems", []))]
    for v in details.get("violations", []):
        lines.append(f"  - [{'block' if v.get('blocking') else 'warn'}] {v.get('field') or '-'}: {v['message']}")
    return "\n".join(lines)
