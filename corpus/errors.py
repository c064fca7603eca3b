"""Library errors. The CLI turns these into clean messages; nothing else catches them broadly."""

from cleaning.errors import DebtcorpusError

__all__ = ["ConfigError", "DataError", "DebtcorpusError"]


class ConfigError(DebtcorpusError):
    """A bad option, profile or setting."""


class DataError(DebtcorpusError):
    """Input data that cannot be used as it is (a benchmark folder, a gold file)."""
