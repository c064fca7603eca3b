"""The root of the project's error hierarchy, here so that `cleaning` can raise it.

`corpus.errors` builds on it; the CLI turns every `DebtcorpusError` into a one-line message.
"""

from __future__ import annotations


class DebtcorpusError(Exception):
    """Base class for errors a user can act on; the message says what to do."""
