"""Postmortem drafts (Markdown) from the incident timeline.

The JSON export/import format lives in `cockpit.incident.export` (re-exported here).

Everything in a draft that came from outside — titles, notes, actors, panel values, action
results — is made terminal-safe (no control characters or escape sequences: a draft is often
printed to a terminal) and Markdown-inert (`*`, `_`, `[`, `<`, `|`, … escaped), so an imported
title cannot add headings, links or HTML to the document.

Action events and their results
-------------------------------

An action is recorded as an intent (`kind: action`, `data.phase: "intent"`) and an outcome
(`kind: action`, `data.phase: "outcome"`, `data.intent: <uuid of the intent>`, optional
`data.result` such as "succeeded" or "failed: …"). The Markdown "Actions taken" section lists each
intent with its outcome; an action event without `phase` is listed with its own `data.result`.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Final

from cockpit.core.records import Event, EventKind, Incident
from cockpit.core.safe_text import terminal_safe
from cockpit.incident.export import (
    SCHEMA,
    ExportFormatError,
    event_to_dict,
    export_json,
    incident_to_dict,
    parse_export,
)

TO_BE_WRITTEN: Final = "_To be written._"
# Moments `panel_values` may describe, in the column order of the Markdown table.
PANEL_MOMENTS: Final = ("declared", "mitigated", "resolved")
_MOMENT_LABELS: Final = {
    "declared": "At declaration",
    "mitigated": "At mitigation",
    "resolved": "At resolution",
}


# -- Markdown -------------------------------------------------------------------------------


def format_duration(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours:02d}h {minutes:02d}m"
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    if minutes:
        return f"{minutes}m {secs:02d}s"
    return f"{secs}s"


def _when(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M:%S UTC")


# Characters that start Markdown (or HTML) structure inside a line; each is escaped with a
# backslash, which CommonMark defines for every ASCII punctuation character.
_MARKDOWN = re.compile(r"([\\`*_\[\]<>|~])")


def _inline(text: str) -> str:
    """Outside text as one line of inert Markdown: terminal-safe, no line breaks, markup
    characters escaped."""
    return _MARKDOWN.sub(r"\\\1", terminal_safe(" ".join(str(text).split())))


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell: markup and pipes escaped, line breaks kept as
    <br> (added after escaping, so they are the only HTML in it)."""
    safe = terminal_safe(str(text), multiline=True)
    # Each line single-line safe as well: a tab is a control character too.
    lines = [
        _MARKDOWN.sub(r"\\\1", terminal_safe(line.strip())) for line in safe.strip().splitlines()
    ]
    return "<br>".join(line for line in lines if line) or " "


def visible_events(events: Sequence[Event]) -> list[Event]:
    """The newest version of each event, without deletions, in time order."""
    replaced = {e.supersedes for e in events if e.supersedes}
    heads = [e for e in events if e.uuid not in replaced and not e.deleted]
    return sorted(heads, key=lambda e: (e.occurred_at, e.recorded_at))


# Kinds the cockpit records by itself: whoever was watching is the observer, not the author.
_AUTOMATIC_KINDS: Final = frozenset({EventKind.ALERT, EventKind.SLO})
COCKPIT_ACTOR: Final = "cockpit"


def shown_actor(event: Event) -> str:
    """Who the draft says did it: the cockpit for what it saw or did by itself (alerts,
    breaches, phases, panel values), the person for what a person did. Older records carry the
    local user as the actor of automatic entries; the kind and data tell them apart."""
    if event.kind in _AUTOMATIC_KINDS:
        return COCKPIT_ACTOR
    if event.kind is EventKind.SYSTEM:
        # A phase marked by hand and a role handed over are people's doing; the rest (phase
        # ends and overruns, panel values at a moment) the cockpit writes on its own.
        if event.data.get("phase_mark") or event.data.get("change") == "role":
            return event.actor
        return COCKPIT_ACTOR
    return event.actor


