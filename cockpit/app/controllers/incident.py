"""Incident keys shared by the cockpit and `cockpit notes`: note, declare, status update, timeline.

A mixin for a Textual `App`: it opens the timeline off the critical path (after the first
frame; the file is opened in a thread), keeps the `Recorder`, and answers the timeline screen's
messages. When the timeline cannot be opened the app keeps working and says why.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shutil
import signal
import tempfile
import threading
from collections.abc import Coroutine, Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.notifications import SeverityLevel

from cockpit.core.records import EventKind
from cockpit.core.safe_text import terminal_safe
from cockpit.incident.recorder import STATUS_EVERY, Recorder
from cockpit.incident.store import TimelineError
from cockpit.screens.incident_forms import DeclareForm, IncidentPicker, NoteForm, StatusForm
from cockpit.screens.timeline import EditRequested, PinToggled, TimelineQuery, TimelineScreen

log = logging.getLogger(__name__)

# How long a hung-up cockpit waits for writes in flight before leaving anyway.
HANGUP_GRACE = 5.0
# Worker groups of the loads that fill the screen from the record or from files; `settle`
# waits for these (never for a worker waiting on a person, such as an action's confirmation).
LOAD_GROUP = "load:"
LOAD_TIMELINE_VIEW = f"{LOAD_GROUP}timeline-view"

INCIDENT_BINDINGS = [
    Binding("n", "note", "Note", id="incident.note"),
    Binding("D", "declare", "Declare", id="incident.declare"),
    Binding("u", "status_update", "Status update", id="incident.status"),
    Binding("t", "timeline", "Timeline", id="incident.timeline"),
    Binding("i", "pick_incident", "Incidents", show=False, id="incident.pick"),
]


class IncidentControls(App[None]):
    """Base for apps that keep an incident record. Subclasses call `open_timeline` once."""

    recorder: Recorder | None = None
    timeline_problem: str = ""
    _skipped_said: str | None = None
    timeline_screen: TimelineScreen | None = None
    _throwaway_dir: Path | None = None
    _writes: set[asyncio.Task[None]]
    _hangup_task: asyncio.Task[None] | None = None

    def _init_incident_controls(self) -> None:
        self._writes = set()

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice, the app's own and its screens' (which call this): they carry server
        messages, names, titles and paths, so each is shown as written — control characters
        as visible stand-ins, brackets as brackets, never as markup."""
        del markup  # no caller's text is markup; a stray "[/b]" in a message must not crash
        super().notify(
            terminal_safe(message, multiline=True),
            title=terminal_safe(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    # ---- opening ------------------------------------------------------------------------

    async def open_timeline(
        self,
        path: Path | None,
        *,
        actor: str = "",
        status_every: float = STATUS_EVERY,
        throwaway: bool = False,
        clock: Any = None,
        read_only_ok: bool = False,
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
            self.notify(str(error), title="Timeline unavailable", severity="error", timeout=30)
            self.timeline_changed()
            return None
        if self.recorder.timeline.read_only:
            self.notify(
                f"{self.recorder.path} is read-only: the timeline is shown, nothing can be saved",
                title="Read-only timeline",
                severity="warning",
                timeout=30,
            )
        self.say_what_was_skipped()
        self.timeline_changed()
        return self.recorder

    def say_what_was_skipped(self) -> None:
        """Rows the timeline could not read are skipped; say so once per new count."""
        recorder = self.recorder
        summary = recorder.timeline.unreadable_summary() if recorder else None
        if summary and summary != self._skipped_said:
            self._skipped_said = summary
            self.notify(summary, title="Timeline", severity="warning", timeout=15)

    async def close_timeline(self) -> None:
        for task in list(self._writes):
            # Writes in flight finish: a note being saved is never cut off on quit.
            await asyncio.gather(task, return_exceptions=True)
        if self.recorder is not None:
            await self.recorder.close()
            self.recorder = None
        if self._throwaway_dir is not None:
            shutil.rmtree(self._throwaway_dir, ignore_errors=True)

    # ---- signals ------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, self._on_terminate)
        with contextlib.suppress(ValueError):  # not the main thread (tests): nothing to hang up
            # A plain handler, not the loop's: it runs even while the main thread is blocked
            # handing output to Textual's writer thread, which is exactly what a dead terminal
            # causes.
            signal.signal(signal.SIGHUP, lambda signum, _frame: self._on_hangup(loop, signum))

    def _on_terminate(self) -> None:
        log.info("received SIGTERM: exiting")
        self.exit()

    def _on_hangup(self, loop: asyncio.AbstractEventLoop, signum: int) -> None:
        # The terminal is gone (closed SSH, killed tmux). Textual's orderly shutdown would write
        # terminal-restore sequences into a dead pty and can block on them, so: finish what
        # matters (writes in flight, closing the timeline) and leave without the terminal. A
        # watchdog makes sure of the leaving even if the event loop never gets to run again;
        # every acknowledged note is committed already, so nothing is lost either way.
        log.info("received SIGHUP: exiting")
        code = 128 + signum
        watchdog = threading.Timer(HANGUP_GRACE, os._exit, args=(code,))
        watchdog.daemon = True
        watchdog.start()
        loop.call_soon_threadsafe(self._start_hangup_exit, code)

    def _start_hangup_exit(self, code: int) -> None:
        if self._hangup_task is None:
            self._hangup_task = asyncio.create_task(self._exit_without_terminal(code))

    async def _exit_without_terminal(self, code: int) -> None:
        try:
            async with asyncio.timeout(HANGUP_GRACE):
                await self.stop_sources()
                await self.close_timeline()
        except TimeoutError:
            log.warning("gave up waiting for shutdown after %ss", HANGUP_GRACE)
        finally:
            logging.shutdown()
            os._exit(code)

    async def stop_sources(self) -> None:
        """Stop whatever reads the outside world; the app overrides this."""

    # ---- hooks for the app ----------------------------------------------------------------

    def timeline_changed(self) -> None:
        """Something in the record changed: re-render what shows it."""
        self.refresh_timeline_view()

    def header_changed(self) -> None:
        """Something the header shows was loaded: draw it now, not at the next tick."""

    async def settle(self) -> None:
        """Return once no timeline write and no load is in flight, so the screen shows the
        record as it is (what a screenshot or a test reads; the same app reacts the same way
        on a fast machine and a slow one)."""
        while True:
            writes = [task for task in self._writes if not task.done()]
            loads = [
                worker
                for worker in self.workers
                if worker.group.startswith(LOAD_GROUP) and not worker.is_finished
            ]
            if not writes and not loads:
                return
            # Failures were already said where they happened; here only the waiting counts.
            await asyncio.gather(
                *writes, *(worker.wait() for worker in loads), return_exceptions=True
            )

    def panel_values(self) -> Mapping[str, str]:
        """Formatted panel values to store at declare / mitigate / resolve time."""
        return {}

    def now(self) -> datetime:
        raise NotImplementedError

    def write_in_background(self, work: Coroutine[Any, Any, object], what: str) -> None:
        """Automatic events (breaches, alerts) must never wait on, or break, the UI."""

        async def run() -> None:
            try:
                await work
            except TimelineError as error:
                log.warning("could not record %s: %s", what, error)
                self.notify(f"could not record {what}: {error}", severity="warning")
                return
            self.timeline_changed()

        task = asyncio.create_task(run())
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    # ---- keys ---------------------------------------------------------------------------

    def _recorder_or_say(self) -> Recorder | None:
        if self.recorder is None:
            message = self.timeline_problem or "the timeline is still opening; try again"
            self.notify(message, severity="warning")
        return self.recorder

    def action_note(self) -> None:
        recorder = self._recorder_or_say()
        if recorder is None:
            return
        if recorder.incident is None:
            self.notify("Declare the incident first (title, severity); then the note.")
            self.action_declare(then_note=True)
            return
        incident = recorder.incident

        async def save(text: str) -> str | None:
            try:
                await recorder.note(text)
            except TimelineError as error:
                return f"NOT SAVED: {error}"
            self.timeline_changed()
            return None

        self.push_screen(NoteForm(save, f"{incident.severity.value} {incident.title}"))

    def action_declare(self, then_note: bool = False, another: bool = False) -> None:
        recorder = self._recorder_or_say()
        if recorder is None:
            return
        if recorder.incident is not None and recorder.incident.is_open and not another:
            incident = recorder.incident
            self.notify(
                f"Already on {incident.severity.value} {incident.title!r}: resolve it with u, "
                "or press i to declare another alongside it."
            )
            return

        async def save(title: str, severity: str) -> str | None:
            try:
                await recorder.declare(title, severity, self.panel_values())
            except (TimelineError, ValueError) as error:
                return f"NOT SAVED: {error}"
            self.timeline_changed()
            return None

        def after(saved: bool | None) -> None:
            if saved and then_note:
                self.action_note()

        default_title, default_severity = self.incident_defaults()
        self.push_screen(DeclareForm(save, default_title, default_severity), after)

    def action_pick_incident(self) -> None:
        recorder = self._recorder_or_say()
        if recorder is None:
            return

        async def pick() -> None:
            try:
                incidents = await recorder.timeline.open_incidents()
            except TimelineError as error:
                self.notify(str(error), severity="error")
                return
            incidents.sort(key=lambda i: i.started_at, reverse=True)
            current = recorder.incident.id if recorder.incident else None
            choice = await self.push_screen_wait(IncidentPicker(incidents, current))
            if choice is None:
                return
            if choice == IncidentPicker.NEW:
                self.action_declare(another=True)
                return
            try:
                incident = await recorder.attach(choice)
            except TimelineError as error:
                self.notify(str(error), severity="error")
                return
            self.notify(f"Attached to {incident.severity.value} {incident.title}")
            self.timeline_changed()

        self.run_worker(pick(), group="incident-pick", exclusive=True)

    def incident_defaults(self) -> tuple[str, str]:
        return "", "SEV3"

    def action_status_update(self) -> None:
        recorder = self._recorder_or_say()
        if recorder is None:
            return
        if recorder.incident is None:
            self.notify("No incident declared: D declares one.", severity="warning")
            return

        async def save(text: str, status: str) -> str | None:
            try:
                await recorder.status_update(text, status, self.panel_values())
            except (TimelineError, ValueError) as error:
                return f"NOT SAVED: {error}"
            self.timeline_changed()
            return None

        self.push_screen(StatusForm(save, recorder.incident.status))

    def action_timeline(self) -> None:
        if self.timeline_screen is not None and self.timeline_screen.is_attached:
            return
        self.timeline_screen = TimelineScreen()
        self.push_screen(self.timeline_screen)
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
        elapsed = (self.now() - incident.started_at).total_seconds() if incident else None
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
                self.notify(str(error), severity="error")
                return
            if screen.is_attached:
                screen.show_events(events)
            self.say_what_was_skipped()

        # Exclusive: the newest query wins, an older answer never lands on top of it.
        self.run_worker(load(), group=LOAD_TIMELINE_VIEW, exclusive=True, exit_on_error=False)

    def on_timeline_query(self, _message: TimelineQuery) -> None:
        self.refresh_timeline_view()

    def on_edit_requested(self, message: EditRequested) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        event = message.event
        if event.kind is not EventKind.NOTE:
            # The record of what the cockpit saw and did is not rewritten by hand; add a note.
            self.notify("Only notes can be edited or deleted; add a note to correct the record.")
            return

        if message.delete:

            async def delete(_: str) -> str | None:
                try:
                    await recorder.timeline.delete_event(event.uuid, recorder.actor)
                except (TimelineError, ValueError) as error:
                    return f"NOT DELETED: {error}"
                self.timeline_changed()
                return None

            self.push_screen(
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
            self.timeline_changed()
            return None

        self.push_screen(
            NoteForm(save, "edit note (the old version stays in the history)", event.text)
        )

    def on_pin_toggled(self, message: PinToggled) -> None:
        recorder = self.recorder
        if recorder is None:
            return
        self.write_in_background(
            recorder.pin(message.event.uuid, not message.event.pinned), "the pin"
        )
