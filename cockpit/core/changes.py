"""What an action changes, as the preview shows it: the field's object path, its current value
and its new value, in aligned columns — the same in the confirmation dialog and on the
command line.

A change is `(path, current, new)`. The path is where the field lives in the object the
request patches, written the way `kubectl explain` and JSONPath readers expect:
`spec.replicas`, `spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]`,
`spec.template.spec.containers[app].image` (a list entry by its name). Keys that are not
plain words go in quoted brackets, so a label never runs into its value.

When the three columns do not fit the width (a long annotation path at 80 columns), each
change is stacked: the path on its own line, then `current` and `new` with their values in
one column. Pure Python; the screen styles the parts by their role.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Literal

from rich.cells import cell_len

Change = tuple[str, str, str]
Role = Literal["header", "field", "label", "current", "new", "space"]
Line = list[tuple[str, Role]]

NOT_SET = "(not set)"
AT_APPLY = "now (at apply)"
HEADERS = ("FIELD", "CURRENT", "NEW")
GAP = "  "
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# The parts of a path: `["quoted key"]`, `[list item]`, `.key` (or the first key).
_PATH_PART = re.compile(r'\["(?:[^"\\]|\\.)*"\]|\[[^\]]*\]|\.?[^.\[]+')


def map_key(prefix: str, key: str) -> str:
    """`prefix.key`, or `prefix["a.b/c"]` for a key that is not a plain word."""
    if _PLAIN_KEY.match(key):
        return f"{prefix}.{key}" if prefix else key
    return f"{prefix}[{json.dumps(key, ensure_ascii=False)}]"


def list_item(prefix: str, name: str | int) -> str:
    """A list entry: by its `name` (containers, env, ports), else by its index."""
    return f"{prefix}[{name}]"


def path(*keys: str) -> str:
    """A map path from its keys: path("spec", "replicas") == "spec.replicas"."""
    out = ""
    for key in keys:
        out = map_key(out, key)
    return out


def diff_lines(changes: Sequence[Change], width: int) -> list[Line]:
    """The changes as lines of (text, role), in columns when they fit `width`, else stacked."""
    if not changes:
        return []
    widths = [
        max(cell_len(header), *(cell_len(change[i]) for change in changes))
        for i, header in enumerate(HEADERS)
    ]
    if sum(widths) + 2 * len(GAP) <= width:
        return _columns(changes, widths)
    return _stacked(changes, width)


def diff_text(changes: Sequence[Change], width: int, indent: str = "") -> list[str]:
    """`diff_lines` as plain text lines, for a terminal."""
    return [
        (indent + "".join(text for text, _ in line)).rstrip()
        for line in diff_lines(changes, width - cell_len(indent))
    ]


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - cell_len(text))


def _columns(changes: Sequence[Change], widths: list[int]) -> list[Line]:
    field_width, current_width, _ = widths
    header: Line = [
        (_pad(HEADERS[0], field_width) + GAP, "header"),
        (_pad(HEADERS[1], current_width) + GAP, "header"),
        (HEADERS[2], "header"),
    ]
    rows: list[Line] = [
        [
            (field, "field"),
            (" " * (field_width - cell_len(field)) + GAP, "space"),
            (current, "current"),
            (" " * (current_width - cell_len(current)) + GAP, "space"),
            (new, "new"),
        ]
        for field, current, new in changes
    ]
    return [header, *rows]


def _stacked(changes: Sequence[Change], width: int) -> list[Line]:
    label_width = max(len("current"), len("new"))
    lines: list[Line] = []
    for field, current, new in changes:
        lines += [[(part, "field")] for part in wrap_path(field, width)]
        lines.append([("  " + _pad("current", label_width) + GAP, "label"), (current, "current")])
        lines.append([("  " + _pad("new", label_width) + GAP, "label"), (new, "new")])
    return lines


def wrap_path(field: str, width: int) -> list[str]:
    """A path too long for `width`, broken before a `.` or `[` (never inside a key), the
    following lines indented; a single part longer than the width stays whole."""
    if width <= 0 or cell_len(field) <= width:
        return [field]
    parts = _PATH_PART.findall(field)
    if "".join(parts) != field:  # not a path this module wrote: left to the screen to wrap
        return [field]
    lines: list[str] = []
    line = ""
    for part in parts:
        room = width - (2 if lines else 0)
        if line and cell_len(line + part) > room:
            lines.append(line)
            line = part
        else:
            line += part
    lines.append(line)
    return [lines[0], *("  " + line for line in lines[1:])]
