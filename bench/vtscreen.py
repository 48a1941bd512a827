"""A small terminal emulator: enough of xterm to know what text a person would see.

It keeps the character grid only (no colours or attributes) and understands the sequences a
Textual app, a curses-less shell script and a line-oriented program send: cursor addressing,
erasing, insert/delete, scrolling regions, the alternate screen, autowrap and wide characters.
Everything else (SGR, mode switches, OSC titles, terminal queries) is parsed and dropped, so an
unknown sequence never leaks into the text.

It also counts, per cell, how often a character was written and how often that changed the
cell, which is what tells a real repaint from a redundant one.
"""

from __future__ import annotations

import codecs
import unicodedata
from dataclasses import dataclass, field

_ESC = "\x1b"


def char_width(char: str) -> int:
    if unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


@dataclass
class CellStats:
    """Per-cell write counters since the last `reset_stats()`."""

    writes: list[list[int]]
    changes: list[list[int]]


@dataclass
class Screen:
    columns: int = 80
    lines: int = 24
    grid: list[list[str]] = field(init=False)
    row: int = field(init=False, default=0)
    col: int = field(init=False, default=0)
    autowrap: bool = field(init=False, default=True)
    stats: CellStats = field(init=False)

    def __post_init__(self) -> None:
        self.grid = [[" "] * self.columns for _ in range(self.lines)]
        self.stats = CellStats(self._zeros(), self._zeros())
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._pending = ""  # an escape sequence split across two reads
        self._wrap_next = False  # xterm's "pending wrap": set after writing the last column
        self._top, self._bottom = 0, self.lines - 1
        self._saved = (0, 0)

    def _zeros(self) -> list[list[int]]:
        return [[0] * self.columns for _ in range(self.lines)]

    # ---- reading the screen -------------------------------------------------------------

    def display(self) -> list[str]:
        # A wide character's second cell holds "" so joining gives the text as printed.
        return ["".join(line).rstrip() for line in self.grid]

    def text(self) -> str:
        return "\n".join(self.display())

    def reset_stats(self) -> None:
        self.stats = CellStats(self._zeros(), self._zeros())

    # ---- feeding bytes ------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        text = self._pending + self._decoder.decode(data)
        self._pending = ""
        i, n = 0, len(text)
        while i < n:
            char = text[i]
            if char == _ESC:
                end = self._escape_end(text, i)
                if end is None:
                    self._pending = text[i:]
                    return
                self._escape(text[i:end])
                i = end
                continue
            if char < " " or char == "\x7f":
                self._control(char)
            else:
                self._print(char)
            i += 1

    @staticmethod
    def _escape_end(text: str, start: int) -> int | None:
        """Index just past the escape sequence at `start`, or None when it is incomplete."""
        n = len(text)
        if start + 1 >= n:
            return None
        kind = text[start + 1]
        if kind == "[":
            i = start + 2
            while i < n:
                if "@" <= text[i] <= "~":
                    return i + 1
                i += 1
            return None
        if kind in "]PX^_":
            # OSC, DCS, SOS, PM, APC: a string ended by BEL or ST (ESC \).
            i = start + 2
            while i < n:
                if text[i] == "\x07":
                    return i + 1
                if text[i] == _ESC:
                    if i + 1 >= n:
                        return None
                    if text[i + 1] == "\\":
                        return i + 2
                i += 1
            return None
        if kind in "()*+-./#% ":
            # Charset designation and friends take one more character.
            return start + 3 if start + 2 < n else None
        return start + 2

    def _escape(self, seq: str) -> None:
        kind = seq[1]
        if kind == "[":
            self._csi(seq[2:-1], seq[-1])
        elif kind == "7":
            self._saved = (self.row, self.col)
        elif kind == "8":
            self.row, self.col = self._saved
            self._wrap_next = False
        elif kind == "D":
            self._linefeed()
        elif kind == "E":
            self.col = 0
            self._linefeed()
        elif kind == "M":
            self._reverse_index()
        elif kind == "c":
            self.__post_init__()
            self.row = self.col = 0
            self.autowrap = True

    def _csi(self, params: str, final: str) -> None:
        private = params[:1] in ("?", ">", "<", "=")
        body = params[1:] if private else params
        if any(c in body for c in "$ '\"!"):
            return  # DECRQM, DECSCUSR and other intermediates: queries and settings only
        args = [int(p) if p.isdigit() else 0 for p in body.split(";")] if body else []

        def arg(index: int, default: int = 1) -> int:
            value = args[index] if index < len(args) else 0
            return value or default

        if private:
            if final in "hl" and params[0] == "?":
                on = final == "h"
                for mode in args:
                    if mode == 7:
                        self.autowrap = on
                    elif mode in (47, 1047, 1049):
                        # One grid only: entering or leaving the alternate screen starts clean.
                        self._erase_rect(0, 0, self.lines - 1, self.columns - 1)
            return
        self._wrap_next = False
        if final in "Hf":
            self.row = min(self.lines - 1, arg(0) - 1)
            self.col = min(self.columns - 1, arg(1) - 1)
        elif final == "A":
            self.row = max(0, self.row - arg(0))
        elif final in "Be":
            self.row = min(self.lines - 1, self.row + arg(0))
        elif final in "Ca":
            self.col = min(self.columns - 1, self.col + arg(0))
        elif final == "D":
            self.col = max(0, self.col - arg(0))
        elif final == "E":
            self.row, self.col = min(self.lines - 1, self.row + arg(0)), 0
        elif final == "F":
            self.row, self.col = max(0, self.row - arg(0)), 0
        elif final in "G`":
            self.col = min(self.columns - 1, arg(0) - 1)
        elif final == "d":
            self.row = min(self.lines - 1, arg(0) - 1)
        elif final == "J":
            self._erase_display(arg(0, 0))
        elif final == "K":
            self._erase_line(arg(0, 0))
        elif final == "X":
            end = min(self.columns - 1, self.col + arg(0) - 1)
            self._erase_rect(self.row, self.col, self.row, end)
        elif final == "@":
            line = self.grid[self.row]
            count = min(arg(0), self.columns - self.col)
            line[self.col : self.col] = [" "] * count
            del line[self.columns :]
        elif final == "P":
            line = self.grid[self.row]
            count = min(arg(0), self.columns - self.col)
            del line[self.col : self.col + count]
            line.extend([" "] * count)
        elif final == "L":
            self._insert_lines(arg(0))
        elif final == "M":
            self._delete_lines(arg(0))
        elif final == "S":
            for _ in range(arg(0)):
                self._scroll_up()
        elif final == "T":
            for _ in range(arg(0)):
                self._scroll_down()
        elif final == "r":
            top, bottom = arg(0) - 1, arg(1, self.lines) - 1
            if 0 <= top < bottom < self.lines:
                self._top, self._bottom = top, bottom
            self.row = self.col = 0
        elif final == "s":
            self._saved = (self.row, self.col)
        elif final == "u":
            self.row, self.col = self._saved

    def _control(self, char: str) -> None:
        if char == "\r":
            self.col = 0
            self._wrap_next = False
        elif char in "\n\x0b\x0c":
            self._linefeed()
        elif char == "\b":
            self.col = max(0, self.col - 1)
            self._wrap_next = False
        elif char == "\t":
            self.col = min(self.columns - 1, (self.col // 8 + 1) * 8)

    def _print(self, char: str) -> None:
        width = char_width(char)
        if width == 0:
            # A combining mark joins the character before it.
            target = max(0, self.col - 1) if not self._wrap_next else self.col
            self.grid[self.row][target] += char
            return
        if self._wrap_next:
            self._wrap_next = False
            self.col = 0
            self._linefeed()
        if width == 2 and self.col == self.columns - 1:
            if not self.autowrap:
                return
            self._set(self.row, self.col, " ")
            self.col = 0
            self._linefeed()
        self._set(self.row, self.col, char)
        if width == 2:
            self._set(self.row, self.col + 1, "")
        if self.col + width >= self.columns:
            self.col = self.columns - 1
            self._wrap_next = self.autowrap
        else:
            self.col += width

    def _set(self, row: int, col: int, char: str) -> None:
        self.stats.writes[row][col] += 1
        if self.grid[row][col] != char:
            self.stats.changes[row][col] += 1
            self.grid[row][col] = char

    def _linefeed(self) -> None:
        if self.row == self._bottom:
            self._scroll_up()
        elif self.row < self.lines - 1:
            self.row += 1

    def _reverse_index(self) -> None:
        if self.row == self._top:
            self._scroll_down()
        elif self.row > 0:
            self.row -= 1

    def _scroll_up(self) -> None:
        del self.grid[self._top]
        self.grid.insert(self._bottom, [" "] * self.columns)

    def _scroll_down(self) -> None:
        del self.grid[self._bottom]
        self.grid.insert(self._top, [" "] * self.columns)

    def _insert_lines(self, count: int) -> None:
        if not self._top <= self.row <= self._bottom:
            return
        for _ in range(min(count, self._bottom - self.row + 1)):
            del self.grid[self._bottom]
            self.grid.insert(self.row, [" "] * self.columns)

    def _delete_lines(self, count: int) -> None:
        if not self._top <= self.row <= self._bottom:
            return
        for _ in range(min(count, self._bottom - self.row + 1)):
            del self.grid[self.row]
            self.grid.insert(self._bottom, [" "] * self.columns)

    def _erase_display(self, how: int) -> None:
        last_row, last_col = self.lines - 1, self.columns - 1
        if how == 0:
            self._erase_rect(self.row, self.col, self.row, last_col)
            if self.row < last_row:
                self._erase_rect(self.row + 1, 0, last_row, last_col)
        elif how == 1:
            if self.row > 0:
                self._erase_rect(0, 0, self.row - 1, last_col)
            self._erase_rect(self.row, 0, self.row, self.col)
        else:
            self._erase_rect(0, 0, last_row, last_col)

    def _erase_line(self, how: int) -> None:
        if how == 0:
            self._erase_rect(self.row, self.col, self.row, self.columns - 1)
        elif how == 1:
            self._erase_rect(self.row, 0, self.row, self.col)
        else:
            self._erase_rect(self.row, 0, self.row, self.columns - 1)

    def _erase_rect(self, top: int, left: int, bottom: int, right: int) -> None:
        for row in range(top, bottom + 1):
            line = self.grid[row]
            for col in range(left, right + 1):
                line[col] = " "
