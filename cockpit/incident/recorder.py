"""The cockpit's side of the incident record: which incident we are on, and what gets written.

One `Recorder` per running cockpit. It owns the `Timeline` connection, knows the current incident
and the status-update reminder, and turns what happens in the cockpit (a note, a declared
incident, an SLO breach, an action's intent and outcome, an alert) into timeline events with the
right kind, actor and source. No Textual here: the app calls it from tasks and shows the results.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from cockpit.core.records import Event, EventKind, Incident, IncidentStatus, Severity, default_actor
from cockpit.incident.breaches import SloChange
from cockpit.incident.store import Timeline, TimelineError

log = logging.getLogger(__name__)

SOURCE = "cockpit"
STATUS_EVERY = 15 * 60.0


@dataclass(frozen=True, slots=True)
class Reminder:
    """When the next status update is due. Negative `due_in` means overdue by that much."""

    due_at: datetime
    due_in: float

    @property
    def overdue(self) -> bool:
        return self.due_in <= 0


class Recorder:
    def __init__(
        self,
        timeline: Timeline,
        *,
        actor: str = "",
        status_every: float = STATUS_EVERY,
        source: str = SOURCE,
    ) -> None:
        self.timeline = timeline
        self.actor = actor or default_actor()
        self.status_every = status_every
        self.source = source
        self.incident: Incident | None = None
        self._last_update: datetime | None = None

    @classmethod
    async def open(
        cls,
        path: str | Path | None,
        *,
        actor: str = "",
        status_every: float = STATUS_EVERY,
        clock: Any = None,
        read_only_ok: bool = False,
    ) -> Recorder:
        """Open the timeline file and attach to the newest open incident, if any.

        Raises `TimelineError` (with a message worth showing as it is) when the file cannot be
        used; the cockpit keeps working without a timeline then. `read_only_ok`: a timeline that
        cannot be written is opened for reading (`timeline.read_only`); every write then fails
        with `TimelineWriteError`, so nothing is ever acknowledged that was not saved."""
        timeline = await Timeline.open(path, clock=clock, read_only_ok=read_only_ok)
        recorder = cls(timeline, actor=actor, status_every=status_every)
        try:
            open_ones = await timeline.open_incidents()
            if open_ones:
                newest = max(open_ones, key=lambda i: i.started_at)
                await recorder.attach(newest.id)
        except BaseException:
            await timeline.close()
            raise
        return recorder

    async def close(self) -> None:
        await self.timeline.close()

    @property
    def path(self) -> Path:
        return self.timeline.path

    # ---- which incident -----------------------------------------------------------------

    async def attach(self, incident_id: str) -> Incident:
        self.incident = await self.timeline.get_incident(incident_id)
        updates = await self.timeline.events(self.incident.id, kinds=[EventKind.STATUS], limit=1)
        self._last_update = updates[-1].occurred_at if updates else None
        return self.incident

    async def declare(
        self,
        title: str,
        severity: Severity | str | int,
        panel_values: Mapping[str, str] | None = None,
        started_at: datetime | None = None,
    ) -> Incident:
        incident = await self.timeline.start_incident(
            title, severity, self.actor, source=self.source, started_at=started_at
        )
        self.incident = incident
        self._last_update = None
        if panel_values:
            await self._panels_event("declared", panel_values)
        return incident

    def _require(self) -> Incident:
        if self.incident is None:
            raise TimelineError("no incident declared: press D to declare one first")
        return self.incident

    # ---- what people write ------------------------------------------------------------

    async def note(self, text: str) -> Event:
        """Durable (fsynced) when this returns; on `TimelineError` nothing was saved."""
        incident = self._require()
        return await self.timeline.add_note(incident.id, text, self.actor, self.source)

    async def status_update(
        self,
        text: str,
        new_status: IncidentStatus | str | None = None,
        panel_values: Mapping[str, str] | None = None,
    ) -> Incident:
        """Post a status update (an event of kind status), optionally moving the incident.
        Either way the reminder starts over."""
        incident = self._require()
        if new_status is not None and IncidentStatus.parse(new_status) is not incident.status:
            incident = await self.timeline.set_status(
                incident.id, new_status, self.actor, source=self.source
            )
            self.incident = incident
            moment = {
                IncidentStatus.MITIGATED: "mitigated",
                IncidentStatus.RESOLVED: "resolved",
            }.get(incident.status)
            if moment and panel_values:
                await self._panels_event(moment, panel_values)
        event = None
        if text.strip():
            event = await self.timeline.add_event(
                incident.id,
                EventKind.STATUS,
                f"Status update: {text.strip()}",
                self.actor,
                self.source,
                data={"update": True, "status": incident.status.value},
            )
        if event is not None:
            self._last_update = event.occurred_at
        elif new_status is not None:
            latest = await self.timeline.events(incident.id, kinds=[EventKind.STATUS], limit=1)
            self._last_update = latest[-1].occurred_at if latest else self._last_update
        return incident

    async def set_severity(self, severity: Severity | str | int) -> Incident:
        incident = self._require()
        self.incident = await self.timeline.set_severity(
            incident.id, severity, self.actor, source=self.source
        )
        return self.incident

    # ---- what the cockpit writes by itself ------------------------------------------------

    async def record_slo(self, change: SloChange) -> Event | None:
        """A breach or recovery, once per incident: however many cockpits watch the incident
        and however often they start, the record holds one entry per change of state. The
        cockpit is the actor (it saw it, nobody did it); who was watching is the observer."""
        if self.incident is None:
            return None
        state = "breached" if change.breached else "recovered"
        return await self.timeline.add_state_event(
            self.incident.id,
            EventKind.SLO,
            change.text,
            self.source,
            f"panel:{change.panel}",
            state_key=f"slo:{change.panel}",
            state=state,
            data={
                "panel": change.panel,
                "breached": change.breached,
                "values": change.values,
                "observer": self.actor,
            },
            occurred_at=change.occurred_at,
        )

    async def record_alert(
        self, state: str, text: str, data: Mapping[str, Any], occurred_at: datetime
    ) -> Event | None:
        """An alert firing or resolved (`state`), once per incident per alert, dated as the
        alert says (its startsAt), attributed to the cockpit like every automatic entry."""
        if self.incident is None:
            return None
        return await self.timeline.add_state_event(
            self.incident.id,
            EventKind.ALERT,
            text,
            self.source,
            "panel:alerts",
            state_key=f"alert:{data.get('fingerprint', '')}",
            state=state,
            data={**data, "observer": self.actor},
            occurred_at=occurred_at,
        )

    async def firing_alerts(self) -> set[str]:
        """Fingerprints of the alerts the incident's record last saw firing (and not since
        resolved): the baseline a cockpit starts from, whoever recorded them."""
        if self.incident is None:
            return set()
        return {
            key.removeprefix("alert:")
            for key, state in (
                await self.timeline.latest_states(self.incident.id, "alert:")
            ).items()
            if state == "firing"
        }

    async def record_action(
        self, phase: str, text: str, data: Mapping[str, Any] | None = None
    ) -> Event | None:
        """`phase` is "intent" or "outcome": both are written, intent before the request
        leaves, outcome after it answered, so a crash in between is visible in the record."""
        if self.incident is None:
            return None
        return await self.timeline.add_event(
            self.incident.id,
            EventKind.ACTION,
            text,
            self.actor,
            self.source,
            data={"phase": phase, **(data or {})},
        )

    async def record(
        self, kind: EventKind | str, text: str, source: str, data: Mapping[str, Any] | None = None
    ) -> Event | None:
        if self.incident is None:
            return None
        return await self.timeline.add_event(
            self.incident.id, kind, text, self.actor, source, data=data
        )

    async def _panels_event(self, moment: str, panel_values: Mapping[str, str]) -> None:
        assert self.incident is not None
        summary = ", ".join(f"{k} {v}" for k, v in panel_values.items())
        await self.timeline.add_event(
            self.incident.id,
            EventKind.SYSTEM,
            f"Panels when {moment}: {summary}",
            self.actor,
            self.source,
            data={"moment": moment, "panels": dict(panel_values)},
        )

    # ---- reading ------------------------------------------------------------------------

    async def events(
        self, kinds: Iterable[EventKind | str] | None = None, search: str = "", limit: int = 500
    ) -> list[Event]:
        if self.incident is None:
            return []
        return await self.timeline.events(
            self.incident.id, kinds=kinds, search=search or None, limit=limit
        )

    async def pin(self, uuid: str, pinned: bool) -> Event:
        return await self.timeline.pin(uuid, pinned)

    def reminder(self, now: datetime) -> Reminder | None:
        """Status updates are due every `status_every` while the incident is open."""
        if self.incident is None or not self.incident.is_open:
            return None
        last = self._last_update or self.incident.started_at
        due_at = last + timedelta(seconds=self.status_every)
        return Reminder(due_at, (due_at - now).total_seconds())
