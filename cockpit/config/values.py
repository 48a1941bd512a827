"""The scalar values of a config, checked strictly: durations, text, URLs, HTTP headers, argv.

A config is written by hand and read at 3 a.m.; a value that is almost right must be refused
with the rule it breaks, never bent into something else. So a duration is a number of seconds
or a Prometheus-style string with ASCII digits and a unit, finite, above zero and below a
stated maximum (a 400-digit number must not become infinity, a zero timeout must not kill a
rollback at once). Text that reaches a terminal, a log line or an HTTP request may not carry
control characters. Every error message says what was expected and shows what was found,
quoted and cut short.

Pure Python and cheap to import: the dashboard checks its config before the first frame.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from fractions import Fraction
from typing import Any
from urllib.parse import urlsplit

from cockpit.core.safe_text import is_terminal_safe

# re.ASCII: `\d` would otherwise take full-width and other Unicode digits, which float() reads.
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d|w)", re.ASCII)
_UNIT_SECONDS = {"ms": Fraction(1, 1000), "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
# Units from the largest down, as a duration is written back; days only from a week on, so
# that "36h" stays "36h" rather than "1d12h".
_FORMAT_UNITS = (("h", 3600), ("m", 60), ("s", 1))
_DAYS_FROM = 7 * 86400
# Far longer than any duration a config has a use for, short enough that exact arithmetic on
# it costs nothing.
_MAX_DURATION_CHARS = 1024
_SHOWN_MAX = 60
DURATION_EXAMPLES = '"300ms", "15s", "1h30m" or "12h"'

MINUTE = 60.0
HOUR = 3600.0
DAY = 86400.0

# RFC 9110 (formerly 7230) `token`: the characters an HTTP field name may have.
_HEADER_NAME = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", re.ASCII)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)


def shown(value: Any) -> str:
    """A found value for an error message: strings quoted and made terminal-safe, long ones
    cut; other values as TOML would spell them."""
    if isinstance(value, str):
        # repr escapes every character str.isprintable refuses (controls, bidi overrides,
        # line separators), so the message is safe on a terminal and exact for the editor.
        return repr(value) if len(value) <= _SHOWN_MAX else repr(value[:_SHOWN_MAX]) + "…"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        text = str(value) if value.bit_length() < 200 else f"a number of {len(str(value))} digits"
        return text
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, dict):
        return "a table"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


# ---- durations ------------------------------------------------------------------------------


def _exact_seconds(value: Any) -> Fraction:
    """The duration in `value` as an exact number of seconds (ValueError if it is none):
    a finite non-negative number, or a string of ASCII-digit amounts with units."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise ValueError(f"expected a duration like {DURATION_EXAMPLES}, found {shown(value)}")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError(f"expected a finite duration, found {shown(value)}")
        if value < 0:
            raise ValueError(f"expected a duration of 0s or more, found {shown(value)}")
        return Fraction(value)
    text = value.strip()
    if not text or len(text) > _MAX_DURATION_CHARS:
        raise ValueError(f"expected a duration like {DURATION_EXAMPLES}, found {shown(value)}")
    total = Fraction(0)
    pos = 0
    for match in _DURATION_PART.finditer(text):
        if match.start() != pos:
            break
        total += Fraction(match.group(1)) * _UNIT_SECONDS[match.group(2)]
        pos = match.end()
    if pos == 0 or pos != len(text):
        raise ValueError(f"expected a duration like {DURATION_EXAMPLES}, found {shown(value)}")
    return total


def parse_duration(value: Any) -> float:
    """Seconds from a number of seconds or a string like "300ms", "15s", "1h30m".

    Strict: no booleans, ASCII digits only, finite, not negative. Bounds are the caller's
    (`duration_within`). The sum is exact (fractions), so "300ms" is the float nearest 0.3."""
    exact = _exact_seconds(value)
    try:
        seconds = float(exact)
    except OverflowError:
        seconds = math.inf
    if not math.isfinite(seconds):
        raise ValueError(f"expected a finite duration, found {shown(value)}")
    return seconds


def format_duration(seconds: float) -> str:
    """The shortest exact spelling `parse_duration` reads back: "24h", "1h30m", "300ms",
    "0.25s"; never an exponent."""
    if not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"not a duration: {seconds!r}")
    millis = round(Fraction(seconds) * 1000)
    if float(Fraction(millis, 1000)) != seconds:
        # Not a whole number of milliseconds: plain seconds, as many decimals as repr needs.
        return f"{format(Decimal(repr(seconds)), 'f')}s"
    whole, ms = divmod(millis, 1000)
    if whole == 0:
        return f"{ms}ms"
    parts = []
    if whole >= _DAYS_FROM:
        days, whole = divmod(whole, 86400)
        parts.append(f"{days}d")
    for unit, size in _FORMAT_UNITS:
        count, whole = divmod(whole, size)
        if count:
            parts.append(f"{count}{unit}")
    if ms:
        parts.append(f"{ms}ms")
    return "".join(parts)


