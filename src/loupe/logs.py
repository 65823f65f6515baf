"""Logging set-up for the CLI and services, with secret redaction.

Secrets (passwords, tokens) are registered once when settings are loaded; every log line and every
logged SQL statement is passed through `redact`, so they never reach a terminal or journal.
"""

from __future__ import annotations

import logging
import threading

from rich.console import Console
from rich.logging import RichHandler

_secrets: set[str] = set()
_secrets_lock = threading.Lock()
REDACTED = "**********"


def register_secret(value: str | None) -> None:
    """Remember a secret value so that `redact` hides it wherever it appears."""
    if value and len(value) >= 3:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    """Replace every registered secret in `text` with asterisks."""
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    """A logging filter that redacts registered secrets from the formatted message."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


QUIET_LOGGERS = ("clickhouse_connect", "urllib3")


def configure_logging(verbose: bool) -> None:
    """Log to stderr: warnings by default, SQL statements and timings with `verbose`."""
    root = logging.getLogger("loupe")
    for handler in list(root.handlers):
        root.removeHandler(handler)
    handler = RichHandler(
        console=Console(stderr=True), show_path=False, markup=False, rich_tracebacks=False
    )
    handler.addFilter(RedactingFilter())
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbose else logging.WARNING)
    root.propagate = False
    # The ClickHouse client logs a warning (and urllib3 its retries) for a failure that Loupe then
    # reports as one error line: without -v, they would only repeat it, worse.
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.CRITICAL)
