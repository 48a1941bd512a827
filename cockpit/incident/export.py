"""The incident export format (JSON): written by `cockpit export --format json`, read by
`cockpit import`. An import file comes from someone else, so reading it is strict.

Schema `incident-cockpit/incident-export@1`
-------------------------------------------

One UTF-8 JSON object::

    {
      "schema": "incident-cockpit/incident-export@1",   required, exactly this string
      "exported_at": "2026-11-24T15:00:00.000000Z",      optional time, informational
      "incident": {
        "id": "3f2a…",                 32 lowercase hex digits; stable across laptops
        "title": "API 5xx spike",      non-empty string, at most 1000 characters
        "severity": "SEV2",            SEV1 | SEV2 | SEV3 | SEV4
        "status": "resolved",          triage | active | mitigated | resolved | closed
        "started_at": "…Z",            time (see below)
        "mitigated_at": "…Z" | null,
        "resolved_at": "…Z" | null,
        "roles": {"incident commander": "alice", …}   role -> person, non-empty strings
      },
      "events": [                      every version, oldest recorded first
        {
          "uuid": "…",                 canonical lowercase UUID, unique in the file
          "incident_id": "3f2a…",      must equal incident.id
          "occurred_at": "…Z",         when it happened
          "recorded_at": "…Z",         when it was written down
          "kind": "note",              note | action | alert | slo | status | system
          "actor": "alice@laptop",     string, at most 256 characters
          "source": "cockpit",         string, at most 256: what wrote it (cockpit, cli, …)
          "text": "…",                 string, at most 1,000,000 characters ("" for a deletion)
          "data": {…},                 JSON object, kind-specific details, at most 256 KiB
          "pinned": false,             boolean
          "supersedes": "…" | null,    uuid of the version this one replaces (edit or deletion)
          "deleted": false,            boolean: this version deletes the one it supersedes
          "origin": "9c0e…" | null     32 hex digits: the timeline the event was recorded in
        }
      ]
    }

Times are ISO-8601 with an explicit zone, between 1970-01-01 and 9999-12-31 once in UTC;
exports always write UTC as `YYYY-MM-DDTHH:MM:SS.ffffffZ`. Unknown keys are ignored, so a later
`@1` writer may add fields; an incompatible change gets a new schema name.

Limits on what is read, so a hostile file costs bounded time and memory and never a traceback:
at most 64 MiB, nesting at most 32 deep (checked before parsing, as json's recursion would
otherwise fail), numbers finite with at most 40 digits, no duplicate keys (two values for one
field would let two readers disagree), no lone surrogates, at most 200,000 events.
"""

from __future__ import annotations

import json
import math
import os
import re
import stat
import uuid as uuid_module
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, TypeVar

from cockpit.core.records import (
    MAX_NAME,
    MAX_TEXT,
    MAX_TITLE,
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
MAX_FILE_BYTES: Final = 64 * 1024 * 1024
MAX_DEPTH: Final = 32
MAX_EVENTS: Final = 200_000
MAX_DATA_BYTES: Final = 256 * 1024
MAX_ROLES: Final = 50
MAX_DIGITS: Final = 40

E = TypeVar("E", bound=StrEnum)


class ExportFormatError(ValueError):
    """A bad import file; the message names the field and the rule it broke."""


# -- writing --------------------------------------------------------------------------------


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


def event_to_dict(event: Event, origin: str | None = None) -> dict[str, Any]:
    """`origin`: this timeline's id, written for events recorded here (event.origin None)."""
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
        "origin": event.origin or origin,
    }


