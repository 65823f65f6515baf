"""Errors Loupe reports to its users as one clear line (the CLI prints them without a traceback)."""


class LoupeError(Exception):
    """Base of every error meant for the user rather than for a developer."""


class ConfigError(LoupeError):
    """The settings are invalid or incomplete."""


class WarehouseLockedError(LoupeError):
    """Another process owns the embedded warehouse directory."""


class WarehouseUnavailableError(LoupeError):
    """The warehouse cannot be reached right now (server down, network); retrying may help."""


class QueryError(LoupeError):
    """The warehouse rejected a statement."""


class MigrationError(LoupeError):
    """The migrations on disk disagree with the ledger, or one of them failed."""


class WriterFullError(LoupeError):
    """The BatchWriter holds its maximum of pending records and is configured to raise."""


class WriterClosedError(LoupeError):
    """Records were handed to a BatchWriter that is closed."""


class NotDurableError(LoupeError):
    """Records could be neither inserted into the warehouse nor spooled: nothing was kept."""