@dataclass
class _Action:
    """One action as a reader thinks of it: what was asked, how it ended, how the rollout went."""

    first: Event
    outcomes: list[Event] = field(default_factory=list)
    rollouts: list[Event] = field(default_factory=list)

    @property
    def target(self) -> str:
        return str(self.first.data.get("object") or "")

    @property
    def taken(self) -> bool:
        """False for a rollout result whose action is not in this record (asked before the
        incident was declared, say): a follow-up, not an action of its own."""
        return self.first.data.get("phase") != "rollout"

    def line(self) -> list[str]:
        intent = self.first
        when = intent.occurred_at.strftime("%H:%M:%S")
        if not self.taken:
            return [
                f"- {when} {_inline(intent.text)} ({_inline(shown_actor(intent))}) — "
                "follow-up of an action not in this record"
            ]
        results = [str(o.data.get("result") or o.text) for o in self.outcomes]
        if not results and intent.data.get("result"):
            # An action recorded in one event (older records) carries its own result.
            results = [str(intent.data["result"])]
        result = "; ".join(results) if results else "no outcome recorded"
        result += "".join(f"; {r.text}" for r in self.rollouts)
        text, command = _split_command(intent)
        lines = [
            f"- {when} {_inline(text)} ({_inline(shown_actor(intent))}) — result: {_inline(result)}"
        ]
        if command:
            lines.append(f"  - command: {command}")
        return lines


def _split_command(event: Event) -> tuple[str, str]:
    """The event's words without the command it ends with, and that command with its context
    named (`--context`): a command without one runs against whatever context is current when
    someone replays it."""
    argv = event.data.get("argv")
    if not isinstance(argv, list) or not argv or not all(isinstance(a, str) for a in argv):
        return event.text, ""
    text = event.text
    joined = shlex.join(argv)
    if text.endswith(f" — {joined}"):
        text = text[: -len(f" — {joined}")]
    if argv[0] != "kubectl":  # a configured command (helm …) names its own target
        return text, _code(joined)
    context = str(event.data.get("context") or "")
    if "--context" in argv or any(a.startswith("--context=") for a in argv):
        return text, _code(joined)
    if context:
        return text, _code(shlex.join([argv[0], "--context", context, *argv[1:]]))
    return text, _code(joined) + " (context not recorded: the kubeconfig's current one)"


def _code(command: str) -> str:
    """A command as a Markdown code span, terminal-safe; a backtick inside falls back to
    escaped plain text rather than ending the span early."""
    safe = terminal_safe(" ".join(command.split()))
    return f"`{safe}`" if "`" not in safe else _inline(safe)


def _actions(events: Sequence[Event]) -> list[_Action]:
    """Intent, outcome and rollout events grouped into one entry per action: an outcome joins
    its intent (`data.intent`), a rollout result the latest action on the same object."""
    found: list[_Action] = []
    by_uuid: dict[str, _Action] = {}
    latest_on: dict[str, _Action] = {}
    for event in (e for e in events if e.kind is EventKind.ACTION):
        phase = event.data.get("phase")
        target = str(event.data.get("object") or "")
        owner: _Action | None = None
        if phase == "outcome":
            owner = by_uuid.get(str(event.data.get("intent") or ""))
            if owner is None and target:
                # No link (the intent could not be written): the open action on that object.
                candidate = latest_on.get(target)
                owner = candidate if candidate is not None and not candidate.outcomes else None
            if owner is not None:
                owner.outcomes.append(event)
                continue
        elif phase == "rollout":
            owner = latest_on.get(target) if target else None
            if owner is not None:
                owner.rollouts.append(event)
                continue
        action = _Action(event)
        if phase == "outcome":
            action.outcomes.append(event)
        found.append(action)
        by_uuid[event.uuid] = action
        if target:
            latest_on[target] = action
    return found


def _panel_table(panel_values: Mapping[str, Mapping[str, str]]) -> list[str]:
    moments = [m for m in PANEL_MOMENTS if m in panel_values]
    moments += sorted(m for m in panel_values if m not in PANEL_MOMENTS)
    panels: list[str] = []
    for moment in moments:
        for panel in panel_values[moment]:
            if panel not in panels:
                panels.append(panel)
    header = (
        "| Panel | " + " | ".join(_cell(_MOMENT_LABELS.get(m, f"At {m}")) for m in moments) + " |"
    )
    rows = [header, "| --- |" + " --- |" * len(moments)]
    for panel in panels:
        values = [_cell(str(panel_values[m].get(panel, "—"))) for m in moments]
        rows.append(f"| {_cell(without_repeat(panel))} | " + " | ".join(values) + " |")
    return rows


