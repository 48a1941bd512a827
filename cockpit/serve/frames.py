"""What a browser may say on a `cockpit serve` websocket, read strictly.

textual-serve's page sends JSON text frames: `["stdin", text]`, `["resize", {"width": W,
"height": H}]`, `["ping", text]`, `["blur"]`, `["focus"]`. The session's process trusts what it
is told: a width of `1e308` or `"a"` crashed it, and 20000 × 20000 made it allocate 2.5 GB. So
each frame is parsed into one of the types below or refused with the close code and reason the
websocket is ended with; nothing else reaches the process.

Sizes: a type that a browser never sends (a string, a float, `true`, `null`, a missing or an
extra key) is refused, since only a hand-made client can send it. An integer out of range is
clamped instead: xterm.js sizes the terminal to the window, so a window dragged very small or
spread over several screens legitimately asks for 5 columns or 700, and the page then shows a
cropped or padded terminal rather than losing its session.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

# Below these a dashboard cannot lay out one panel; above them a frame costs memory and CPU
# in proportion (500 × 200 cells is already more than a 4K screen shows at a readable size).
MIN_COLUMNS, MAX_COLUMNS = 20, 500
MIN_ROWS, MAX_ROWS = 10, 200
DEFAULT_COLUMNS, DEFAULT_ROWS = 80, 24
# The largest frame a browser may send: a paste into an input is the only big one a person
# sends, and 64 KiB of it is a long page of text. aiohttp's default would be 4 MiB.
MAX_FRAME_BYTES = 64 * 1024
# The page's ping payload is a millisecond timestamp; it is echoed, so it stays small.
MAX_PING_CHARS = 64

# RFC 6455 close codes: 1003 a data type the endpoint does not accept, 1008 a message that
# breaks the endpoint's rules (the generic one when no other fits).
CLOSE_UNSUPPORTED_DATA = 1003
CLOSE_POLICY_VIOLATION = 1008


@dataclass(frozen=True)
class Stdin:
    text: str


@dataclass(frozen=True)
class Resize:
    width: int
    height: int


@dataclass(frozen=True)
class Ping:
    payload: str


@dataclass(frozen=True)
class Focus:
    focused: bool


Frame = Stdin | Resize | Ping | Focus


class FrameRefused(ValueError):
    """A frame the session is ended for; `reason` is a fixed phrase, never the frame's text."""

    def __init__(self, reason: str, code: int = CLOSE_POLICY_VIOLATION) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def clamp(value: int, low: int, high: int) -> int:
    return max(low, min(high, value))


def terminal_size(width: int, height: int) -> Resize:
    return Resize(clamp(width, MIN_COLUMNS, MAX_COLUMNS), clamp(height, MIN_ROWS, MAX_ROWS))


def _refuse_constant(name: str) -> Any:
    # Python's json reads NaN and Infinity, which JSON itself does not have.
    raise FrameRefused("not JSON: NaN and Infinity are not JSON values")


def _cell_count(value: object, name: str) -> int:
    # bool is a subclass of int: `true` must not become one column.
    if type(value) is not int:
        raise FrameRefused(f"resize {name} must be a whole number")
    return value


def _text(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise FrameRefused(f"{what} must be text")
    # JSON's \ud800 escapes decode to lone surrogates, which no UTF-8 stream can carry.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise FrameRefused(f"{what} is not valid Unicode") from None
    return value


def parse_frame(text: str) -> Frame:
    """The frame a text message carries, or FrameRefused."""
    try:
        envelope = json.loads(text, parse_constant=_refuse_constant)
    except FrameRefused:
        raise
    except (ValueError, RecursionError):
        # ValueError: not JSON, or an integer with more digits than Python converts;
        # RecursionError: nesting deeper than the parser's stack.
        raise FrameRefused("not JSON") from None
    if not isinstance(envelope, list) or not envelope or not isinstance(envelope[0], str):
        raise FrameRefused("not a [type, …] message")
    kind, arguments = envelope[0], envelope[1:]
    if kind in ("blur", "focus"):
        if arguments:
            raise FrameRefused(f"{kind} takes no arguments")
        return Focus(focused=kind == "focus")
    if len(arguments) != 1:
        if kind in ("stdin", "resize", "ping"):
            raise FrameRefused(f"{kind} takes exactly one argument")
        raise FrameRefused("unknown message type")
    [argument] = arguments
    if kind == "stdin":
        return Stdin(_text(argument, "stdin data"))
    if kind == "ping":
        payload = _text(argument, "ping data")
        if len(payload) > MAX_PING_CHARS:
            raise FrameRefused("ping data too long")
        return Ping(payload)
    if kind == "resize":
        if not isinstance(argument, dict) or set(argument) != {"width", "height"}:
            raise FrameRefused('resize needs exactly {"width": …, "height": …}')
        return terminal_size(
            _cell_count(argument["width"], "width"), _cell_count(argument["height"], "height")
        )
    raise FrameRefused("unknown message type")


def query_size(width: str | None, height: str | None) -> Resize:
    """The first terminal size, from the page's `?width=..&height=..`.

    The page writes whatever xterm.js proposed, `NaN` included when the terminal has no size
    yet, so anything other than plain ASCII digits means "not known" and gets the default.
    """

    def cells(value: str | None, default: int) -> int:
        if value is None or not (value.isascii() and value.isdigit()):
            return default
        # More digits than any screen has cells: clamped to the maximum like any large size.
        return int(value) if len(value) <= 6 else 10**6

    return terminal_size(cells(width, DEFAULT_COLUMNS), cells(height, DEFAULT_ROWS))
