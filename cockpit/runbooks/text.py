"""Small text helpers shared by the runbook modules: Markdown inline markup, anchors, words,
durations. Pure functions; nothing here raises on odd input."""

from __future__ import annotations

import re
import shlex


def wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


PLACEHOLDER = re.compile(
    r"<[A-Za-z][\w .-]*>|\{\{[^}]*\}\}|\$\{[^}]+\}|\$[A-Z_][A-Z0-9_]*|\bYOUR_[A-Z0-9_]+\b|\bXXX+\b"
)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
# Underscores inside words (messages_ready) are not emphasis, as in CommonMark.
_EMPHASIS = re.compile(r"(\*\*|\*|~~)(?=\S)(.+?)(?<=\S)\1|(?<!\w)(__|_)(?=\S)(.+?)(?<=\S)\3(?!\w)")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1")


def clean_inline(text: str) -> str:
    """Markdown inline markup off, for titles and matching: links keep their words, code
    spans keep their text untouched."""
    parts = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(_clean_markup(text[last : match.start()]))
        parts.append(match.group(2).strip())
        last = match.end()
    parts.append(_clean_markup(text[last:]))
    return "".join(parts).replace("`", "").strip()


def _clean_markup(text: str) -> str:
    text = _LINK.sub(r"\1", text)
    return _EMPHASIS.sub(lambda m: m.group(2) or m.group(4) or "", text)


def slugify(title: str) -> str:
    """GitHub's anchor rule, near enough: lower case, punctuation out, spaces to hyphens."""
    text = clean_inline(title).lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return re.sub(r"\s", "-", text.strip()) or "section"


def indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def split_argv(text: str) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(text, comments=True))
    except ValueError:
        return ()


TIME_SECONDS = {
    "ms": 0.001,
    "msec": 0.001,
    "millisecond": 0.001,
    "s": 1.0,
    "sec": 1.0,
    "second": 1.0,
    "m": 60.0,
    "min": 60.0,
    "minute": 60.0,
    "h": 3600.0,
    "hr": 3600.0,
    "hour": 3600.0,
    "d": 86400.0,
    "day": 86400.0,
}


def to_seconds(num: str, unit: str) -> float:
    key = unit.lower().rstrip("s") if unit.lower() not in ("s", "ms") else unit.lower()
    key = {"mins": "min", "hrs": "hr", "secs": "sec", "msecs": "msec"}.get(key, key)
    return float(num.replace(",", "")) * TIME_SECONDS.get(key, TIME_SECONDS.get(key[:1], 1.0))
