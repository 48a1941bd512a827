"""Runbooks in the cockpit: the key that opens the section for the panel in trouble, steps
marked done (space, confirmed) recorded in the timeline, and runbook commands offered as the
cockpit's own actions.

`RunbookController` belongs to `CockpitApp` and needs `RunbookHost` of it, and the action
flow (`ActionFlow`) to run a command through. Runbooks are read in a thread after the first
frame, never on the way to it. Which panel: the focused one, else the worst breaching one.
Which section: the panel's `runbook = "FILE#section"` (or `[runbooks.alerts]` for a firing
alert), else the best match. A command runs only as an `ActionRequest` through the keys' own
preview → confirm → apply flow, and only in the namespace and context this cockpit acts in.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

from textual.binding import Binding
from textual.dom import DOMNode
from textual.widget import Widget

from cockpit.app.controllers.host import KeepsRecord, Notifies, RunsWork, ShowsScreens
from cockpit.core.mitigation import ActionPreview, ActionRequest, ClusterActions
from cockpit.core.model import FiringAlert, PanelState, Status
from cockpit.runtime.wiring import Runtime

if TYPE_CHECKING:
    from cockpit.runbooks.match import SectionMatch
    from cockpit.runbooks.model import Command, Runbook
    from cockpit.screens.runbook import (
        CommandOffer,
        RunbookCommandChosen,
        StepToggled,
    )

# The parser, matcher and pane are imported where they are used: none of them is needed
# for the first frame, and their regular expressions cost start-up time.

log = logging.getLogger(__name__)

LOAD_RUNBOOKS = "runbooks"
LOAD_TICKS = "runbook-ticks"
RUNBOOK_BINDINGS = [Binding("b", "open_runbook", "Runbook", id="runbook.open")]
# Panels a runbook is most likely written for come first when several breach at once.
BREACHING = (Status.CRIT, Status.WARN)


class RunbookHost(Notifies, ShowsScreens, RunsWork, KeepsRecord, Protocol):
    """What the runbook controller needs from the app that owns it."""

    runtime: Runtime
    @property
    def states(self) -> Mapping[str, PanelState]: ...

    @property
    def focused(self) -> Widget | None: ...

    def now(self) -> datetime: ...

    def header_changed(self) -> None:
        """Something the header shows was loaded: draw it now, not at the next tick."""
        ...


class ActionFlow(Protocol):
    """The action controller's way in, shared with the keys (`ActionController`)."""

    def begin_action(
        self, body: Callable[[ClusterActions], Awaitable[None]], what: str
    ) -> None: ...

    async def confirm_and_apply(
        self,
        actions: ClusterActions,
        request: ActionRequest,
        preview: ActionPreview | None = None,
    ) -> None: ...