# json escapes C0 controls itself; these it writes raw under ensure_ascii=False, and a terminal
# may act on them (C1 controls) or show text out of order (bidi overrides). Escaped they are
# still the same JSON string, so the export stays lossless.
_RAW_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def export_json(
    incident: Incident,
    events: Sequence[Event],
    exported_at: datetime | None = None,
    origin: str | None = None,
) -> str:
    """The whole record, every version of every event, in schema `SCHEMA`; `origin` is the
    exporting timeline's id (see `event_to_dict`)."""
    document = {
        "schema": SCHEMA,
        "exported_at": format_utc(exported_at or utc_now()),
        "incident": incident_to_dict(incident),
        "events": [
            event_to_dict(e, origin) for e in sorted(events, key=lambda e: (e.recorded_at, e.uuid))
        ],
    }
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
    return _RAW_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


# -- reading --------------------------------------------------------------------------------


def read_export_file(path: Path) -> str:
    """The text of an import file: a regular file (a FIFO would block, /dev/zero never end),
    at most `MAX_FILE_BYTES`, UTF-8. Raises `ExportFormatError` with a one-line reason."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise ExportFormatError(f"cannot read it: {error.strerror}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ExportFormatError(
                "not a regular file (a directory, FIFO, device or socket); pass an export file"
            )
        if info.st_size > MAX_FILE_BYTES:
            raise ExportFormatError(
                f"{info.st_size:,} bytes is more than an export may have "
                f"({MAX_FILE_BYTES // (1024 * 1024)} MiB)"
            )
        chunks = []
        size = 0
        while size <= MAX_FILE_BYTES:  # the file may grow while it is read
            chunk = os.read(fd, 1024 * 1024)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > MAX_FILE_BYTES:
            raise ExportFormatError(
                f"more than {MAX_FILE_BYTES // (1024 * 1024)} MiB, the most an export may have"
            )
    except OSError as error:
        raise ExportFormatError(f"cannot read it: {error.strerror}") from None
    finally:
        os.close(fd)
    raw = b"".join(chunks)
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ExportFormatError(
            f"not UTF-8 text (invalid byte at offset {error.start}); an export is UTF-8 JSON"
        ) from None


# Strings removed first, so brackets inside text do not count as nesting; the unrolled pattern
# runs in C over long strings.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def _check_depth(text: str) -> None:
    depth = 0
    for match in _BRACKETS.finditer(_JSON_STRING.sub("", text)):
        if match.group() in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise ExportFormatError(
                    f"nested more than {MAX_DEPTH} levels deep; an export is much flatter"
                )
        else:
            depth -= 1


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ExportFormatError(
                f"the key {key[:40]!r} appears twice in one object; a field has one value"
            )
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise ExportFormatError(f"{name} is not a JSON number; numbers must be finite")


def _parse_int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ExportFormatError(f"a number of {len(text)} digits; at most {MAX_DIGITS} are read")
    return int(text)


def _parse_float(text: str) -> float:
    if len(text) > MAX_DIGITS + 10:
        raise ExportFormatError(f"a number of {len(text)} characters is too long to read")
    value = float(text)
    if not math.isfinite(value):
        raise ExportFormatError(f"the number {text[:40]} is out of range; numbers must be finite")
    return value


def _check_strings(value: Any, where: str) -> None:
    """No lone surrogates (from \\ud800-style escapes): they cannot be stored as UTF-8."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise ExportFormatError(
                f"{where}: contains a lone surrogate escape (\\ud800-\\udfff), not text"
            ) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_strings(key, where)
            _check_strings(item, f"{where}.{key}" if len(key) < 40 else where)
    elif isinstance(value, list):
        for n, item in enumerate(value):
            _check_strings(item, f"{where}[{n}]")


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


_INCIDENT_ID = re.compile(r"[0-9a-f]{32}\Z")


def _is_uuid(value: str) -> bool:
    if len(value) != 36:
        return False
    try:
        return str(uuid_module.UUID(value)) == value
    except ValueError:
        return False


