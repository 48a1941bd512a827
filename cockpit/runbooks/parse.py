"""Runbooks as on-call teams actually write them, read leniently.

Markdown or plain text, from a wiki export, a README or a file someone typed at 3 a.m.: headings
in several styles (`#`, underlined, `== wiki ==`, **bold lines**, ALL CAPS, `Title:`), steps with
or without numbers, commands in fences, indented blocks, backticks or after a `$` prompt. The
parser pulls out what the cockpit can use — steps for a checklist, commands (and which of them
are the cockpit's own actions), SLO statements, health endpoints, severity definitions,
escalation contacts and phase time boxes — and keeps everything else as text. Nothing here
raises on odd input: structure it does not recognise is shown as written.

Pure Python, no Textual: the CLI, the app and the screens share it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any

from cockpit.incident.phases import Phase
from cockpit.runbooks.commands import (
    block_commands,
    inline_commands,
    looks_like_command,
    make_command,
)
from cockpit.runbooks.facts import (
    CONTACT_TITLE,
    CONTACT_WORDS,
    PROCEDURAL,
    REFERENCE,
    find_endpoints,
    find_phase_boxes,
    find_slos,
    parse_contact,
    parse_severity,
)
from cockpit.runbooks.headings import FENCE, ITEM, TABLE_RULE, code_mask, find_headings
from cockpit.runbooks.model import (
    Command,
    Contact,
    HealthEndpoint,
    Runbook,
    Section,
    SeverityDef,
    Step,
)
from cockpit.runbooks.text import clean_inline, indent_of, slugify, wordset

# Words that make a list item a thing to do rather than a fact, when nothing else says so.
IMPERATIVES = wordset(
    "check verify confirm look open run scale restart roll rollback revert undo page notify "
    "post announce escalate drain cordon uncordon delete kill stop start pause resume purge "
    "flush clear increase decrease raise lower bump disable enable set switch fail failover "
    "promote restore take create snapshot compare watch wait tail grep query inspect review "
    "update declare assign record note capture collect identify find determine ensure make "
    "mark apply deploy redeploy reprocess replay requeue rerun re-run retry skip silence ack "
    "acknowledge close resolve write file schedule tell call ssh login log go move reduce "
    "throttle block unblock test validate measure estimate consider try ask copy download "
    "upload rotate reset reboot add remove stand spin shift route reroute follow see get "
    "read use keep leave do give message email never avoid"
)


@dataclass(slots=True)
class _Item:
    line: int
    indent: int
    number: str
    box: str | None
    text: str
    raw: list[str] = field(default_factory=list)
    detail: list[str] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    open: bool = True  # False once a paragraph follows: later code no longer belongs to it


@dataclass(slots=True)
class _Body:
    chunks: list[tuple[str, Any]] = field(default_factory=list)  # ("text", str) | ("item", _Item)
    prose: list[tuple[int, str]] = field(default_factory=list)
    code: list[tuple[int, str]] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)


def _parse_body(body: Sequence[tuple[int, str]], slug: str) -> _Body:
    out = _Body()
    item: _Item | None = None
    fence: tuple[str, int, int, str, int] | None = None  # char, length, indent, lang, line
    block: list[tuple[int, str]] = []
    indented: list[tuple[int, str]] = []
    previous_blank = True

    def text_chunk(line: str) -> None:
        if item is None or not item.open:
            out.chunks.append(("text", line))
        else:
            item.raw.append(line)

    def code_block(lines: list[tuple[int, str]], lang: str) -> list[Command]:
        # Every code block counts for the section; only the caller knows whether an open item
        # claims its commands too (a fenced block can belong to a step, an indented one not).
        commands = block_commands(lines, lang, slug)
        out.commands.extend(commands)
        out.code.extend(lines)
        return commands

    def flush_indented() -> None:
        nonlocal indented
        if indented:
            code_block(indented, "")
            for _, raw in indented:
                out.chunks.append(("text", raw))
            indented = []

    for no, line in body:
        if fence is not None:
            char, length, fence_indent, lang, _ = fence
            stripped = line.strip()
            if stripped and set(stripped) == {char} and len(stripped) >= length:
                commands = code_block(block, lang)
                if item is not None and item.open:
                    item.commands.extend(commands)
                text_chunk(line)
                fence = None
                block = []
            else:
                cut = min(fence_indent, indent_of(line))
                block.append((no, line[cut:]))
                text_chunk(line)
            previous_blank = False
            continue
        opening = FENCE.match(line)
        if opening:
            flush_indented()
            fence = (
                opening.group(2)[0],
                len(opening.group(2)),
                indent_of(line),
                opening.group(3) or "",
                no,
            )
            block = []
            text_chunk(line)
            previous_blank = False
            continue
        if not line.strip():
            if indented:
                indented.append((no, line))
            else:
                text_chunk(line)
            previous_blank = True
            continue
        # An indented code block: four spaces after a blank line, outside any list item.
        if (indented or (previous_blank and item is None)) and indent_of(line) >= 4:
            indented.append((no, line[4:] if line.startswith("    ") else line.lstrip()))
            previous_blank = False
            continue
        flush_indented()
        match = ITEM.match(line)
        if match and not TABLE_RULE.match(line):
            indent = len(match.group("indent"))
            if item is not None and item.open and indent > item.indent + 1:
                # A nested item: part of the step above it.
                item.raw.append(line)
                item.detail.append(line.strip())
                item.commands.extend(_item_commands(match.group("text"), no, slug))
                out.prose.append((no, line))
            else:
                number = match.group("num") or match.group("stepnum") or ""
                number = number.strip("().:")
                box = match.group("box") or match.group("bare")
                if match.group("uni"):
                    box = " " if match.group("uni") in "☐⬜" else "x"
                item = _Item(no, indent, number, box, match.group("text").strip(), [line])
                item.commands.extend(_item_commands(item.text, no, slug))
                out.chunks.append(("item", item))
                out.prose.append((no, line))
            previous_blank = False
            continue
        out.prose.append((no, line))
        if item is not None and item.open and (indent_of(line) > item.indent or not previous_blank):
            item.raw.append(line)
            item.detail.append(line.strip())
            item.commands.extend(_item_commands(line.strip(), no, slug))
        else:
            if item is not None:
                item.open = False
            text_chunk(line)
            stripped = line.strip()
            if stripped.startswith("$ ") or looks_like_command(stripped, prose=True):
                out.commands.append(make_command(stripped, no, slug))
            else:
                out.commands.extend(inline_commands(stripped, no, slug))
        previous_blank = False
    if fence is not None:
        commands = code_block(block, fence[3])
        if item is not None and item.open:
            item.commands.extend(commands)
    flush_indented()
    return out


_LABELLED = re.compile(r"^[^`:]{1,40}:\s+(?P<command>\S.*)$")


def _item_commands(text: str, line: int, slug: str) -> list[Command]:
    """An item that is itself a command ("kubectl rollout restart …"), one after a short
    label ("follow it:   kubectl logs -f …"), or its inline code."""
    plain = text.strip()
    if plain.startswith("$ ") or looks_like_command(plain, prose=True):
        return [make_command(plain, line, slug)]
    inline = inline_commands(plain, line, slug)
    if inline:
        return inline
    labelled = _LABELLED.match(plain)
    if labelled and looks_like_command(labelled.group("command"), prose=False):
        return [make_command(labelled.group("command"), line, slug)]
    return []


def _step_kind(item: _Item, title: str, slug: str) -> str:
    """ "yes" (a step by itself), "no" (never: a fact), or "maybe" (a step if most of its list
    is: bullets such as "if it started with a deploy, roll back" sit among imperatives)."""
    text = clean_inline(item.text)
    if parse_severity(item.text, item.line, slug) is not None:
        return "no"
    slo_text = sum(len(s.text) for s in find_slos(text, item.line, slug))
    if slo_text and slo_text >= 0.5 * len(text):
        return "no"  # "p95 < 300 ms" is a fact to check against, not a thing to do
    if item.box is not None or item.number:
        return "yes"
    if REFERENCE.search(title):
        return "no"
    first = re.sub(r"[^\w'-]", "", text.split()[0].lower()) if text.split() else ""
    if PROCEDURAL.search(title) or first in IMPERATIVES or item.commands:
        return "yes"
    return "maybe"


def _bare_steps(body: Sequence[tuple[int, str]], title: str) -> Sequence[tuple[int, str]]:
    """Plain-text runbooks often list steps as bare lines under "What to do:". In a procedural
    section without any list, lines that start with a verb (or "if …") become bullets, when
    there are at least two of them; everything else stays as written."""
    if not PROCEDURAL.search(title) or REFERENCE.search(title):
        return body
    fenced = False
    candidates: list[int] = []
    for index, (_, line) in enumerate(body):
        if FENCE.match(line):
            fenced = not fenced
            continue
        if fenced or not line.strip():
            continue
        if ITEM.match(line):
            return body  # the section has a list of its own: that is the checklist
        words = line.split()
        first = re.sub(r"[^\w'-]", "", words[0].lower())
        if indent_of(line) == 0 and (first in IMPERATIVES or first in ("if", "when")):
            candidates.append(index)
    if len(candidates) < 2:
        return body
    marked = set(candidates)
    return [(no, f"- {line}" if i in marked else line) for i, (no, line) in enumerate(body)]


def _build_section(
    title: str, level: int, line: int, body: Sequence[tuple[int, str]], slug: str, parent: str
) -> Section:
    parsed = _parse_body(_bare_steps(body, title), slug)
    steps: list[Step] = []
    notes: list[str] = []
    items = [chunk for kind, chunk in parsed.chunks if kind == "item"]
    kinds = {id(item): _step_kind(item, title, slug) for item in items}
    votes = [k for k in kinds.values() if k != "no"]
    # A list that is mostly things to do is a checklist, its odd conditional bullet included.
    mostly_steps = bool(votes) and votes.count("yes") * 2 >= len(votes)
    for kind, chunk in parsed.chunks:
        if kind == "text":
            notes.append(chunk)
            continue
        item: _Item = chunk
        verdict = kinds[id(item)]
        if verdict == "yes" or (verdict == "maybe" and mostly_steps):
            steps.append(
                Step(
                    len(steps),
                    clean_inline(item.text),
                    slug,
                    item.line,
                    item.number,
                    "\n".join(item.detail),
                    (item.box or " ").strip() != "",
                    tuple(item.commands),
                )
            )
        else:
            notes.extend(item.raw)
    commands: list[Command] = []
    seen: set[tuple[int, str]] = set()
    for command in [*parsed.commands, *(c for s in steps for c in s.commands)]:
        if (command.line, command.text) not in seen:
            seen.add((command.line, command.text))
            commands.append(command)
    # Commands in items that did not become steps still belong to the section.
    for _kind, chunk in parsed.chunks:
        if isinstance(chunk, _Item):
            for command in chunk.commands:
                if (command.line, command.text) not in seen:
                    seen.add((command.line, command.text))
                    commands.append(command)
    commands.sort(key=lambda c: c.line)

    title_phase = _title_phase(title)
    in_contacts = bool(CONTACT_TITLE.search(title))
    slos = find_slos(clean_inline(title), line, slug)
    phases = find_phase_boxes(clean_inline(title), line, slug, None)
    endpoints: list[HealthEndpoint] = []
    contacts: list[Contact] = []
    severities: list[SeverityDef] = []
    for no, raw in parsed.prose:
        text = ITEM.sub(lambda m: m.group("text"), raw)
        plain = clean_inline(text) if not text.lstrip().startswith("|") else text.replace("`", "")
        endpoints += find_endpoints(text, no, slug, prose=True)
        severity = parse_severity(text, no, slug)
        if severity is not None:
            # "SEV2: p95 above 1s" defines a severity; it is not the service's objective.
            severities.append(severity)
            continue
        slos += find_slos(plain, no, slug)
        if not in_contacts:
            # In an escalation list "if no ack in 10 min" is when to call the next person.
            phases += find_phase_boxes(plain, no, slug, None if phases else title_phase)
        if in_contacts or CONTACT_WORDS.search(plain):
            contact = parse_contact(text, no, slug, in_contacts=in_contacts)
            if contact is not None:
                contacts.append(contact)
    for no, raw in parsed.code:
        endpoints += find_endpoints(raw, no, slug, prose=False)
    return Section(
        clean_inline(title),
        slug,
        level,
        line,
        "\n".join(text for _, text in body).strip("\n"),
        _squeeze("\n".join(notes)),
        parent,
        tuple(steps),
        tuple(commands),
        tuple(slos),
        tuple(_unique_endpoints(endpoints)),
        tuple(contacts),
        tuple(phases),
        tuple(severities),
    )


def _title_phase(title: str) -> Phase | None:
    for word in re.findall(r"[A-Za-z-]+", title):
        phase = Phase.parse(word)
        if phase is not None:
            return phase
    return None


def _unique_endpoints(endpoints: Iterable[HealthEndpoint]) -> list[HealthEndpoint]:
    seen: dict[str, HealthEndpoint] = {}
    for endpoint in endpoints:
        known = seen.get(endpoint.target)
        if known is None or (known.expect_status is None and endpoint.expect_status):
            seen[endpoint.target] = endpoint
    return list(seen.values())


def _squeeze(text: str) -> str:
    """Runs of blank lines down to one, and none at either end."""
    return re.sub(r"\n\s*\n(\s*\n)+", "\n\n", text).strip("\n")


def parse_runbook(text: str, source_name: str = "runbook") -> Runbook:
    """Read a runbook; never raises on its content. What it does not recognise stays text, and
    anything worth knowing about the file itself is in `warnings`."""
    warnings: list[str] = []
    if "\x00" in text:
        warnings.append("contains NUL bytes; they were dropped")
        text = text.replace("\x00", "")
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n").expandtabs(4)
    lines = text.split("\n")
    start, front_title = _front_matter(lines)
    code = code_mask(lines, start, warnings)
    headings = find_headings(lines, code, start)
    stem = PurePosixPath(source_name.replace("\\", "/")).stem
    title = stem.replace("-", " ").replace("_", " ").strip() or "runbook"
    if headings and headings[0].level == min(h.level for h in headings) and headings[0].level <= 1:
        title = clean_inline(headings[0].title) or title
    title = front_title or title

    sections: list[Section] = []
    slugs: dict[str, int] = {}
    stack: list[tuple[int, str]] = []  # (level, slug) of the enclosing headings

    def unique(slug: str) -> str:
        count = slugs.get(slug, 0)
        slugs[slug] = count + 1
        return slug if count == 0 else f"{slug}-{count}"

    first = headings[0].index if headings else len(lines)
    preamble = [(i + 1, lines[i]) for i in range(start, first)]
    if any(line.strip() for _, line in preamble):
        sections.append(_build_section("", 0, start + 1, preamble, unique("top"), ""))
    for n, heading in enumerate(headings):
        end = headings[n + 1].index if n + 1 < len(headings) else len(lines)
        body = [(i + 1, lines[i]) for i in range(heading.index + heading.consumed, end)]
        heading_title = heading.title or "(untitled)"
        slug = unique(slugify(heading_title))
        while stack and stack[-1][0] >= heading.level:
            stack.pop()
        parent = stack[-1][1] if stack else ""
        stack.append((heading.level, slug))
        sections.append(
            _build_section(heading_title, heading.level, heading.index + 1, body, slug, parent)
        )
    if not any(s.steps for s in sections) and sections:
        warnings.append("no steps recognised; the runbook is shown as text")
    return Runbook(title, source_name, tuple(sections), tuple(warnings))


def _front_matter(lines: Sequence[str]) -> tuple[int, str]:
    """Skip a YAML front matter block (`---` … `---`) at the top; keep its title."""
    if not lines or lines[0].strip() != "---":
        return 0, ""
    for i in range(1, min(len(lines), 60)):
        if lines[i].strip() in ("---", "..."):
            block = lines[1:i]
            if all(not line.strip() or re.match(r"^[\w-]+\s*:|^\s+|^- ", line) for line in block):
                title = next(
                    (
                        line.split(":", 1)[1].strip().strip("\"'")
                        for line in block
                        if line.lower().startswith("title:")
                    ),
                    "",
                )
                return i + 1, title
            return 0, ""
    return 0, ""