class RunbookController:
    """The runbooks: read once, opened by the `b` key, ticked steps and commands recorded."""

    def __init__(self, host: RunbookHost, flow: ActionFlow) -> None:
        self._host = host
        self._flow = flow
        self.runbooks: list[Runbook] | None = None  # None while they are being read
        # Set once they have been read (or there were none to read).
        self.read = asyncio.Event()
        self.problems: tuple[str, ...] = ()
        self._match: SectionMatch | None = None

    # ---- loading ------------------------------------------------------------------------

    def start(self) -> None:
        """Read the configured runbook directories in a thread (once)."""
        app = self._host
        runtime = app.runtime
        from cockpit.runbooks.links import runbook_dirs

        dirs = runbook_dirs(runtime.config.runbooks.dirs, runtime.config_path)
        if not dirs:
            self.runbooks = []
            self.read.set()
            return

        async def load() -> None:
            try:
                await read()
            finally:
                self.read.set()

        async def read() -> None:
            from cockpit.runbooks import load as runbook_load
            from cockpit.runbooks.links import broken_links

            books, problems = await asyncio.to_thread(runbook_load.load_runbooks, dirs)
            self.runbooks = books
            self.problems = tuple(problems)
            for problem in problems:
                log.warning("runbook: %s", problem)
            broken = broken_links(runtime.config, books)
            for line in broken:
                log.warning("runbook link: %s", line)
            said = [*problems, *broken]
            if said:
                # Said once, at start: a missing directory or a misspelt link would otherwise
                # surface only at 3 a.m., as a section that is not there or a guess.
                app.notify("\n".join(said), title="Runbooks", severity="warning", timeout=20)
            # Their time boxes ("triage 5 min") are in the header from now on.
            app.header_changed()

        # A worker: quitting cancels it, never waits on it, and a test can wait for it.
        app.run_load(load, LOAD_RUNBOOKS, "read runbooks")

    # ---- the key ------------------------------------------------------------------------

    def open_for_panel(self) -> None:
        app = self._host
        if self.runbooks is None:
            app.notify("Runbooks are still being read; try again in a moment.")
            return
        if not self.runbooks:
            why = "; ".join(self.problems[:2]) or "none configured"
            app.notify(
                f"No runbooks ({why}). Add directories in [runbooks] dirs = [...].",
                severity="warning",
                timeout=10,
            )
            return
        panel = self._runbook_panel()
        if panel is None:
            app.notify("No panel is breaching; focus one with tab, then b.")
            return
        match = self._runbook_section(panel)
        title = app.states[panel].title
        if match is None:
            app.notify(
                f"No runbook section matches {title}; link one with "
                f'runbook = "FILE.md#section" in [panels.{panel}].',
                severity="warning",
                timeout=10,
            )
            return
        self._open_section(match)

    def _runbook_panel(self) -> str | None:
        app = self._host
        node: DOMNode | None = app.focused
        while node is not None:
            panel = getattr(node, "panel", None)
            if isinstance(panel, str) and panel in app.states:
                return panel
            node = node.parent
        now = app.now()
        views = [state.view(now) for state in app.states.values()]
        for status in BREACHING:
            for view in views:
                if view.status is status:
                    return str(view.panel)
        return None

    def _runbook_section(self, panel: str) -> SectionMatch | None:
        from cockpit.runbooks.links import panel_keywords, panel_link
        from cockpit.runbooks.match import find_section, match_section, resolve_section

        app = self._host
        books = self.runbooks or []
        config = app.runtime.config
        if panel == "alerts":
            # The most severe alert first (the panel's order): its configured link, else the
            # section its name and labels clearly point to.
            for alert in self.firing_alerts():
                link = config.runbooks.alerts.get(alert.name)
                found = find_section(books, link) if link else None
                if found is None:
                    words = [alert.name, *alert.labels.values()]
                    found = match_section(books, "alerts", words)
                    found = found if found is not None and found.strong else None
                if found is not None:
                    return found
        return resolve_section(
            books,
            panel,
            link=panel_link(config, panel),
            keywords=panel_keywords(config, panel),
        )

    def firing_alerts(self) -> list[FiringAlert]:
        app = self._host
        state = app.states.get("alerts")
        latest = state.latest if state is not None else None
        detail = getattr(latest, "detail", None)
        if not isinstance(detail, tuple):
            return []
        return [a for a in detail if isinstance(a, FiringAlert)]

    def _open_section(self, match: SectionMatch) -> None:
        from cockpit.core.records import EventKind
        from cockpit.runbooks.checklist import ticked_steps
        from cockpit.screens.runbook import RunbookScreen

        app = self._host
        runtime = app.runtime
        offers = [
            self._offer(command, runtime.namespace, runtime.context)
            for command in match.section.commands
        ]
        screen = RunbookScreen(match.runbook.name, match.section, match.why, offers)
        self._match = match
        app.push_screen(screen)
        recorder = app.recorder
        if recorder is None or recorder.incident is None:
            return

        async def read_ticks() -> None:
            try:
                events = await recorder.events(kinds=[EventKind.NOTE], limit=5000)
            except Exception as error:  # the checklist still works; it just starts empty
                log.info("runbook ticks: %s", error)
                return
            if screen.is_attached:
                screen.set_ticked(ticked_steps(events, match.runbook.name))

        app.run_load(read_ticks, LOAD_TICKS, match.runbook.name, exclusive=True)

    @staticmethod
    def _offer(command: Command, namespace: str, context: str) -> CommandOffer:
        from cockpit.runbooks.actions import ExternalCommand, action_mismatch, command_to_action
        from cockpit.screens.runbook import CommandOffer

        if not command.argv:
            return CommandOffer(command)
        action = command_to_action(command.argv, namespace=namespace, context=context)
        if action is None:
            return CommandOffer(command)
        request = action.as_request() if isinstance(action, ExternalCommand) else action
        refusal = action_mismatch(request, context=context, namespace=namespace) or ""
        description = action.describe() if isinstance(action, ExternalCommand) else ""
        return CommandOffer(command, description or request.describe(), refusal)

    # ---- what the pane posts --------------------------------------------------------------

    def step_toggled(self, message: StepToggled) -> None:
        from cockpit.runbooks.checklist import step_entry

        app = self._host
        match = self._match
        recorder = app.recorder
        if match is None:
            return
        if recorder is None or recorder.incident is None:
            app.notify(
                "Marked here only: no incident declared (D declares one), so it is not recorded.",
                severity="warning",
            )
            return
        entry = step_entry(match.runbook, match.section, message.step, message.ticked)
        app.write_in_background(
            recorder.record(entry.kind, entry.text, entry.source, entry.data), "a runbook step"
        )

    def command_chosen(self, message: RunbookCommandChosen) -> None:
        from cockpit.runbooks.actions import ExternalCommand, command_to_action

        app = self._host
        command = message.offer.command
        runtime = app.runtime
        action = command_to_action(
            command.argv, namespace=runtime.namespace, context=runtime.context
        )
        if action is None or message.offer.refusal:
            return
        request = action.as_request() if isinstance(action, ExternalCommand) else action
        # A program has no dry run: the preview says what runs and where it came from.
        source = self._match.runbook.name if self._match else ""
        preview = action.preview(source) if isinstance(action, ExternalCommand) else None

        async def run(actions: ClusterActions) -> None:
            ready = await self._runbook_request(actions, request)
            if ready is not None:
                await self._flow.confirm_and_apply(actions, ready, preview)

        self._flow.begin_action(run, "runbook action")

    async def _runbook_request(
        self, actions: ClusterActions, request: ActionRequest
    ) -> ActionRequest | None:
        """The request as the keys would make it: the workload must be one this cockpit acts
        on, a scale carries the current replica count (shown in the preview) as its
        precondition, and a plain rollback uses the workload's configured command if any."""
        from cockpit.actions.steps import with_configured_command
        from cockpit.core.mitigation import Verb

        app = self._host
        if request.command:
            return request
        workloads = await actions.workloads()
        workload = next(
            (w for w in workloads if w.kind == request.kind and w.name == request.name), None
        )
        if workload is None:
            known = ", ".join(f"{w.kind}/{w.name}" for w in workloads) or "none"
            app.notify(
                f"Not run: {request.kind}/{request.name} is not among the workloads this cockpit "
                f"acts on in {request.namespace} ({known}).",
                severity="error",
                timeout=15,
            )
            return None
        if request.verb is Verb.SCALE and request.current_replicas is None:
            request = replace(request, current_replicas=workload.replicas)
        if request.verb is Verb.ROLLBACK and not request.to_revision:
            request = with_configured_command(app.runtime.config, request)
        return request
