"""The log file is read in a terminal (`tail -f`): outside text in it is terminal-safe."""

from __future__ import annotations

import logging
from pathlib import Path

from cockpit.runtime.logs import setup_logging, write_crash_report


def test_escape_sequences_in_logged_outside_text_are_neutralised(tmp_path: Path) -> None:
    path = setup_logging(directory=tmp_path)
    hostile = "runbooks/\x1b]0;pwned\x07\x1b[2J.md"
    logging.getLogger("cockpit.test").warning("no such runbook: %s", hostile)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = path.read_text(encoding="utf-8")
    assert "no such runbook: runbooks/␛]0;pwned␇␛[2J.md" in text
    assert "\x1b" not in text and "\x07" not in text


def test_a_crash_report_carries_no_raw_escape_sequence(tmp_path: Path) -> None:
    try:
        raise RuntimeError("pod \x1b[2Jweb\x9b token=abc123")
    except RuntimeError as error:
        report = write_crash_report(error, directory=tmp_path)
    text = report.read_text(encoding="utf-8")
    assert "␛[2Jweb" in text and "abc123" not in text
    assert "\x1b" not in text and "\x9b" not in text
