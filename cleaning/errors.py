"""The root of the project's error hierarchy, here so that `cleaning` can raise it.

`corpus.errors` builds on it; the CLI turns every `DebtcorpusError` into a one-line message.
"""

from __future__ import annotations

import json


class DebtcorpusError(Exception):
    """Base class for errors a user can act on; the message says what to do."""


def json_error(exc: json.JSONDecodeError) -> str:
    """What is wrong with a line that is not JSON, and where (json's own message ends in "at"
    and keeps the position for str(exc)): "Invalid control character at column 15"."""
    return f"{exc.msg.removesuffix(' at')} at column {exc.colno}"