def duration_within(value: Any, *, maximum: float, minimum: float = 0.0) -> float:
    """A duration more than 0s (or at least `minimum`) and at most `maximum`. The bounds are
    compared exactly, so 400 digits are "more than the maximum", never infinity."""
    exact = _exact_seconds(value)
    low = f"at least {format_duration(minimum)}" if minimum > 0 else "more than 0s"
    if exact <= 0 or exact < Fraction(minimum) or exact > Fraction(maximum):
        raise ValueError(
            f"must be {low} and at most {format_duration(maximum)}, found {shown(value)}"
        )
    return float(exact)


# ---- numbers ----------------------------------------------------------------------------------


def finite(value: float) -> float:
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, found {shown(value)}")
    return value


# ---- text -------------------------------------------------------------------------------------


def text_line(value: str) -> str:
    """One line of printable text: no control characters, escape sequences or line breaks."""
    if not is_terminal_safe(value):
        raise ValueError(
            f"may not contain control characters or line breaks, found {shown(value)}"
        )
    return value


def text_block(value: str) -> str:
    """Text that may span lines (a PromQL query): newlines and tabs, no other controls."""
    if not is_terminal_safe(value, multiline=True):
        raise ValueError(f"may not contain control characters, found {shown(value)}")
    return value


def env_name(value: str) -> str:
    if value and not _ENV_NAME.fullmatch(value):
        raise ValueError(
            f"expected the name of an environment variable (letters, digits and _, not "
            f"starting with a digit), found {shown(value)}"
        )
    return value


# ---- URLs and HTTP headers ------------------------------------------------------------------


_PASSWORD = re.compile(r"(//[^/@:]*:)[^/@]*@")


def _masked(url: str) -> str:
    """`url` for an error message: a password in it replaced by ***."""
    return shown(_PASSWORD.sub(r"\1***@", url))


def http_url(value: str) -> str:
    """An http(s) URL with a host and, if given, a valid port; nothing a request line or a
    terminal would read differently (whitespace, controls). Credentials in it are allowed (the
    HTTP clients turn them into basic auth); an error shows the URL with the password masked."""
    shown_url = _masked(value)
    if any(c.isspace() for c in value) or not is_terminal_safe(value):
        raise ValueError(
            f"a URL may not contain spaces, line breaks or control characters, found "
            f"{shown_url}"
        )
    if not value.lower().startswith(("http://", "https://")):
        raise ValueError(f"expected an http:// or https:// URL, found {shown_url}")
    try:
        parts = urlsplit(value)
    except ValueError:
        raise ValueError(f"bad host in URL {shown_url}") from None
    try:
        _ = parts.port  # urlsplit checks the port only when it is read
    except ValueError:
        raise ValueError(f"bad port in URL {shown_url}") from None
    if not parts.hostname:
        raise ValueError(f"URL {shown_url} has no host")
    return value


def header_name(value: str) -> str:
    if not _HEADER_NAME.fullmatch(value):
        raise ValueError(
            "expected an HTTP header name (letters, digits and !#$%&'*+-.^_`|~, no spaces), "
            f"found {shown(value)}"
        )
    return value


def header_value(value: str) -> str:
    """Printable ASCII, spaces and tabs. The value is not shown in the error: a header often
    carries a token."""
    bad = next((i for i, c in enumerate(value) if not ("\x20" <= c <= "\x7e" or c == "\t")), None)
    if bad is not None:
        raise ValueError(
            "an HTTP header value is printable ASCII with no line breaks or control characters; "
            f"found {repr(value[bad])[1:-1]} at position {bad} (the value is not shown: it may "
            "be a secret)"
        )
    return value


def raw_headers(values: Any) -> Any:
    """Header names and values as the file has them, before whitespace is stripped: a CR or LF
    at either end is as much an injection as one inside."""
    if isinstance(values, dict):
        for name, value in values.items():
            if isinstance(name, str) and isinstance(value, str):
                _one_header(name, value)
    return values


def _one_header(name: str, value: str) -> None:
    try:
        header_name(name)
        header_value(value)
    except ValueError as exc:
        raise ValueError(f"header {shown(name)}: {exc}") from None


def headers(values: dict[str, str]) -> dict[str, str]:
    seen: dict[str, str] = {}
    for name, value in values.items():
        _one_header(name, value)
        other = seen.get(name.lower())
        if other is not None:
            raise ValueError(
                f"headers {shown(other)} and {shown(name)} are one header (names ignore case)"
            )
        seen[name.lower()] = name
    return values


# ---- argv -------------------------------------------------------------------------------------


def argv(words: list[str]) -> list[str]:
    """A command as a list of words for exec, never a shell string."""
    if not words:
        raise ValueError('argv needs at least the program, e.g. ["helm", "rollback", "web"]')
    for index, word in enumerate(words):
        if word == "":
            raise ValueError(f"argv word {index} is empty")
        if not is_terminal_safe(word):
            raise ValueError(
                f"argv word {index} contains a control character or line break: {shown(word)}"
            )
    if len(words) == 1 and " " in words[0]:
        raise ValueError(
            f"argv is a list of words, not a shell string: write {words[0].split()!r}"
        )
    return words
