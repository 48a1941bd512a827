"""The steps every action takes, wherever it was asked for (a key in the cockpit or a
`cockpit scale …` command line): the preview, then intent recorded → apply → outcome recorded.

One place, so the dashboard and the command line cannot drift apart in what they send, what the
read-only guard refuses, or what the timeline says. Asking and confirming differ (a modal versus
a prompt) and stay with each caller. No Textual here.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

from cockpit.config.schema import Config, RollbackCommand
from cockpit.core.mitigation import (
    ActionPreview,
    ActionRequest,
    ActionResult,
    ClusterActions,
    NamesContext,
    ReadOnlyError,
    RolloutStatus,
    Verb,
    rollout_status,
)
from cockpit.incident.recorder import Recorder

DEFAULT_COMMAND_LIMIT = 120.0
# What the cockpit says when an action key is pressed in read-only mode, before any dialog.
READ_ONLY_NOTICE = "read-only: actions are refused; nothing was sent or recorded"
ROLLOUT_POLL = 1.0
ROLLOUT_LIMIT = 600.0


@dataclass(frozen=True, slots=True)
class Performed:
    """What happened, and what the record could not keep (worth telling the user)."""

    result: ActionResult
    warnings: tuple[str, ...] = ()


def configured_rollback(config: Config, kind: str, name: str) -> RollbackCommand | None:
    """The `[[actions.rollback_commands]]` entry that replaces `rollout undo` for this workload."""
    target = f"{kind}/{name}"
    return next((c for c in config.actions.rollback_commands if c.workload == target), None)


def with_configured_command(config: Config, request: ActionRequest) -> ActionRequest:
    """A rollback of a workload that has a configured command runs that command instead."""
    if request.verb is not Verb.ROLLBACK or request.command:
        return request
    configured = configured_rollback(config, request.kind, request.name)
    if configured is None:
        return request
    return replace(request, command=tuple(configured.argv))


async def preview(actions: ClusterActions, request: ActionRequest) -> ActionPreview:
    """The server-side dry run, or for a configured command what would be run: a command has
    no dry run of its own, so it is shown and never started."""
    if request.command:
        return ActionPreview(
            request,
            (("command", "-", shlex.join(request.command)),),
            notes=("configured for this workload; run as an argv list, without a shell",),
        )
    return await actions.preview(request)


def read_only_refusal(request: ActionRequest) -> str:
    """The command line's one line for an action refused in read-only mode, before any
    request, prompt or record: what was asked, and how to allow it."""
    what = f"`{shlex.join(request.command)}`" if request.command else request.describe()
    return (
        f"read-only mode: {what} refused; nothing was sent or recorded "
        "(start without --read-only to allow actions)"
    )


async def target_context(actions: ClusterActions, named: str) -> str:
    """The context the requests go to: the one named, else a real cluster's current-context
    from the kubeconfig, so a production check never passes just because none was named."""
    if named:
        return named
    if not isinstance(actions, NamesContext):  # the demo, or an adapter that cannot tell
        return ""
    return await asyncio.to_thread(actions.context_name)


async def with_context(actions: ClusterActions, request: ActionRequest) -> ActionRequest:
    """The request naming the context it goes to (the kubeconfig's current one when none was
    named), so its kubectl command, shown or recorded, replays against the same cluster."""
    if request.context or request.command:
        return request
    context = await target_context(actions, "")
    return replace(request, context=context) if context else request


def intent_text(request: ActionRequest, changes: tuple[tuple[str, str, str], ...]) -> str:
    change_text = "; ".join(f"{w} {c} → {n}" for w, c, n in changes)
    return (
        f"Intent: {request.describe()}"
        + (f" ({change_text})" if change_text else "")
        + f" — {shlex.join(request.argv())}"
    )


async def perform(
    actions: ClusterActions,
    request: ActionRequest,
    changes: tuple[tuple[str, str, str], ...],
    *,
    recorder: Recorder | None,
    config: Config,
) -> Performed:
    """Intent → apply → outcome. Never raises: a refusal or an API error is a result. The
    intent is on disk before the request leaves, so a crash in between still shows the action."""
    request = await with_context(actions, request)
    warnings: list[str] = []
    data: dict[str, Any] = {
        "verb": request.verb.value,
        "object": f"{request.kind}/{request.name}",
        "namespace": request.namespace,
        "context": request.context,
        "argv": request.argv(),
    }
    intent = None
    if recorder is not None:
        try:
            intent = await recorder.record_action(
                "intent",
                intent_text(request, changes),
                {**data, "changes": [list(c) for c in changes]},
            )
        except Exception as error:  # mitigation must not wait on the notebook
            warnings.append(f"intent not recorded: {error}")
    result = await _apply(actions, request, config)
    if recorder is not None:
        word = "Done" if result.ok else "Failed"
        outcome: dict[str, Any] = {
            **data,
            "ok": result.ok,
            "before": dict(result.before),
            "after": dict(result.after),
            # The postmortem pairs each outcome with its intent by these two (postmortem.py).
            "result": f"{'succeeded' if result.ok else 'failed'}: {result.message}",
        }
        if intent is not None:
            outcome["intent"] = intent.uuid
        try:
            await recorder.record_action("outcome", f"{word}: {result.message}", outcome)
        except Exception as error:
            warnings.append(f"outcome not recorded: {error}")
    return Performed(result, tuple(warnings))


async def _apply(actions: ClusterActions, request: ActionRequest, config: Config) -> ActionResult:
    try:
        if request.command:
            from cockpit.actions.command import run_command

            configured = configured_rollback(config, request.kind, request.name)
            limit = configured.timeout if configured is not None else DEFAULT_COMMAND_LIMIT
            return await run_command(
                request, request.command, time_limit=limit, read_only=actions.read_only
            )
        return await actions.apply(request)
    except ReadOnlyError as error:
        return ActionResult(request, False, str(error))
    except Exception as error:
        return ActionResult(request, False, f"{type(error).__name__}: {error}")


async def follow_rollout(
    actions: ClusterActions,
    request: ActionRequest,
    *,
    poll: float = ROLLOUT_POLL,
    limit: float = ROLLOUT_LIMIT,
) -> AsyncIterator[RolloutStatus]:
    """`kubectl rollout status`: the workload's state each time it changes, until it is done
    (complete or failed), gone, or `limit` seconds have passed."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    last: RolloutStatus | None = None
    while loop.time() < deadline:
        workloads = await actions.workloads()
        workload = next(
            (w for w in workloads if w.kind == request.kind and w.name == request.name), None
        )
        if workload is None:
            return
        status = rollout_status(workload)
        if status != last:
            yield status
            last = status
        if status.done:
            return
        await asyncio.sleep(poll)


async def record_rollout(recorder: Recorder, request: ActionRequest, status: RolloutStatus) -> None:
    """How the rollout ended, after the outcome: did the fix land?"""
    await recorder.record_action(
        "rollout",
        f"Rollout {'failed' if status.failed else 'done'}: {status.message}",
        {"object": f"{request.kind}/{request.name}", "failed": status.failed},
    )