def without_repeat(label: str) -> str:
    """`Queue depth depth` → `Queue depth`: older records joined a panel's title and its
    measure's label even when the title already ended with it."""
    words = label.split()
    for n in range(len(words) // 2, 0, -1):
        tail, before = words[-n:], words[-2 * n : -n]
        if [w.casefold() for w in tail] == [w.casefold() for w in before]:
            return " ".join(words[:-n])
    return label


def panel_values_from_events(events: Sequence[Event]) -> dict[str, dict[str, str]]:
    """The panel values the cockpit recorded at declare / mitigate / resolve time (system events
    whose data has `moment` and `panels`), newest record per moment."""
    found: dict[str, dict[str, str]] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        moment, panels = event.data.get("moment"), event.data.get("panels")
        if isinstance(moment, str) and isinstance(panels, Mapping):
            found[moment] = {str(k): str(v) for k, v in panels.items()}
    return found


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def export_markdown(
    incident: Incident,
    events: Sequence[Event],
    panel_values: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """A postmortem draft. `panel_values` maps a moment ("declared", "mitigated", "resolved")
    to {panel title: formatted value}, e.g. {"declared": {"Error rate": "4.2 %"}}."""
    shown = visible_events(events)
    edited = {e.uuid for e in shown if e.supersedes}
    duration = (
        format_duration(incident.resolved_at - incident.started_at)
        if incident.resolved_at
        else "ongoing (not resolved)"
    )
    ttm = (
        format_duration(incident.mitigated_at - incident.started_at)
        if incident.mitigated_at
        else "not mitigated yet"
    )
    notes = sum(1 for e in shown if e.kind is EventKind.NOTE)
    actions = _actions(shown)
    taken = sum(1 for action in actions if action.taken)
    title = _inline(incident.title)
    summary = (
        f"{incident.severity.value} incident “{title}”, now {incident.status.value}. "
        f"Started {_when(incident.started_at)}; "
        + (f"mitigated after {ttm}; " if incident.mitigated_at else "not mitigated yet; ")
        + (f"resolved after {duration}. " if incident.resolved_at else "not resolved yet. ")
        + f"{_count(len(shown), 'timeline event')}, {_count(notes, 'note')}, "
        + f"{_count(taken, 'action')}."
    )
    out = [
        f"# Postmortem (draft): {title}",
        "",
        f"Incident `{incident.short_id}` · exported from the incident-cockpit timeline · "
        "all times UTC",
        "",
        "## Summary",
        "",
        summary,
        "",
        "## Impact",
        "",
        TO_BE_WRITTEN,
        "",
        "| | |",
        "| --- | --- |",
        f"| Severity | {incident.severity.value} |",
        f"| Status | {incident.status.value} |",
        f"| Started | {_when(incident.started_at)} |",
        f"| Mitigated | {_when(incident.mitigated_at)} |",
        f"| Resolved | {_when(incident.resolved_at)} |",
        f"| Duration | {duration} |",
        f"| Time to mitigate | {ttm} |",
        "",
        "## Roles",
        "",
    ]
    if incident.roles:
        out += [
            f"- {_inline(role)}: {_inline(person)}"
            for role, person in sorted(incident.roles.items())
        ]
    else:
        out.append("_None assigned._")
    if panel_values:
        out += ["", "## Panel values", "", *_panel_table(panel_values)]
    out += [
        "",
        "## Timeline",
        "",
        "| Time (UTC) | Event | Actor | Source |",
        "| --- | --- | --- | --- |",
    ]
    for event in shown:
        marks = (" (pinned)" if event.pinned else "") + (
            " (edited)" if event.uuid in edited else ""
        )
        text = f"[{event.kind.value}] {_cell(event.text)}{marks}"
        out.append(
            f"| {event.occurred_at.strftime('%Y-%m-%d %H:%M:%S')} | {text} "
            f"| {_cell(shown_actor(event))} | {_cell(event.source)} |"
        )
    out += ["", "## Actions taken", ""]
    out += [line for action in actions for line in action.line()] or ["_No actions recorded._"]
    out += ["", "## Root cause", "", TO_BE_WRITTEN, "", "## Action items", "", TO_BE_WRITTEN, ""]
    return "\n".join(out)


__all__ = [
    "SCHEMA",
    "ExportFormatError",
    "event_to_dict",
    "export_json",
    "export_markdown",
    "format_duration",
    "incident_to_dict",
    "panel_values_from_events",
    "parse_export",
    "visible_events",
]
