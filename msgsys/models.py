"""Imports every domain's models so SQLModel.metadata (and Alembic) sees the whole schema."""
from __future__ import annotations

from sqlmodel import SQLModel


def load_all() -> type[SQLModel]:
    """Import all model modules; return the base whose metadata holds them."""
    from msgsys.audit import models as _audit  # noqa: F401
    from msgsys.auth import models as _auth  # noqa: F401
    from msgsys.content import models as _content  # noqa: F401
    from msgsys.policy import models as _policy  # noqa: F401
    from msgsys.sms import models as _sms  # noqa: F401
    from msgsys.translation import models as _translation  # noqa: F401

    _content.install_guards()

    return SQLModel
