"""Incidents and their timeline events: the records on-call trusts to the local disk.

Pure Python, no Textual and no SQLite: `cockpit.incident.store` persists these, the UI and
`cockpit.incident.postmortem` read them.
Every datetime is timezone-aware and normalised to UTC here, once,
so no caller has to remember to.
"""

from __future__ import annotations

import getpass
import os
import re
import socket
import uuid as uuid_module
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Final


class Severity(StrEnum):
    SEV1 = "SEV1"
    SEV2 = "SEV2"
    SEV3 = "SEV3"
    SEV4 = "SEV4"

    @classmethod
    def parse(cls, value: str | int | Severity) -> Severity:
        """Accept what people type: `2`, `sev2`, `SEV2`."""
        if isinstance(value, Severity):
            return value
        text = str(value).strip().upper()
        if text.isdigit():
            text = f"SEV{text}"
        try:
            return cls(text)
        except ValueError:
            raise ValueError(
                f"unknown severity {value!r}: use 1-4 or SEV1-SEV4 (SEV1 is the worst)"
            ) from None

    @property
    def level(self) -> int:
        return int(self.value[3:])


class IncidentStatus(StrEnum):
    TRIAGE = "triage"
    ACTIVE = "active"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    CLOSED = "closed"

    @classmethod
    def parse(cls, value: str | IncidentStatus) -> IncidentStatus:
        if isinstance(value, IncidentStatus):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise ValueError(f"unknown status {value!r}: use one of {choices}") from None

    @property
    def is_open(self) -> bool:
        # A resolved incident still takes notes, but it no longer needs a pager holder's attention,
        # so it is not "open" for the purpose of picking the incident a note belongs to.
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset({IncidentStatus.TRIAGE, IncidentStatus.ACTIVE, IncidentStatus.MITIGATED})


class EventKind(StrEnum):
    NOTE = "note"
    ACTION = "action"
    ALERT = "alert"
    SLO = "slo"
    STATUS = "status"
    SYSTEM = "system"

    @classmethod
    def parse(cls, value: str | EventKind) -> EventKind:
        if isinstance(value, EventKind):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            choices = ", ".join(k.value for k in cls)
            raise ValueError(f"unknown event kind {value!r}: use one of {choices}") from None


ROLE_NAMES = ("incident commander", "scribe", "comms")


# The span a timeline time may take. Before 1970 no incident was recorded by this tool; the upper
# bound keeps every time inside what `datetime` can hold after any UTC offset is applied, and
# four-digit years keep the stored text fixed-width (so text order stays time order).
EARLIEST: Final = datetime(1970, 1, 1, tzinfo=UTC)
LATEST: Final = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)

# Lengths a record may have; an import refuses longer values and so does a local write, so that
# whatever this timeline holds can be exported and imported again.
MAX_TITLE: Final = 1000
MAX_NAME: Final = 256  # actor, source, role, person
MAX_TEXT: Final = 1_000_000


