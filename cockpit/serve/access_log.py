"""What `cockpit serve` logs, and how the access token is kept out of it.

The token rides in the URL, so anything that logs a URL can leak it. aiohttp does on its own:
a request line over its 8190-byte limit is refused with 400 and logged as "Error handling
request" with the start of the line in the exception, `?token=…` included; its access log
would print every URL. The access log stays off, and every record the server process emits
passes `SecretFilter` on its way to any handler: `token=` values (the pattern the cockpit's
file log already masks) and the literal token itself (which also covers the cookie) become
`***`, and so does the value of the access cookie.

On stderr each record is one line, exception included as `(Type: message)`: the operator's
terminal gets no traceback and a client cannot draw lines there with CR/LF or escapes. The
full traceback, redacted the same way, goes to the cockpit's log file.
"""

from __future__ import annotations

import logging
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from cockpit.core.safe_text import terminal_safe
from cockpit.runtime.logs import redact, setup_logging

PREFIX = "cockpit serve: "
# The access cookie is `cockpit_serve_<port>=<token>`. aiohttp quotes only the first 100
# characters of an over-long header, so behind other cookies ours can be cut mid-token:
# the literal token no longer matches there, the cookie's name still does.
COOKIE_PREFIX = "cockpit_serve_"
_COOKIE_VALUE = re.compile(rf"({COOKIE_PREFIX}\d+=)[^;\s'\"]*")
MAX_LINE_CHARS = 400
MASK = "***"


class SecretFilter(logging.Filter):
    """Masks secrets in a record's message and traceback before any handler formats it."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        # Longest first, so a secret that contains another is masked whole.
        self.secrets = sorted({s for s in secrets if s}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        text = _COOKIE_VALUE.sub(rf"\g<1>{MASK}", redact(text))
        for secret in self.secrets:
            text = text.replace(secret, MASK)
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            # Arguments that do not fit the format: a filter must not raise into the caller.
            message = f"{record.msg} {record.args!r}"
        record.msg = self.scrub(message)
        record.args = ()
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            record.exc_text = self.scrub(logging.Formatter().formatException(record.exc_info))
            # The one-line form, for handlers that do not print tracebacks.
            record.error_summary = self.scrub(f"{type(error).__name__}: {error}")
        if record.stack_info:
            record.stack_info = self.scrub(record.stack_info)
        return True


class OneLineFormatter(logging.Formatter):
    """`cockpit serve: message (Type: error)` on one terminal-safe line."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        summary = getattr(record, "error_summary", None)
        if summary:
            message = f"{message} ({summary})"
        line = terminal_safe(" ".join(message.split()))
        if len(line) > MAX_LINE_CHARS:
            line = line[: MAX_LINE_CHARS - 1] + "…"
        return PREFIX + line


def configure(
    token: str, *, debug: bool = False, stream: TextIO | None = None, log_dir: Path | None = None
) -> Path:
    """Logging for the server process: redacted one-liners on stderr, details in the log file.

    Returns the log file's path.
    """
    path = setup_logging(debug=debug, directory=log_dir)
    secrets = SecretFilter([token])
    console = logging.StreamHandler(stream or sys.stderr)
    console.setLevel(logging.WARNING)
    console.setFormatter(OneLineFormatter())
    root = logging.getLogger()
    root.addHandler(console)
    for handler in root.handlers:
        handler.addFilter(secrets)
    # Each request would otherwise be a line with its URL; nothing in it is worth the risk.
    logging.getLogger("aiohttp.access").disabled = True
    return path


def loop_exception_handler(_loop: Any, context: dict[str, Any]) -> None:
    """asyncio's "exception was never retrieved" and the like, through the same filters."""
    error = context.get("exception")
    logging.getLogger("cockpit.serve.server").error(
        "%s", context.get("message", "error in the event loop"),
        exc_info=(type(error), error, error.__traceback__) if error is not None else None,
    )
