"""The action steps at a terminal, for `cockpit scale` / `restart` / `rollback`: the preview
printed, a prompt (or `--yes`), then the dashboard's own steps (`cockpit.actions.steps`: intent
recorded, apply, outcome recorded) and, with `--wait`, the rollout followed.

Without a terminal to ask on and without `--yes`, nothing is sent: a script must never hang on
a prompt nobody sees, nor act without having said so.
"""

from __future__ import annotations

import shlex
import shutil
import sys
from typing import Any

import click

from cockpit.actions import steps as action_steps
from cockpit.cli.exits import EXIT_FAILED, EXIT_OK, error_line
from cockpit.cli.invocation import Invocation
from cockpit.core.changes import diff_text
from cockpit.core.mitigation import ActionPreview, ActionRequest, Verb
from cockpit.core.safe_text import terminal_safe
from cockpit.incident.recorder import Recorder
from cockpit.incident.store import TimelineError

PAST = {Verb.SCALE: "scaled", Verb.RESTART: "restarted", Verb.ROLLBACK: "rolled back"}


async def run_steps(inv: Invocation, actions: Any, request: ActionRequest) -> int:
    try:
        if actions.read_only:
            # Refused before the preview, the prompt and the record: no request leaves, not
            # even a read, and a refused attempt is not an action in the incident's record.
            if inv.dry_run:
                error_line("read-only mode: no dry run was sent")
            else:
                error_line(action_steps.read_only_refusal(request))
            return EXIT_FAILED
        # Production is judged by the context the requests really go to, named or current.
        context = await action_steps.target_context(actions, inv.runtime.context)
        production = inv.runtime.production_for(context)
        # The preview's kubectl command names the context too, so it replays where it went.
        request = await action_steps.with_context(actions, request)
        try:
            preview = await action_steps.preview(actions, request)
        except Exception as error:  # an adapter bug must still be one line, not a traceback
            preview = ActionPreview(
                request, (), ok=False, message=f"{type(error).__name__}: {error}"
            )
        out = click.echo if inv.dry_run else _to_stderr
        out(render_preview(preview, context, production))
        if not preview.ok:
            error_line(preview.message or "refused by the dry run")
            return EXIT_FAILED
        if not preview.changes:
            # Already as asked (kubectl: "skipped rollback …"): nothing to send, not a failure.
            ref = f"{request.kind}.apps/{request.name}"
            words = preview.message or "unchanged"
            click.echo(words if words.startswith(ref) else f"{ref} {words}")
            return EXIT_OK
        if inv.dry_run:
            click.echo(_dry_run_words(request))
            return EXIT_OK
        if not inv.yes and not _confirmed(request, context, production):
            return EXIT_FAILED
        return await _perform(inv, actions, request, preview)
    finally:
        await actions.pods.aclose()


async def _perform(
    inv: Invocation, actions: Any, request: ActionRequest, preview: ActionPreview
) -> int:
    recorder = await _open_record(inv)
    try:
        performed = await action_steps.perform(
            actions, request, preview.changes, recorder=recorder, config=inv.runtime.config
        )
        for warning in performed.warnings:
            click.echo(f"warning: {warning}", err=True)
        result = performed.result
        if not result.ok:
            error_line(result.message)
            return EXIT_FAILED
        click.echo(result.message)
        if inv.wait and not request.command:
            return await _wait(actions, request, recorder)
        return EXIT_OK
    finally:
        if recorder is not None:
            await recorder.close()


async def _wait(actions: Any, request: ActionRequest, recorder: Recorder | None) -> int:
    """`kubectl rollout status` after the change, and its end in the record as from the keys."""
    last = None
    async for status in action_steps.follow_rollout(actions, request):
        if not status.failed:
            click.echo(status.message)
        last = status
    if last is None:
        error_line(f"{request.kind}/{request.name} is gone: no rollout to wait for")
        return EXIT_FAILED
    if not last.done:
        limit = action_steps.ROLLOUT_LIMIT
        error_line(f"stopped waiting after {limit / 60:g} min: {last.message}")
        return EXIT_FAILED
    if recorder is not None and recorder.incident is not None:
        try:
            await action_steps.record_rollout(recorder, request, last)
        except Exception as error:
            click.echo(f"warning: rollout not recorded: {error}", err=True)
    if last.failed:
        error_line(last.message)
        return EXIT_FAILED
    return EXIT_OK


async def _open_record(inv: Invocation) -> Recorder | None:
    """The open incident's timeline, as the dashboard would attach to it. A timeline that
    cannot be opened costs the record, never the mitigation."""
    settings = inv.runtime.config.timeline
    try:
        recorder = await Recorder.open(
            inv.runtime.timeline_path,
            actor=inv.actor,
            status_every=settings.status_every,
            clock=inv.runtime.clock,
        )
    except TimelineError as error:
        click.echo(f"warning: not recorded: timeline unavailable: {error}", err=True)
        return None
    recorder.source = "cli"
    if recorder.incident is None:
        click.echo(
            'warning: not recorded: no open incident (cockpit incident start "title" declares one)',
            err=True,
        )
    return recorder


def stdin_is_terminal() -> bool:
    try:
        return sys.stdin is not None and sys.stdin.isatty()
    except (AttributeError, ValueError):  # closed or replaced stdin
        return False


def _confirmed(request: ActionRequest, context: str, production: bool) -> bool:
    if not stdin_is_terminal():
        error_line(
            "not confirmed: no terminal to ask on; nothing was sent "
            "(pass --yes to apply without a prompt)"
        )
        return False
    if production:
        typed = click.prompt(
            f"PRODUCTION context {context}: type {request.name} to apply",
            default="",
            show_default=False,
            err=True,
        )
        if typed.strip() == request.name:
            return True
        error_line(f"not confirmed: {typed.strip()!r} is not {request.name!r}; nothing was sent")
        return False
    if click.confirm("Apply?", default=False, err=True):
        return True
    error_line("not confirmed; nothing was sent")
    return False


def render_preview(
    preview: ActionPreview, context: str, production: bool, width: int = 0
) -> str:
    """What the dashboard's confirmation shows, as lines; the changes in columns that fit
    `width` (default: the terminal's, else 80)."""
    r = preview.request
    described = r.describe()
    lines = [
        # Only the first letter: `capitalize()` would lower-case the rest (a command's words).
        described[:1].upper() + described[1:],
        f"  context    {context or '(current context)'}{'  PRODUCTION' if production else ''}",
        f"  namespace  {r.namespace}",
        f"  object     {r.kind}.apps/{r.name}",
        f"  same as    {shlex.join(r.argv())}",
    ]
    if preview.changes:
        safe = [tuple(terminal_safe(part) for part in change) for change in preview.changes]
        width = width or shutil.get_terminal_size((80, 24)).columns
        lines += diff_text([(f, c, n) for f, c, n in safe], width, indent="  ")
    lines += [f"  {note}" for note in preview.notes]
    if preview.message and preview.ok:
        lines.append(f"  {preview.message}")
    return "\n".join(lines)


def _dry_run_words(request: ActionRequest) -> str:
    if request.command:
        return f"`{shlex.join(request.command)}` not run (dry run)"
    return f"{request.kind}.apps/{request.name} {PAST[request.verb]} (server dry run)"


def _to_stderr(text: str) -> None:
    click.echo(text, err=True)
