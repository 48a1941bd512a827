"""The action flow in the cockpit: pick → preview (dry run) → confirm → intent → apply → outcome
→ rollout progress. Every step that changes anything is recorded in the timeline, intent before
the request and outcome after it, so the record shows an action even if the cockpit dies midway.

A mixin for `CockpitApp`; the cluster side is a `ClusterActions` (the demo world or a real API
server), which also holds the read-only guard.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from textual.binding import Binding

from cockpit.actions import steps as action_steps
from cockpit.actions.steps import with_configured_command
from cockpit.core.mitigation import (
    ActionPreview,
    ActionRequest,
    ActionResult,
    ClusterActions,
    Verb,
    Workload,
)
from cockpit.screens.actions import ConfirmAction, HistoryScreen, ScaleForm, WorkloadPicker

log = logging.getLogger(__name__)

ACTION_BINDINGS = [
    Binding("s", "scale", "Scale", id="action.scale"),
    Binding("R", "restart", "Restart", id="action.restart"),
    Binding("U", "rollback", "Rollback", id="action.rollback"),
]


class ActionControls:
    """Needs from the host app: `actions` (ClusterActions | None), `recorder`, `runtime`,
    `notify`, `push_screen`, `dashboard.show_rollout`, `write_in_background`."""

    actions: ClusterActions | None = None
    _action_busy: bool = False
    _rollout_task: asyncio.Task[None] | None = None

    # ---- keys -----------------------------------------------------------------------

    def action_scale(self) -> None:
        self._start(self._scale_flow, "scale")

    def action_restart(self) -> None:
        self._start(self._restart_flow, "restart")

    def action_rollback(self) -> None:
        self._start(self._rollback_flow, "roll back")

    def _start(
        self, flow: Callable[[ClusterActions, Workload], Awaitable[None]], verb: str = "act on"
    ) -> None:
        app: Any = self

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
        app: Any = self
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
        if self._action_busy:
            app.notify("An action is already in progress.", severity="warning")
            return

        async def run() -> None:
            self._action_busy = True
            try:
                await body(actions)
            except Exception as error:
                log.warning("%s failed: %s", what, error)
                app.notify(f"action failed: {error}", severity="error", timeout=15)
            finally:
                self._action_busy = False

        app.run_worker(run(), group="actions", exclusive=True)

    # ---- flows ------------------------------------------------------------------------

    def _request(self, verb: Verb, workload: Workload, **extra: Any) -> ActionRequest:
        app: Any = self
        return ActionRequest(
            verb,
            workload.kind,
            workload.name,
            workload.namespace,
            context=app.runtime.context,
            **extra,
        )

    async def _scale_flow(self, actions: ClusterActions, workload: Workload) -> None:
        app: Any = self
        replicas = await app.push_screen_wait(ScaleForm(workload))
        if replicas is None:
            return
        # The count the user saw is a precondition, like `kubectl scale --current-replicas`:
        # if someone else scaled meanwhile, this one is refused instead of silently winning.
        request = self._request(
            Verb.SCALE, workload, replicas=replicas, current_replicas=workload.replicas
        )
        await self._confirm_and_apply(actions, request)

    async def _restart_flow(self, actions: ClusterActions, workload: Workload) -> None:
        await self._confirm_and_apply(actions, self._request(Verb.RESTART, workload))

    async def _rollback_flow(self, actions: ClusterActions, workload: Workload) -> None:
        app: Any = self
        request = with_configured_command(
            app.runtime.config, self._request(Verb.ROLLBACK, workload)
        )
        if request.command:
            await self._confirm_and_apply(actions, request)
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
        await self._confirm_and_apply(
            actions, self._request(Verb.ROLLBACK, workload, to_revision=revision)
        )

    async def _confirm_and_apply(
        self,
        actions: ClusterActions,
        request: ActionRequest,
        preview: ActionPreview | None = None,
    ) -> None:
        app: Any = self
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
        severity = "information" if result.ok else "error"
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
        app: Any = self
        recorder = app.recorder
        if recorder is None or recorder.incident is None:
            app.notify("Not recorded: no incident declared (D declares one).", severity="warning")
        performed = await action_steps.perform(
            actions, request, changes, recorder=recorder, config=app.runtime.config
        )
        for warning in performed.warnings:
            app.notify(warning, severity="warning")
        app.timeline_changed()
        return performed.result

    # ---- rollout progress ---------------------------------------------------------------

    def _track_rollout(self, actions: ClusterActions, request: ActionRequest) -> None:
        app: Any = self
        if self._rollout_task is not None and not self._rollout_task.done():
            self._rollout_task.cancel()

        async def follow() -> None:
            last = None
            try:
                async for status in action_steps.follow_rollout(actions, request):
                    app.dashboard.show_rollout(status.message, status.done, status.failed)
                    last = status
                if last is not None and last.done:
                    if app.recorder is not None:
                        await action_steps.record_rollout(app.recorder, request, last)
                        app.timeline_changed()
                    await asyncio.sleep(5)
                elif last is not None:
                    app.dashboard.show_rollout(f"{last.message} (stopped watching)", True)
            finally:
                app.dashboard.show_rollout(None, True)

        self._rollout_task = asyncio.create_task(follow())