class _Reader:
    """Typed field access that names the offending field, e.g. `events[3].occurred_at`."""

    def __init__(self, obj: Any, where: str) -> None:
        if not isinstance(obj, dict):
            raise ExportFormatError(f"{where}: expected a JSON object, got {_kind(obj)}")
        self.obj = obj
        self.where = where

    def field(self, key: str) -> str:
        return f"{self.where}.{key}" if self.where else key

    def get(self, key: str, expected: type, optional: bool = False) -> Any:
        if key not in self.obj:
            if optional:
                return None
            raise ExportFormatError(f"{self.field(key)}: missing")
        value = self.obj[key]
        if value is None and optional:
            return None
        # bool is an int in Python; JSON true must not pass for a number or vice versa.
        if not isinstance(value, expected) or (isinstance(value, bool) and expected is not bool):
            name = _JSON_NAMES.get(expected.__name__, expected.__name__)
            raise ExportFormatError(f"{self.field(key)}: expected {name}, got {_kind(value)}")
        return value

    def text(self, key: str, limit: int, non_empty: bool = False) -> str:
        value: str = self.get(key, str)
        if non_empty and not value.strip():
            raise ExportFormatError(f"{self.field(key)}: must not be empty")
        if len(value) > limit:
            raise ExportFormatError(
                f"{self.field(key)}: {len(value):,} characters, more than the {limit:,} allowed"
            )
        return value

    def flag(self, key: str) -> bool:
        return bool(self.get(key, bool, optional=True))

    def time(self, key: str, optional: bool = False) -> datetime | None:
        value = self.get(key, str, optional=optional)
        if value is None:
            return None
        try:
            return parse_utc(value)
        except ValueError as error:
            raise ExportFormatError(f"{self.field(key)}: {error}") from None

    def required_time(self, key: str) -> datetime:
        value = self.time(key)
        assert value is not None
        return value

    def choice(self, key: str, enum: type[E], noun: str) -> E:
        value = self.get(key, str)
        try:
            return enum(value)
        except ValueError:
            choices = " | ".join(member.value for member in enum)
            raise ExportFormatError(
                f"{self.field(key)}: unknown {noun} {value[:40]!r}; one of {choices}"
            ) from None

    def matching(self, key: str, check: Callable[[str], bool], rule: str, optional: bool) -> Any:
        value = self.get(key, str, optional=optional)
        if value is not None and not check(value):
            raise ExportFormatError(f"{self.field(key)}: {value[:40]!r} is not {rule}")
        return value


def _parse_incident(raw: Any) -> Incident:
    r = _Reader(raw, "incident")
    incident_id = r.matching(
        "id", _INCIDENT_ID.match, "an incident id (32 lowercase hex digits)", optional=False
    )
    roles_raw = r.get("roles", dict, optional=True) or {}
    if len(roles_raw) > MAX_ROLES:
        raise ExportFormatError(f"incident.roles: {len(roles_raw)} roles, at most {MAX_ROLES}")
    roles: dict[str, str] = {}
    for role, person in roles_raw.items():
        where = f"incident.roles[{role[:40]!r}]"
        if not role.strip() or len(role) > MAX_NAME:
            raise ExportFormatError(f"{where}: a role name is 1-{MAX_NAME} characters")
        if not isinstance(person, str):
            raise ExportFormatError(f"{where}: expected a string, got {_kind(person)}")
        if not person.strip() or len(person) > MAX_NAME:
            raise ExportFormatError(f"{where}: a person is 1-{MAX_NAME} characters")
        roles[role] = person
    return Incident(
        id=incident_id,
        title=r.text("title", MAX_TITLE, non_empty=True),
        severity=r.choice("severity", Severity, "severity"),
        status=r.choice("status", IncidentStatus, "status"),
        started_at=r.required_time("started_at"),
        mitigated_at=r.time("mitigated_at", optional=True),
        resolved_at=r.time("resolved_at", optional=True),
        roles=roles,
    )


