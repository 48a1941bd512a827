"""Text from outside made safe to put on a terminal.

Titles and notes someone else exported, pod and object names, alert and server messages,
runbook text: any of it may carry control characters. On a terminal those are commands, not
text: ESC starts sequences that set the window title, clear the screen, move the cursor or
rewrite the clipboard; a bare CR lets a line overwrite what came before it; C1 controls
(U+0080–U+009F) are single-byte escapes on some terminals; bidirectional overrides reorder
what a reader sees. So every such character becomes a visible stand-in before it is shown:
C0 controls and DEL their Unicode "control picture" (ESC shows as ␛), the rest U+FFFD.

Stand-ins rather than removal: a reader sees that something was there, and the length of a
name stays close to what the server has, so two names that differ only by a control character
never look the same.
"""

from __future__ import annotations

import re

# C0 controls, DEL, C1 controls, the Unicode line and paragraph separators, and the
# bidirectional formatting characters (embeddings, overrides, isolates, marks).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_UNSAFE_MULTILINE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)
_REPLACEMENT = "\ufffd"


def _stand_in(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return _REPLACEMENT


def terminal_safe(text: str, *, multiline: bool = False) -> str:
    """`text` with every character that could act on a terminal replaced by a visible one.

    Single-line (the default, for names, titles, table cells): newlines and tabs are replaced
    too, so one value can never draw a second line. Multi-line (notes, runbook text, logs):
    newlines and tabs stay; a CR LF pair becomes LF and a lone CR is shown as ␍.
    """
    if not isinstance(text, str):
        text = str(text)
    if multiline:
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        return _UNSAFE_MULTILINE.sub(_stand_in, text)
    return _UNSAFE.sub(_stand_in, text)


def is_terminal_safe(text: str, *, multiline: bool = False) -> bool:
    """True when `terminal_safe` would return `text` unchanged."""
    pattern = _UNSAFE_MULTILINE if multiline else _UNSAFE
    return pattern.search(text) is None and not (multiline and "\r" in text)


def quoted(text: str) -> str:
    """A value for an error message: terminal-safe, in double quotes, long ones cut."""
    safe = terminal_safe(text)
    if len(safe) > 80:
        safe = safe[:77] + "…"
    return f'"{safe}"'
