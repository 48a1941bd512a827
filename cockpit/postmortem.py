"""Postmortem drafts (Markdown) and the incident export/import format (JSON).

JSON export schema `incident-cockpit/incident-export@1`
--------------------------------------------------------

One UTF-8 JSON object::

    {
      "schema": "incident-cockpit/incident-export@1",   required, exactly this string
      "exported_at": "2026-11-24T15:00:00.000000Z",      informational, ignored on import
      "incident": {
        "id": "3f2a…",                 lowercase hex, 8-64 characters; stable across laptops
        "title": "API 5xx spike",      non-empty string
        "severity": "SEV2",            SEV1 | SEV2 | SEV3 | SEV4
        "status": "resolved",          triage | active | mitigated | resolved | closed
        "started_at": "…Z",            time (see below)
        "mitigated_at": "…Z" | null,
        "resolved_at": "…Z" | null,
        "roles": {"incident commander": "alice", …}   role -> person, strings
      },
      "events": [                      every version, oldest recorded first
        {
          "uuid": "…",                 non-empty string, unique; the import deduplicates by it
          "incident_id": "3f2a…",      must equal incident.id
          "occurred_at": "…Z",         when it happened
          "recorded_at": "…Z",         when it was written down
          "kind": "note",              note | action | alert | slo | status | system
          "actor": "alice@laptop",     string
          "source": "cockpit",         string: what wrote it (cockpit, cli, prometheus, …)
          "text": "…",                 string ("" for a deletion record)
          "data": {…},                 JSON object, kind-specific details
          "pinned": false,             boolean
          "supersedes": "…" | null,    uuid of the version this one replaces (edit or deletion)
          "deleted": false             boolean: this version deletes the one it supersedes
        }
      ]
    }

Times are ISO-8601 with an explicit zone; exports always write UTC as
`YYYY-MM-DDTHH:MM:SS.ffffffZ`. Unknown keys are ignored, so a later `@1` writer may add fields;
an incompatible change gets a new schema name.

Action events and their results
-------------------------------

An action is recorded as an intent (`kind: action`, `data.phase: "intent"`) and an outcome
(`kind: action`, `data.phase: "outcome"`, `data.intent: <uuid of the intent>`, optional
`data.result` such as "succeeded" or "failed: …"). The Markdown "Actions taken" section lists each
intent with its outcome; an action event without `phase` is listed with its own `data.result`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, Final

from cockpit.incident import (
    Event,
    EventKind,
    Incident,
    IncidentStatus,
    Severity,
    format_utc,
    parse_utc,
    utc_now,
)

SCHEMA: Final = "incident-cockpit/incident-export@1"
TO_BE_WRITTEN: Final = "_To be written._"
# Moments `panel_values` may describe, in the column order of the Markdown table.
PANEL_MOMENTS: Final = ("declared", "mitigated", "resolved")
_MOMENT_LABELS: Final = {
    "declared": "At declaration",
    "mitigated": "At mitigation",
    "resolved": "At resolution",
}


class ExportFormatError(ValueError):
    """A bad import file; the message names the field and what was wrong with it."""


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


def _cell(text: str) -> str:
    """Text safe inside one Markdown table cell: pipes escaped, line breaks kept as <br>."""
    text = text.replace("\\", "\\\\").replace("|", "\\|")
    lines = [line.strip() for line in text.strip().splitlines()]
    return "<br>".join(line for line in lines if line) or " "


def visible_events(events: Sequence[Event]) -> list[Event]:
    """The newest version of each event, without deletions, in time order."""
    replaced = {e.supersedes for e in events if e.supersedes}
    heads = [e for e in events if e.uuid not in replaced and not e.deleted]
    return sorted(heads, key=lambda e: (e.occurred_at, e.recorded_at))


def _actions(events: Sequence[Event]) -> list[str]:
    actions = [e for e in events if e.kind is EventKind.ACTION]
    outcomes: dict[str, list[Event]] = {}
    for event in actions:
        if event.data.get("phase") == "outcome" and event.data.get("intent"):
            outcomes.setdefault(str(event.data["intent"]), []).append(event)
    paired = {o.uuid for group in outcomes.values() for o in group}
    lines = []
    for event in actions:
        if event.uuid in paired:
            continue
        results = [str(o.data.get("result") or o.text) for o in outcomes.get(event.uuid, [])] or (
            [str(event.data["result"])] if event.data.get("result") else []
        )
        result = "; ".join(results) if results else "no outcome recorded"
        when = event.occurred_at.strftime("%H:%M:%S")
        text = " ".join(event.text.split())
        lines.append(f"- {when} {text} ({event.actor}) — result: {result}")
    return lines


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
        rows.append(f"| {_cell(panel)} | " + " | ".join(values) + " |")
    return rows


def panel_values_from_events(events: Sequence[Event]) -> dict[str, dict[str, str]]:
    """The panel values the cockpit recorded at declare / mitigate / resolve time (system events
    whose data has `moment` and `panels`), newest record per moment."""
    found: dict[str, dict[str, str]] = {}
    for event in sorted(events, key=lambda e: e.occurred_at):
        moment, panels = event.data.get("moment"), event.data.get("panels")
        if isinstance(moment, str) and isinstance(panels, Mapping):
            found[moment] = {str(k): str(v) for k, v in panels.items()}
    return found


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
    action_lines = _actions(shown)
    summary = (
        f"{incident.severity.value} incident “{incident.title}”, now {incident.status.value}. "
        f"Started {_when(incident.started_at)}; "
        + (f"mitigated after {ttm}; " if incident.mitigated_at else "not mitigated yet; ")
        + (f"resolved after {duration}. " if incident.resolved_at else "not resolved yet. ")
        + f"{len(shown)} timeline events, {notes} notes, {len(action_lines)} actions."
    )
    out = [
        f"# Postmortem (draft): {incident.title}",
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
        out += [f"- {role}: {person}" for role, person in sorted(incident.roles.items())]
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
        text = f"[{event.kind.value}] {event.text}{marks}"
        out.append(
            f"| {event.occurred_at.strftime('%Y-%m-%d %H:%M:%S')} | {_cell(text)} "
            f"| {_cell(event.actor)} | {_cell(event.source)} |"
        )
    out += ["", "## Actions taken", ""]
    out += action_lines or ["_No actions recorded._"]
    out += ["", "## Root cause", "", TO_BE_WRITTEN, "", "## Action items", "", TO_BE_WRITTEN, ""]
    return "\n".join(out)


# -- JSON -----------------------------------------------------------------------------------


def _time_or_none(value: datetime | None) -> str | None:
    return None if value is None else format_utc(value)


def incident_to_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.id,
        "title": incident.title,
        "severity": incident.severity.value,
        "status": incident.status.value,
        "started_at": format_utc(incident.started_at),
        "mitigated_at": _time_or_none(incident.mitigated_at),
        "resolved_at": _time_or_none(incident.resolved_at),
        "roles": dict(sorted(incident.roles.items())),
    }


def event_to_dict(event: Event) -> dict[str, Any]:
    return {
        "uuid": event.uuid,
        "incident_id": event.incident_id,
        "occurred_at": format_utc(event.occurred_at),
        "recorded_at": format_utc(event.recorded_at),
        "kind": event.kind.value,
        "actor": event.actor,
        "source": event.source,
        "text": event.text,
        "data": dict(event.data),
        "pinned": event.pinned,
        "supersedes": event.supersedes,
        "deleted": event.deleted,
    }


def export_json(
    incident: Incident, events: Sequence[Event], exported_at: datetime | None = None
) -> str:
    """The whole record, every version of every event, in schema `SCHEMA`."""
    document = {
        "schema": SCHEMA,
        "exported_at": format_utc(exported_at or utc_now()),
        "incident": incident_to_dict(incident),
        "events": [event_to_dict(e) for e in sorted(events, key=lambda e: (e.recorded_at, e.uuid))],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"


class _Reader:
    """Typed field access that names the offending field, e.g. `events[3].occurred_at`."""

    def __init__(self, obj: Any, where: str) -> None:
        if not isinstance(obj, dict):
            raise ExportFormatError(f"{where}: expected a JSON object, got {_kind(obj)}")
        self.obj = obj
        self.where = where

    def _field(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, expected: type | tuple[type, ...], optional: bool = False) -> Any:
        if key not in self.obj:
            if optional:
                return None
            raise ExportFormatError(f"{self._field(key)}: missing")
        value = self.obj[key]
        if value is None and optional:
            return None
        # bool is an int in Python; JSON true must not pass for a number or vice versa.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            names = (
                expected.__name__
                if isinstance(expected, type)
                else "/".join(t.__name__ for t in expected)
            )
            raise ExportFormatError(
                f"{self._field(key)}: expected {_JSON_NAMES.get(names, names)}, got {_kind(value)}"
            )
        return value

    def text(self, key: str, non_empty: bool = False) -> str:
        value = self.get(key, str)
        if non_empty and not value.strip():
            raise ExportFormatError(f"{self._field(key)}: must not be empty")
        return str(value)

    def time(self, key: str) -> datetime:
        value = self.get(key, str)
        try:
            return parse_utc(value)
        except ValueError as error:
            raise ExportFormatError(f"{self._field(key)}: {error}") from None

    def optional_time(self, key: str) -> datetime | None:
        value = self.get(key, str, optional=True)
        if value is None:
            return None
        try:
            return parse_utc(value)
        except ValueError as error:
            raise ExportFormatError(f"{self._field(key)}: {error}") from None

    def choice(self, key: str, parse: Any) -> Any:
        value = self.get(key, str)
        try:
            return parse(value)
        except ValueError as error:
            raise ExportFormatError(f"{self._field(key)}: {error}") from None


_JSON_NAMES = {"str": "a string", "bool": "true or false", "dict": "an object", "list": "a list"}


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _is_incident_id(value: str) -> bool:
    return 8 <= len(value) <= 64 and all(c in "0123456789abcdef" for c in value)


def _parse_incident(raw: Any) -> Incident:
    r = _Reader(raw, "incident")
    incident_id = r.text("id")
    if not _is_incident_id(incident_id):
        raise ExportFormatError(
            f"incident.id: {incident_id[:40]!r} is not an incident id (8-64 lowercase hex digits)"
        )
    roles_raw = r.get("roles", dict, optional=True) or {}
    roles: dict[str, str] = {}
    for role, person in roles_raw.items():
        if not isinstance(person, str):
            raise ExportFormatError(
                f"incident.roles[{role!r}]: expected a string, got {_kind(person)}"
            )
        roles[role] = person
    return Incident(
        id=incident_id,
        title=r.text("title", non_empty=True),
        severity=r.choice("severity", Severity.parse),
        status=r.choice("status", IncidentStatus.parse),
        started_at=r.time("started_at"),
        mitigated_at=r.optional_time("mitigated_at"),
        resolved_at=r.optional_time("resolved_at"),
        roles=roles,
    )


def _parse_event(raw: Any, index: int, incident_id: str) -> Event:
    r = _Reader(raw, f"events[{index}]")
    uuid = r.text("uuid", non_empty=True)
    if len(uuid) > 128:
        raise ExportFormatError(f"events[{index}].uuid: longer than 128 characters")
    owner = r.text("incident_id")
    if owner != incident_id:
        raise ExportFormatError(
            f"events[{index}].incident_id: {owner[:40]!r} is not this file's incident "
            f"({incident_id})"
        )
    supersedes = r.get("supersedes", str, optional=True)
    return Event(
        uuid=uuid,
        incident_id=owner,
        occurred_at=r.time("occurred_at"),
        recorded_at=r.time("recorded_at"),
        kind=r.choice("kind", EventKind.parse),
        actor=r.text("actor"),
        source=r.text("source"),
        text=r.text("text"),
        data=r.get("data", dict, optional=True) or {},
        pinned=bool(r.get("pinned", bool, optional=True)),
        supersedes=supersedes,
        deleted=bool(r.get("deleted", bool, optional=True)),
    )


def parse_export(text: str) -> tuple[Incident, list[Event]]:
    """Read and validate an export; `ExportFormatError` says which field is wrong and how."""
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise ExportFormatError(
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    root = _Reader(document, "")
    schema = root.get("schema", str)
    if schema != SCHEMA:
        raise ExportFormatError(
            f"schema: expected {SCHEMA!r}, got {schema[:60]!r} "
            "(a file from a newer incident-cockpit, or not an incident export)"
        )
    incident = _parse_incident(root.get("incident", dict))
    raw_events = root.get("events", list)
    events = [_parse_event(raw, i, incident.id) for i, raw in enumerate(raw_events)]
    return incident, events
