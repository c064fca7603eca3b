"""Library errors. The CLI turns these into clean messages; nothing else catches them broadly."""


class DebtcorpusError(Exception):
    """Base class for errors a user can act on; the message says what to do."""


class ConfigError(DebtcorpusError):
    """A bad option, profile or setting."""


class DataError(DebtcorpusError):
    """Input data that cannot be used as it is (a benchmark folder, a gold file)."""