def utc(value: datetime) -> datetime:
    """`value` in UTC; naive datetimes are refused because their zone is a guess, and times
    outside 1970..9999 (UTC) because no incident happened then."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"datetime {value.isoformat()} has no timezone; timeline times are UTC")
    try:
        converted = value.astimezone(UTC)
    except OverflowError:
        # 9999-12-31T23:00-14:00 is in year 10000 once in UTC: no datetime can hold it.
        converted = None
    if converted is None or not EARLIEST <= converted <= LATEST:
        raise ValueError(
            f"time {value.isoformat()} is outside the range a timeline accepts "
            "(1970-01-01 to 9999-12-31, UTC)"
        )
    return converted


def utc_now() -> datetime:
    return datetime.now(UTC)


def format_utc(value: datetime, *, for_people: bool = False) -> str:
    """A time as UTC text, in the shape its reader needs.

    By default the record's: fixed-width `YYYY-MM-DDTHH:MM:SS.ffffffZ`, exact to the microsecond,
    so that text order is time order (the store's indexes and every export rely on it); a naive
    or out-of-range time is refused (`utc`). `for_people`: `YYYY-MM-DD HH:MM UTC`, for a person
    reading a panel or a snapshot, where the minute is precise enough and seconds are noise. A
    shown time is never stored or compared, so whatever a source reports is shown, however odd
    (a backup file dated 1969); a naive one is taken as local time, as `astimezone` does.
    """
    if for_people:
        return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    value = utc(value)
    # Not strftime's %Y: glibc writes year 1 as "1", which would break the fixed width.
    return (
        f"{value.year:04d}-{value.month:02d}-{value.day:02d}T{value.hour:02d}:"
        f"{value.minute:02d}:{value.second:02d}.{value.microsecond:06d}Z"
    )


# ASCII digits only and no trailing newline (`\Z`, not `$`): a time is a fixed token.
_UTC_TEXT = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"(Z|[+-][0-9]{2}:[0-9]{2})\Z"
)


def parse_utc(text: str) -> datetime:
    """Read an ISO-8601 time that states its zone (`Z` or `+hh:mm`); return it in UTC."""
    if not isinstance(text, str) or not _UTC_TEXT.match(text):
        shown = text[:40] if isinstance(text, str) else text
        raise ValueError(
            f"{shown!r} is not an ISO-8601 time with a zone, e.g. 2026-11-24T14:02:00Z"
        )
    return utc(datetime.fromisoformat(text.replace("Z", "+00:00")))


def default_actor(user: str | None = None, host: str | None = None) -> str:
    """`user@host` for events this person records; either part can be given by the caller."""
    if user is None:
        user = os.environ.get("USER") or os.environ.get("LOGNAME")
        if not user:
            try:
                user = getpass.getuser()
            except Exception:
                # No passwd entry (containers with a random uid): still attribute the event.
                user = "unknown"
    if host is None:
        host = socket.gethostname().split(".")[0] or "localhost"
    return f"{user}@{host}"


def new_id() -> str:
    # Random, not sequential: incidents and events are merged across laptops by id.
    return uuid_module.uuid4().hex


def short_id(incident_id: str) -> str:
    return incident_id[:8]


@dataclass(frozen=True, slots=True)
class Incident:
    id: str
    title: str
    severity: Severity
    status: IncidentStatus
    started_at: datetime
    mitigated_at: datetime | None = None
    resolved_at: datetime | None = None
    roles: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "severity", Severity.parse(self.severity))
        object.__setattr__(self, "status", IncidentStatus.parse(self.status))
        object.__setattr__(self, "started_at", utc(self.started_at))
        for name in ("mitigated_at", "resolved_at"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, utc(value))
        object.__setattr__(self, "roles", MappingProxyType(dict(self.roles)))

    @property
    def short_id(self) -> str:
        return short_id(self.id)

    @property
    def is_open(self) -> bool:
        return self.status.is_open


@dataclass(frozen=True, slots=True)
class Event:
    """One entry of an incident's timeline. Never changed once written: an edit or a deletion is
    a new event whose `supersedes` names the version it replaces (a deletion has `deleted`)."""

    uuid: str
    incident_id: str
    occurred_at: datetime
    recorded_at: datetime
    kind: EventKind
    actor: str
    source: str
    text: str
    data: Mapping[str, Any] = field(default_factory=dict)
    pinned: bool = False
    supersedes: str | None = None
    deleted: bool = False
    # None: recorded in this timeline. Otherwise the id of the timeline it was imported from;
    # an import may only supersede events of its own origin.
    origin: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", EventKind.parse(self.kind))
        object.__setattr__(self, "occurred_at", utc(self.occurred_at))
        object.__setattr__(self, "recorded_at", utc(self.recorded_at))
        object.__setattr__(self, "data", MappingProxyType(dict(self.data)))
        object.__setattr__(self, "pinned", bool(self.pinned))
        object.__setattr__(self, "deleted", bool(self.deleted))
