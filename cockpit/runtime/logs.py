"""Diagnostics go to a log file, never to the terminal the UI is drawing on."""

from __future__ import annotations

import logging
import logging.handlers
import re
import traceback
from datetime import UTC, datetime
from pathlib import Path

from platformdirs import user_log_path

from cockpit.core.safe_text import terminal_safe

APP_NAME = "incident-cockpit"
_SECRET = re.compile(
    r"(?i)(authorization:\s*(?:bearer|basic)\s+|bearer\s+|token[\"']?\s*[:=]\s*[\"']?)([^\s\"',]+)"
)


def redact(text: str) -> str:
    """Mask bearer tokens and token=… values wherever they appear in a message."""
    return _SECRET.sub(lambda m: m.group(1) + "***", text)


class RedactingFormatter(logging.Formatter):
    """Tokens masked, and outside text (a path, a server's message, a pod name) made
    terminal-safe: people read this file with `tail -f` in a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        return terminal_safe(redact(super().format(record)), multiline=True)


def log_dir() -> Path:
    return user_log_path(APP_NAME)


def setup_logging(debug: bool = False, directory: Path | None = None) -> Path:
    directory = directory or log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "cockpit.log"
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=2_000_000, backupCount=3, encoding="utf-8"
    )
    handler.setFormatter(RedactingFormatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if debug else logging.INFO)
    # Third-party chatter (HTTP connection pools) only when asked for.
    for noisy in ("httpx", "httpcore", "urllib3", "kubernetes", "asyncio"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if debug else logging.WARNING)
    return path


def write_crash_report(error: BaseException, directory: Path | None = None) -> Path:
    directory = directory or log_dir()
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = directory / f"crash-{stamp}.txt"
    text = "".join(traceback.format_exception(error))
    report = redact(f"incident-cockpit crashed at {stamp}\n\n{text}")
    path.write_text(terminal_safe(report, multiline=True), encoding="utf-8")
    logging.getLogger("cockpit").critical("crash: %s (report: %s)", error, path)
    return path
