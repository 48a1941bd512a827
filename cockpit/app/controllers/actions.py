"""The action flow in the cockpit: pick → preview (dry run) → confirm → intent → apply → outcome
→ rollout progress. Every step that changes anything is recorded in the timeline, intent before
the request and outcome after it, so the record shows an action even if the cockpit dies midway.

`ActionController` belongs to `CockpitApp` and needs `ActionHost` of it; the cluster side is a
`ClusterActions` (the demo world or a real API server), which also holds the read-only guard.
A runbook's command enters the same flow through `begin_action` and `confirm_and_apply`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any, Protocol

from textual.binding import Binding
from textual.notifications import SeverityLevel
from textual.worker import Worker

from cockpit.actions import steps as action_steps
from cockpit.actions.steps import with_configured_command
from cockpit.app.controllers.host import KeepsRecord, Notifies, RunsWork, ShowsScreens
from cockpit.app.messages import TimelineChanged
from cockpit.core.mitigation import (
    ActionPreview,
    ActionRequest,
    ActionResult,
    ClusterActions,
    Verb,
    Workload,
)
from cockpit.runtime.wiring import Runtime
from cockpit.screens.actions import ConfirmAction, HistoryScreen, ScaleForm, WorkloadPicker

log = logging.getLogger(__name__)

ACTION_BINDINGS = [
    Binding("s", "scale", "Scale", id="action.scale"),
    Binding("R", "restart", "Restart", id="action.restart"),
    Binding("U", "rollback", "Rollback", id="action.rollback"),
]


ROLLOUT = "rollout"
# How long a finished rollout's last word stays on the dashboard.
ROLLOUT_SHOWN = 5.0


class ActionHost(Notifies, ShowsScreens, RunsWork, KeepsRecord, Protocol):
    """What the action controller needs from the app that owns it."""

    runtime: Runtime

    def show_rollout(self, message: str | None, done: bool, failed: bool = False) -> None:
        """The dashboard's rollout line; None clears it."""
        ...


