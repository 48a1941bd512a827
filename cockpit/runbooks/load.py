"""Runbook files from disk: one file, or every runbook under some directories. Bytes that are
not UTF-8 are read anyway (and said so); a file that cannot be read is one line in the
problems, never an exception that hides the other runbooks.

A runbook is outside text (a shared repository, a wiki export): it is made terminal-safe here,
once, as it is read (`terminal_safe`, newlines and tabs kept, CR LF read as LF), before it is
parsed. Titles, steps, notes and commands are all cut from that text, so the pane, the
`cockpit runbook` commands and a command run as an action all see the same characters — a
command never runs with a control character the screen did not show.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from cockpit.core.safe_text import terminal_safe
from cockpit.runbooks.model import Runbook
from cockpit.runbooks.parse import parse_runbook

RUNBOOK_SUFFIXES = (".md", ".markdown", ".txt", ".text")
# Larger than any runbook anyone reads during an incident; a bigger file is probably a log.
MAX_BYTES = 1_000_000


def load_runbook(path: Path) -> Runbook:
    """Read and parse one file. Raises OSError when it cannot be read; bytes that are not
    UTF-8 are replaced (and said so) rather than refusing the whole runbook."""
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise OSError(f"{path}: {size} bytes is too large for a runbook (limit {MAX_BYTES})")
    raw = path.read_bytes()
    notes: list[str] = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        text = raw.decode("utf-8", errors="replace")
        notes.append(
            f"not UTF-8 (first bad byte at {error.start}); unreadable characters shown as �"
        )
    # What the parser would read as line structure or drop anyway is settled before the text
    # is made terminal-safe: CR-only line ends stay line ends, NUL bytes are dropped (and said).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if "\x00" in text:
        notes.append("contains NUL bytes; they were dropped")
        text = text.replace("\x00", "")
    runbook = parse_runbook(terminal_safe(text, multiline=True), terminal_safe(str(path)))
    if notes:
        warnings = (*notes, *runbook.warnings)
        runbook = Runbook(runbook.title, runbook.source, runbook.sections, warnings)
    return runbook


def load_runbooks(places: Iterable[Path]) -> tuple[list[Runbook], list[str]]:
    """Every runbook in the given directories (recursively) or files. Problems are returned as
    one line each, never raised: one bad file must not hide the others."""
    runbooks: list[Runbook] = []
    problems: list[str] = []
    for place in places:
        place = place.expanduser()
        if place.is_file():
            files = [place]
        elif place.is_dir():
            files = sorted(
                p
                for p in place.rglob("*")
                if p.is_file()
                and p.suffix.lower() in RUNBOOK_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(place).parts)
            )
        else:
            problems.append(f"{place}: no such file or directory")
            continue
        for path in files:
            try:
                runbooks.append(load_runbook(path))
            except OSError as error:
                problems.append(str(error) if str(path) in str(error) else f"{path}: {error}")
    return runbooks, problems