def _parse_event(raw: Any, index: int, incident_id: str) -> Event:
    r = _Reader(raw, f"events[{index}]")
    uuid = r.matching("uuid", _is_uuid, "a canonical lowercase UUID", optional=False)
    owner = r.get("incident_id", str)
    if owner != incident_id:
        raise ExportFormatError(
            f"events[{index}].incident_id: {owner[:40]!r} is not this file's incident "
            f"({incident_id}); an export holds one incident"
        )
    supersedes = r.matching("supersedes", _is_uuid, "a canonical lowercase UUID", optional=True)
    origin = r.matching(
        "origin", _INCIDENT_ID.match, "a timeline id (32 lowercase hex digits)", optional=True
    )
    data = r.get("data", dict, optional=True) or {}
    size = len(json.dumps(data, ensure_ascii=False).encode("utf-8"))
    if size > MAX_DATA_BYTES:
        raise ExportFormatError(
            f"events[{index}].data: {size:,} bytes, more than the {MAX_DATA_BYTES:,} allowed"
        )
    deleted = r.flag("deleted")
    if supersedes == uuid:
        raise ExportFormatError(f"events[{index}].supersedes: the event supersedes itself")
    if deleted and supersedes is None:
        raise ExportFormatError(
            f"events[{index}].deleted: a deletion must name the event it deletes (supersedes)"
        )
    return Event(
        uuid=uuid,
        incident_id=owner,
        occurred_at=r.required_time("occurred_at"),
        recorded_at=r.required_time("recorded_at"),
        kind=r.choice("kind", EventKind, "event kind"),
        actor=r.text("actor", MAX_NAME),
        source=r.text("source", MAX_NAME),
        text=r.text("text", MAX_TEXT),
        data=data,
        pinned=r.flag("pinned"),
        supersedes=supersedes,
        deleted=deleted,
        origin=origin,
    )


def _load(text: str) -> Any:
    if len(text) > MAX_FILE_BYTES:
        raise ExportFormatError(f"more than {MAX_FILE_BYTES // (1024 * 1024)} MiB of text")
    _check_depth(text)
    try:
        return json.loads(
            text,
            object_pairs_hook=_no_duplicates,
            parse_constant=_refuse_constant,
            parse_int=_parse_int,
            parse_float=_parse_float,
        )
    except json.JSONDecodeError as error:
        raise ExportFormatError(
            f"not valid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from None
    except ExportFormatError:
        raise
    except RecursionError:
        # Only reachable if the depth check above missed something; still one clean line.
        raise ExportFormatError("nested too deeply to read") from None
    except ValueError as error:
        raise ExportFormatError(f"not valid JSON: {error}") from None


def parse_export(text: str) -> tuple[Incident, list[Event]]:
    """Read and validate an export; `ExportFormatError` says which field is wrong and how."""
    document = _load(text)
    root = _Reader(document, "")
    schema = root.get("schema", str)
    if schema != SCHEMA:
        raise ExportFormatError(
            f"schema: expected {SCHEMA!r}, got {schema[:60]!r} "
            "(a file from a newer incident-cockpit, or not an incident export)"
        )
    _check_strings(document, "document")
    root.time("exported_at", optional=True)
    incident = _parse_incident(root.get("incident", dict))
    raw_events = root.get("events", list)
    if len(raw_events) > MAX_EVENTS:
        raise ExportFormatError(f"events: {len(raw_events):,} events, at most {MAX_EVENTS:,}")
    events: list[Event] = []
    seen: dict[str, int] = {}
    for n, raw in enumerate(raw_events):
        event = _parse_event(raw, n, incident.id)
        if event.uuid in seen:
            raise ExportFormatError(
                f"events[{n}].uuid: {event.uuid} is also events[{seen[event.uuid]}]; "
                "every event has its own uuid"
            )
        seen[event.uuid] = n
        events.append(event)
    return incident, events


__all__ = [
    "MAX_FILE_BYTES",
    "SCHEMA",
    "ExportFormatError",
    "event_to_dict",
    "export_json",
    "incident_to_dict",
    "parse_export",
    "read_export_file",
]
