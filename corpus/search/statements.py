"""SQL text helpers shared by the back ends."""

from __future__ import annotations

from typing import Any

from sqlalchemy import DateTime, TextClause, bindparam, text


def typed_text(sql: str, params: dict[str, Any]) -> TextClause:
    """A text() statement whose :since binds as the DateTime the columns hold (text on SQLite)."""
    statement = text(sql)
    if "since" in params:
        statement = statement.bindparams(bindparam("since", type_=DateTime(timezone=True)))
    return statement
