"""Incident keys shared by the cockpit and `cockpit notes`: note, declare, status update, timeline.

`IncidentController` opens the timeline off the critical path (after the first frame; the file
is opened in a thread), keeps the `Recorder`, and answers the timeline screen's messages. When
the timeline cannot be opened the app keeps working and says why. What it needs from the app
that owns it is `IncidentHost`; every change to the record is announced as `TimelineChanged`.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import Protocol

from textual.binding import Binding
from textual.message import Message

from cockpit.app.base import Work
from cockpit.app.controllers.host import Notifies, RunsWork, ShowsScreens
from cockpit.app.messages import TimelineChanged
from cockpit.core.records import EventKind
from cockpit.incident.recorder import STATUS_EVERY, Recorder
from cockpit.incident.store import TimelineError
from cockpit.screens.incident_forms import DeclareForm, IncidentPicker, NoteForm, StatusForm
from cockpit.screens.timeline import EditRequested, PinToggled, TimelineScreen

log = logging.getLogger(__name__)

LOAD_TIMELINE_VIEW = "timeline-view"

INCIDENT_BINDINGS = [
    Binding("n", "note", "Note", id="incident.note"),
    Binding("D", "declare", "Declare", id="incident.declare"),
    Binding("u", "status_update", "Status update", id="incident.status"),
    Binding("t", "timeline", "Timeline", id="incident.timeline"),
    Binding("i", "pick_incident", "Incidents", show=False, id="incident.pick"),
]


class IncidentHost(Notifies, ShowsScreens, RunsWork, Protocol):
    """What the incident controller needs from the app that owns it."""

    def now(self) -> datetime: ...

    def post_message(self, message: Message) -> bool: ...

    def panel_values(self) -> Mapping[str, str]:
        """Formatted panel values to store at declare / mitigate / resolve time."""
        ...

    def incident_defaults(self) -> tuple[str, str]:
        """(title, severity) the declare form starts with."""
        ...


class IncidentController:
    """The incident record inside an app: opening, the incident keys, the timeline screen."""

    def __init__(self, host: IncidentHost) -> None:
        self._host = host
        self.recorder: Recorder | None = None
        self.timeline_problem = ""
        self.timeline_screen: TimelineScreen | None = None
        self._skipped_said: str | None = None
        self._throwaway_dir: Path | None = None
        # Set once opening has ended, opened or not: what a screenshot or a test waits for.
        self.opened = asyncio.Event()

    def changed(self) -> None:
        """Tell whatever shows the record that it changed (the app handles it once)."""
        self._host.post_message(TimelineChanged())

    # ---- opening ------------------------------------------------------------------------

    async def open_timeline(
        self,
        path: Path | None,
        *,
        actor: str = "",
        status_every: float = STATUS_EVERY,
        throwaway: bool = False,
        clock: Callable[[], datetime] | None = None,
        read_only_ok: bool = False,
    ) -> Recorder | None:
        try:
            return await self._open(
                path,
                actor=actor,
                status_every=status_every,
                throwaway=throwaway,
                clock=clock,
                read_only_ok=read_only_ok,
            )
        finally:
            self.opened.set()

    async def _open(
        self,
        path: Path | None,
        *,
        actor: str,
        status_every: float,
        throwaway: bool,
        clock: Callable[[], datetime] | None,
        read_only_ok: bool,
    ) -> Recorder | None:
        if throwaway:
            self._throwaway_dir = Path(await asyncio.to_thread(tempfile.mkdtemp, "-cockpit"))
            path = self._throwaway_dir / "demo-timeline.db"
        try:
            self.recorder = await Recorder.open(
                path, actor=actor, status_every=status_every, clock=clock, read_only_ok=read_only_ok
            )
        except TimelineError as error:
            self.timeline_problem = f"timeline unavailable: {error}"
            log.warning("%s", self.timeline_problem)
            self._host.notify(
                str(error), title="Timeline unavailable", severity="error", timeout=30
            )
            self.changed()
            return None
        if self.recorder.timeline.read_only:
            self._host.notify(
                f"{self.recorder.path} is read-only: the timeline is shown, nothing can be saved",
                title="Read-only timeline",
                severity="warning",
                timeout=30,
            )
        self.say_what_was_skipped()
        self.changed()
        return self.recorder

    def say_what_was_skipped(self) -> None:
        """Rows the timeline could not read are skipped; say so once per new count."""
        recorder = self.recorder
        summary = recorder.timeline.unreadable_summary() if recorder else None
        if summary and summary != self._skipped_said:
            self._skipped_said = summary
            self._host.notify(summary, title="Timeline", severity="warning", timeout=15)

    async def close(self) -> None:
        """Close the record; the app drains the writes in flight first."""
        if self.recorder is not None:
            await self.recorder.close()
            self.recorder = None
        if self._throwaway_dir is not None:
            shutil.rmtree(self._throwaway_dir, ignore_errors=True)

    def write_in_background(self, work: Work, what: str) -> None:
        """Automatic events (breaches, alerts) must never wait on, or break, the UI."""

        async def run() -> None:
            try:
                await work
            except TimelineError as error:
                log.warning("could not record %s: %s", what, error)
                self._host.notify(f"could not record {what}: {error}", severity="warning")
                return
            self.changed()

        self._host.run_write(run, what)

    # ---- keys ---------------------------------------------------------------------------

    def _recorder_or_say(self) -> Recorder | None:
        if self.recorder is None:
            message = self.timeline_problem or "the timeline is still opening; try again"
            self._host.notify(message, severity="warning")
        return self.recorder

    def note(self) -> None:
        recorder = self._recorder_or_say()
        if recorder is None:
            return
        if recorder.incident is None:
            self._host.notify("Declare the incident first (title, severity); then the note.")
            self.declare(then_note=True)
            return
        incident = recorder.incident

        async def save(text: str) -> str | None:
            try:
                await recorder.note(text)
            except TimelineError as error:
                return f"NOT SAVED: {error}"
            self.changed()
            return None

        self._host.push_screen(NoteForm(save, f"{incident.severity.value} {incident.title}"))

    def declare(self, then_note: bool = False, another: bool = False) -> None:
        recorder = self._recorder_or_say()
        if recorder is None:
            return
        if recorder.incident is not None and recorder.incident.is_open and not another:
            incident = recorder.incident
            self._host.notify(
                f"Already on {incident.severity.value} {incident.title!r}: resolve it with u, "
                "or press i to declare another alongside it."
            )
            return

        async def save(title: str, severity: str) -> str | None:
            try:
                await recorder.declare(title, severity, self._host.panel_values())
            except (TimelineError, ValueError) as error:
                return f"NOT SAVED: {error}"
            self.changed()
            return None

        def after(saved: bool | None) -> None:
            if saved and then_note:
                self.note()

        default_title, default_severity = self._host.incident_defaults()
        self._host.push_screen(DeclareForm(save, default_title, default_severity), after)

    def pick_incident(self) -> None:
        recorder = self._recorder_or_say()
        if recorder is None:
            return

        async def pick() -> None:
            try:
                incidents = await recorder.timeline.open_incidents()
            except TimelineError as error:
                self._host.notify(str(error), severity="error")
                return
            incidents.sort(key=lambda i: i.started_at, reverse=True)
            current = recorder.incident.id if recorder.incident else None
            choice = await self._host.push_screen_wait(IncidentPicker(incidents, current))
            if choice is None:
                return
            if choice == IncidentPicker.NEW:
                self.declare(another=True)
                return
            try:
                incident = await recorder.attach(choice)
            except TimelineError as error:
                self._host.notify(str(error), severity="error")
                return
            self._host.notify(f"Attached to {incident.severity.value} {incident.title}")
            self.changed()

        self._host.run_dialogue(pick, "incident-pick", "pick an incident")

    def status_update(self) -> None:
        recorder = self._recorder_or_say()
        if recorder is None:
            return
        if recorder.incident is None:
            self._host.notify("No incident declared: D declares one.", severity="warning")
            return

        async def save(text: str, status: str) -> str | None:
            try:
                await recorder.status_update(text, status, self._host.panel_values())
            except (TimelineError, ValueError) as error:
                return f"NOT SAVED: {error}"
            self.changed()
            return None

        self._host.push_screen(StatusForm(save, recorder.incident.status))

    def open_timeline_screen(self) -> None:
        if self.timeline_screen is not None and self.timeline_screen.is_attached:
            return
        self.timeline_screen = TimelineScreen()
        self._host.push_screen(self.timeline_screen)
        self.refresh_timeline_view()

    # ---- the timeline screen ------------------------------------------------------------

    def refresh_timeline_title(self) -> None:
        """The timeline screen's incident line, with its T+ clock: every second, like the
        dashboard's header, so the clock on screen never stands still."""
        screen = self.timeline_screen
        if screen is None or not screen.is_attached:
            return
        recorder = self.recorder
        incident = recorder.incident if recorder else None
        elapsed = (self._host.now() - incident.started_at).total_seconds() if incident else None
        screen.show_incident(incident, elapsed)

    def refresh_timeline_view(self) -> None:
        screen = self.timeline_screen
        if screen is None or not screen.is_attached:
            return
        self.refresh_timeline_title()
        recorder = self.recorder
        if recorder is None:
            return
        kind, search = screen.kind, screen.search

        async def load() -> None:
            kinds = [kind] if kind is not None else None
            try:
                events = await recorder.events(kinds=kinds, search=search)
            except TimelineError as error:
                self._host.notify(str(error), severity="error")
                return
            if screen.is_attached:
                screen.show_events(events)
            self.say_what_was_skipped()

        # Exclusive: the newest query wins, an older answer never lands on top of it.
        self._host.run_load(load, LOAD_TIMELINE_VIEW, "timeline view", exclusive=True)

    def edit_requested(self, message: EditRequested) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        event = message.event
        if event.kind is not EventKind.NOTE:
            # The record of what the cockpit saw and did is not rewritten by hand; add a note.
            self._host.notify(
                "Only notes can be edited or deleted; add a note to correct the record."
            )
            return

        if message.delete:

            async def delete(_: str) -> str | None:
                try:
                    await recorder.timeline.delete_event(event.uuid, recorder.actor)
                except (TimelineError, ValueError) as error:
                    return f"NOT DELETED: {error}"
                self.changed()
                return None

            self._host.push_screen(
                NoteForm(
                    delete, "delete this note? (enter deletes; the history keeps it)", event.text
                )
            )
            return

        async def save(text: str) -> str | None:
            try:
                await recorder.timeline.edit_event(event.uuid, text, recorder.actor)
            except (TimelineError, ValueError) as error:
                return f"NOT SAVED: {error}"
            self.changed()
            return None

        self._host.push_screen(
            NoteForm(save, "edit note (the old version stays in the history)", event.text)
        )

    def pin_toggled(self, message: PinToggled) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        self.write_in_background(
            recorder.pin(message.event.uuid, not message.event.pinned), "the pin"
        )