class ActionController:
    """Scale, restart and roll back: one action at a time, each recorded intent → outcome."""

    def __init__(self, host: ActionHost) -> None:
        self._host = host
        # Set once the sources are built: the demo world or the cluster's API.
        self.actions: ClusterActions | None = None
        self._busy = False
        self._rollout: Worker[object] | None = None

    # ---- keys -----------------------------------------------------------------------

    def scale(self) -> None:
        self._start(self._scale_flow, "scale")

    def restart(self) -> None:
        self._start(self._restart_flow, "restart")

    def rollback(self) -> None:
        self._start(self._rollback_flow, "roll back")

    def _start(
        self, flow: Callable[[ClusterActions, Workload], Awaitable[None]], verb: str = "act on"
    ) -> None:
        app = self._host

        async def pick_and_run(actions: ClusterActions) -> None:
            workloads = await actions.workloads()
            if not workloads:
                app.notify("No Deployment or StatefulSet found to act on.", severity="warning")
                return
            target = workloads[0]
            if len(workloads) > 1:
                # Never a default target when there is a choice: the user names it.
                picked = await app.push_screen_wait(WorkloadPicker(verb, workloads))
                if picked is None:
                    return
                target = picked
            await flow(actions, target)

        self.begin_action(pick_and_run, "action flow")

    def begin_action(self, body: Callable[[ClusterActions], Awaitable[None]], what: str) -> None:
        """Run one action's dialogue in a worker, never two at once, a failure told as a
        notice: what every way into an action (a key, a runbook step) shares."""
        app = self._host
        actions = self.actions
        if app.runtime.read_only or (actions is not None and actions.read_only):
            # Refused here, before any form, preview or confirmation: a dialog that asks for
            # a count or a name only to refuse afterwards wastes the on-call's time, and a
            # refused attempt is not an action for the record. The adapter's guard stays.
            app.notify(action_steps.READ_ONLY_NOTICE, severity="warning")
            return
        if actions is None:
            app.notify(
                "No cluster actions here: the cluster is still connecting, or none is configured.",
                severity="warning",
            )
            return
        if self._busy:
            app.notify("An action is already in progress.", severity="warning")
            return

        async def run() -> None:
            self._busy = True
            try:
                await body(actions)
            except Exception as error:
                log.warning("%s failed: %s", what, error)
                app.notify(f"action failed: {error}", severity="error", timeout=15)
            finally:
                self._busy = False

        app.run_dialogue(run, "actions", what)

    # ---- flows ------------------------------------------------------------------------

    def _request(self, verb: Verb, workload: Workload, **extra: Any) -> ActionRequest:
        app = self._host
        return ActionRequest(
            verb,
            workload.kind,
            workload.name,
            workload.namespace,
            context=app.runtime.context,
            **extra,
        )

    async def _scale_flow(self, actions: ClusterActions, workload: Workload) -> None:
        app = self._host
        replicas = await app.push_screen_wait(ScaleForm(workload))
        if replicas is None:
            return
        # The count the user saw is a precondition, like `kubectl scale --current-replicas`:
        # if someone else scaled meanwhile, this one is refused instead of silently winning.
        request = self._request(
            Verb.SCALE, workload, replicas=replicas, current_replicas=workload.replicas
        )
        await self.confirm_and_apply(actions, request)

    async def _restart_flow(self, actions: ClusterActions, workload: Workload) -> None:
        await self.confirm_and_apply(actions, self._request(Verb.RESTART, workload))

    async def _rollback_flow(self, actions: ClusterActions, workload: Workload) -> None:
        app = self._host
        request = with_configured_command(
            app.runtime.config, self._request(Verb.ROLLBACK, workload)
        )
        if request.command:
            await self.confirm_and_apply(actions, request)
            return
        revisions = await actions.history(workload.kind, workload.name)
        if not revisions:
            app.notify(
                f"No rollout history to pick from for {workload.kind}/{workload.name} here; "
                "configure [[actions.rollback_commands]] (e.g. helm rollback) to roll back.",
                severity="warning",
                timeout=15,
            )
            return
        revision = await app.push_screen_wait(HistoryScreen(workload, revisions))
        if revision is None:
            return
        await self.confirm_and_apply(
            actions, self._request(Verb.ROLLBACK, workload, to_revision=revision)
        )

    async def confirm_and_apply(
        self,
        actions: ClusterActions,
        request: ActionRequest,
        preview: ActionPreview | None = None,
    ) -> None:
        app = self._host
        if preview is None:
            preview = await action_steps.preview(actions, request)
        if preview.ok and not preview.changes and preview.message:
            # Already as asked ("skipped rollback …"): nothing to confirm or send.
            app.notify(f"{request.kind}/{request.name}: {preview.message}", timeout=10)
            return
        context = await action_steps.target_context(actions, app.runtime.context)
        if context and not request.context and not request.command:
            # The command shown is the one recorded: it names the cluster it goes to.
            request = replace(request, context=context)
            preview = replace(preview, request=request)
        confirmed = await app.push_screen_wait(
            ConfirmAction(preview, context=context, production=app.runtime.production_for(context))
        )
        if not confirmed:
            return
        result = await self.perform_action(actions, request, preview.changes)
        severity: SeverityLevel = "information" if result.ok else "error"
        app.notify(result.message, severity=severity, timeout=10)
        if result.ok and not request.command:
            self._track_rollout(actions, request)

    async def perform_action(
        self,
        actions: ClusterActions,
        request: ActionRequest,
        changes: tuple[tuple[str, str, str], ...] = (),
    ) -> ActionResult:
        """Intent → apply → outcome (`action_steps.perform`), told to the user as notices."""
        app = self._host
        recorder = app.recorder
        if recorder is None or recorder.incident is None:
            app.notify("Not recorded: no incident declared (D declares one).", severity="warning")
        performed = await action_steps.perform(
            actions, request, changes, recorder=recorder, config=app.runtime.config
        )
        for warning in performed.warnings:
            app.notify(warning, severity="warning")
        app.post_message(TimelineChanged())
        return performed.result

    # ---- rollout progress ---------------------------------------------------------------

    def _track_rollout(self, actions: ClusterActions, request: ActionRequest) -> None:
        app = self._host

        async def follow() -> None:
            last = None
            try:
                async for status in action_steps.follow_rollout(actions, request):
                    app.show_rollout(status.message, status.done, status.failed)
                    last = status
                if last is not None and last.done:
                    recorder = app.recorder
                    if recorder is not None:
                        # A write, not part of the watch: quitting waits for it.
                        app.write_in_background(
                            action_steps.record_rollout(recorder, request, last), "the rollout"
                        )
                    await asyncio.sleep(ROLLOUT_SHOWN)
                elif last is not None:
                    app.show_rollout(f"{last.message} (stopped watching)", True)
            finally:
                app.show_rollout(None, True)

        # Exclusive: a newer action's rollout replaces the one still being watched.
        app.run_follow(follow, ROLLOUT, f"{request.kind}/{request.name}", exclusive=True)
