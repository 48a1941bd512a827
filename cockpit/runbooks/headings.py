"""Where a runbook's sections start: Markdown headings (`#`, underlined), wiki `== x ==`, bold
lines, and in plain text ALL CAPS or `Title:` lines; and which lines are fenced code."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

_ATX = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
# MediaWiki / DokuWiki style: `= Title =` is level 1, `== Section ==` level 2.
_WIKI = re.compile(r"^ {0,3}(={1,6})[ \t]+([^=\s].*?)[ \t]+\1[ \t]*$")
_BOLD_LINE = re.compile(r"^ {0,3}(\*\*|__)([^*_\n]+?):?\1:?[ \t]*$")
_CAPS_LINE = re.compile(r"^(?:\d{1,2}[.)]\s+)?([A-Z][A-Z0-9 &/,'()+-]{2,59}?):?\s*$")
_COLON_LINE = re.compile(r"^([A-Z][\w '&/()+-]{1,48}):\s*$")
FENCE = re.compile(r"^(\s*)(`{3,}|~{3,})\s*([^`\s]*)[^`]*$")
# A list item: a bullet, "1." / "1)" / "1:" / "a)" / "iv.", "Step 3:", a ballot box, or a bare
# "[ ]" / "[x]" as plain-text checklists write them.
ITEM = re.compile(
    r"^(?P<indent>\s*)"
    r"(?:(?P<bullet>[-*+•·▪‣◦])"
    r"|(?P<num>\(?(?:\d{1,3}[.):]|(?:[a-zA-Z]|[ivxIVX]{1,4})[.)]))"
    r"|(?P<step>[Ss]tep\s+(?P<stepnum>\d{1,3})\s*[:.)\-–—]?)|(?P<uni>[☐☑☒✅⬜])"
    r"|\[(?P<bare>[ xX✓✔])\])"
    r"\s+(?:\[(?P<box>[ xX✓✔])\]\s*)?(?P<text>\S.*)$"
)
TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")


@dataclass(slots=True)
class _Heading:
    index: int  # line index of the title
    level: int
    title: str
    consumed: int  # 1, or 2 for an underlined heading


def find_headings(lines: Sequence[str], code: Sequence[bool], start: int) -> list[_Heading]:
    markdown: list[_Heading] = []
    underlines: set[int] = set()
    for i in range(start, len(lines)):
        if code[i] or i in underlines:
            continue
        line = lines[i]
        atx = _ATX.match(line)
        if atx and not line.lstrip().startswith("#!"):
            markdown.append(_Heading(i, len(atx.group(1)), (atx.group(2) or "").strip(), 1))
            continue
        if (
            i + 1 < len(lines)
            and not code[i + 1]
            and line.strip()
            and _SETEXT.match(lines[i + 1])
            and not ITEM.match(line)
            and not line.lstrip().startswith(("|", ">"))
            and (i == start or not lines[i - 1].strip())
        ):
            level = 1 if lines[i + 1].strip().startswith("=") else 2
            markdown.append(_Heading(i, level, line.strip(), 2))
            underlines.add(i + 1)
            continue
        wiki = _WIKI.match(line)
        if wiki:
            markdown.append(_Heading(i, len(wiki.group(1)), wiki.group(2), 1))
    if markdown:
        # Bold-only lines act as headings one level under the Markdown heading above them.
        found = list(markdown)
        level_at = sorted((h.index, h.level) for h in markdown)
        for i in range(start, len(lines)):
            if code[i] or i in underlines:
                continue
            bold = _BOLD_LINE.match(lines[i])
            if bold and (i == start or not lines[i - 1].strip()):
                above = [lvl for idx, lvl in level_at if idx < i]
                level = min(6, (above[-1] if above else 1) + 1)
                found.append(_Heading(i, level, bold.group(2).strip(), 1))
        return sorted(found, key=lambda h: h.index)
    # No Markdown headings at all: a plain-text runbook. Guess from its conventions.
    guessed = []
    for i in range(start, len(lines)):
        if code[i]:
            continue
        line = lines[i].rstrip()
        after_blank = i == start or not lines[i - 1].strip()
        if not after_blank or not line or line.startswith(" "):
            continue
        caps = _CAPS_LINE.match(line)
        if caps and sum(c.isalpha() for c in caps.group(1)) >= 3:
            guessed.append(_Heading(i, 1, caps.group(1).strip().capitalize(), 1))
            continue
        bold = _BOLD_LINE.match(line)
        if bold:
            guessed.append(_Heading(i, 2, bold.group(2).strip(), 1))
            continue
        colon = _COLON_LINE.match(line)
        if colon and len(colon.group(1).split()) <= 6:
            guessed.append(_Heading(i, 2, colon.group(1).strip(), 1))
    return guessed


def code_mask(lines: Sequence[str], start: int, warnings: list[str]) -> list[bool]:
    """Which lines are inside fenced code (fence lines included): never headings."""
    mask = [False] * len(lines)
    fence: tuple[str, int, int] | None = None  # (char, length, opening line)
    for i in range(start, len(lines)):
        match = FENCE.match(lines[i])
        if fence is None:
            if match:
                fence = (match.group(2)[0], len(match.group(2)), i)
                mask[i] = True
            continue
        mask[i] = True
        stripped = lines[i].strip()
        char, length, _ = fence
        if stripped and set(stripped) == {char} and len(stripped) >= length:
            fence = None
    if fence is not None:
        warnings.append(f"line {fence[2] + 1}: code block never closed; read to the end as code")
    return mask
