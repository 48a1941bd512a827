"""`cockpit scale`, `cockpit restart`, `cockpit rollback`: the dashboard's actions for scripts
and other terminals, with kubectl's words and the dashboard's guard and record.

This module is the command line's surface (targets, options, settings); running the steps at a
terminal is `cockpit.cli.console`, loaded only when an action runs so that every other `cockpit`
command starts as fast as before.

Exit status (`cockpit.cli.exits`): 0 done, 1 refused or failed (nothing or not everything
happened), 2 usage or config error. Every failure is one line on stderr; no tracebacks.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any, TypeVar

import click

from cockpit.cli.exits import EXIT_FAILED, EXIT_USAGE, config_failure, fail
from cockpit.cli.invocation import Invocation
from cockpit.config.schema import (
    ENV_CONFIG,
    Config,
    ConfigError,
    load_config,
    resolve_config_path,
)
from cockpit.core import names
from cockpit.core.mitigation import ActionRequest, Verb

ENV_ACTOR = "COCKPIT_ACTOR"
EPILOG = (
    "Previewed by a server-side dry run, then asked (a production context wants the name "
    "typed); intent and outcome are recorded in the open incident. Exit status: 0 done, "
    "1 refused or failed, 2 usage or config error."
)

F = TypeVar("F", bound=Callable[..., Any])


def _target(_ctx: click.Context, _param: click.Parameter, value: str) -> tuple[str, str]:
    """`deploy/web`, `deployments/web`, `deployment.apps/web` → ("deployment", "web"), with
    the name checked as the API server would check it (`cockpit.core.names`)."""
    try:
        return names.workload_ref(value)
    except names.InvalidName as error:
        raise click.BadParameter(str(error)) from None


def action_options(func: F) -> F:
    """The options every action command takes; also accepted before the subcommand
    (`cockpit --context prod -n shop scale …`), where the subcommand's own win."""
    options = [
        click.option(
            "--config",
            "config_path",
            metavar="FILE",
            help=f"Config file (TOML). Default: ${ENV_CONFIG}, then the user config dir; "
            "none is needed.",
        ),
        click.option(
            "--context", default=None, metavar="NAME", help="kubeconfig context (like kubectl)."
        ),
        click.option(
            "-n",
            "--namespace",
            default=None,
            metavar="NS",
            help="Namespace. Default: the config's pods panel, [cockpit] namespace, then the "
            "kubeconfig context's (like kubectl).",
        ),
        click.option(
            "--dry-run",
            is_flag=True,
            default=None,
            help="Server-side dry run only: print the preview, change nothing, record nothing.",
        ),
        click.option(
            "-y",
            "--yes",
            is_flag=True,
            default=None,
            help="Apply without asking (scripts). Without it a prompt asks, and with no "
            "terminal to ask on nothing is sent.",
        ),
        click.option(
            "--wait",
            is_flag=True,
            default=None,
            help="Then follow the rollout like `kubectl rollout status` (up to 10 min); "
            "exit 1 if it fails or does not finish.",
        ),
        click.option(
            "--read-only",
            is_flag=True,
            default=None,
            help="Refuse before anything leaves the process (exit 1).",
        ),
        click.option(
            "--db",
            "db_path",
            metavar="PATH",
            envvar="COCKPIT_DB",
            default=None,
            help="Timeline file where intent and outcome are recorded (the open incident's).",
        ),
        click.option(
            "--actor",
            metavar="WHO",
            envvar=ENV_ACTOR,
            default=None,
            help=f"Who acts, for the record. Default: ${ENV_ACTOR}, [timeline] actor, $USER@host.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _config(explicit: str | None) -> tuple[Config, Path | None]:
    """An action needs no config (a kubeconfig is enough), but a named one must be valid."""
    path = resolve_config_path(explicit)
    if explicit is None and not os.environ.get(ENV_CONFIG) and not path.exists():
        return Config(), None
    try:
        return load_config(path), path
    except ConfigError as error:
        config_failure(error)


def _invocation(ctx: click.Context, local: dict[str, Any]) -> Invocation:
    group = dict(ctx.parent.obj or {}) if ctx.parent is not None else {}
    if group.get("demo"):
        fail(
            "the demo's cluster lives inside the running dashboard; "
            "act on it there (cockpit --demo), or give a real cluster here",
            EXIT_USAGE,
        )
    opts = {**group, **{k: v for k, v in local.items() if v is not None}}
    _check_names(opts)
    config, path = _config(opts.get("config_path"))
    from cockpit.runtime.wiring import Runtime

    runtime = Runtime.build(
        config,
        config_path=path,
        read_only=opts.get("read_only") or None,
        context=opts.get("context"),
        namespace=opts.get("namespace"),
        db=opts.get("db_path"),
    )
    return Invocation(
        runtime,
        namespace=opts.get("namespace") or "",
        dry_run=bool(opts.get("dry_run")),
        yes=bool(opts.get("yes")),
        wait=bool(opts.get("wait")),
        actor=opts.get("actor") or config.timeline.actor,
    )


def _check_names(opts: dict[str, Any]) -> None:
    """-n and --context as the API server and kubeconfig would take them, before anything
    is read or sent; the message names the option and the rule."""
    checks = (
        ("-n/--namespace", "namespace", names.namespace),
        ("--context", "context", names.context_name),
    )
    for flag, key, check in checks:
        value = opts.get(key)
        if value is None:
            continue
        try:
            check(value)
        except names.InvalidName as error:
            fail(f"{flag}: {error}", EXIT_USAGE)


# ---- the commands -----------------------------------------------------------------------------


@click.command("scale", epilog=EPILOG)
@click.argument("target", metavar="KIND/NAME", callback=_target)
@click.argument("replicas", type=click.IntRange(min=0))
@click.option(
    "--current-replicas",
    type=click.IntRange(min=0),
    default=None,
    metavar="N",
    help="Only if the count is N now (like kubectl): refused if someone scaled meanwhile.",
)
@action_options
@click.pass_context
def scale(
    ctx: click.Context,
    target: tuple[str, str],
    replicas: int,
    current_replicas: int | None,
    **opts: Any,
) -> None:
    """Scale KIND/NAME to REPLICAS, like `kubectl scale --replicas`."""
    inv = _invocation(ctx, opts)
    _act(
        inv,
        _request(inv, Verb.SCALE, target, replicas=replicas, current_replicas=current_replicas),
    )


@click.command("restart", epilog=EPILOG)
@click.argument("target", metavar="KIND/NAME", callback=_target)
@action_options
@click.pass_context
def restart(ctx: click.Context, target: tuple[str, str], **opts: Any) -> None:
    """Restart KIND/NAME's pods, like `kubectl rollout restart`."""
    inv = _invocation(ctx, opts)
    _act(inv, _request(inv, Verb.RESTART, target))


@click.command("rollback", epilog=EPILOG)
@click.argument("target", metavar="KIND/NAME", callback=_target)
@click.option(
    "--to-revision",
    type=click.IntRange(min=0),
    default=0,
    metavar="N",
    help="Revision to go back to (like kubectl rollout undo); default: the previous one.",
)
@action_options
@click.pass_context
def rollback(ctx: click.Context, target: tuple[str, str], to_revision: int, **opts: Any) -> None:
    """Roll KIND/NAME back, like `kubectl rollout undo`, or with its configured command
    ([[actions.rollback_commands]], e.g. helm rollback)."""
    from cockpit.actions.steps import with_configured_command

    inv = _invocation(ctx, opts)
    request = with_configured_command(
        inv.runtime.config, _request(inv, Verb.ROLLBACK, target, to_revision=to_revision)
    )
    if request.command and to_revision:
        fail(
            f"--to-revision does not apply: {request.kind}/{request.name} rolls back with "
            f"`{shlex.join(request.command)}` (configured in [[actions.rollback_commands]])",
            EXIT_USAGE,
        )
    _act(inv, request)


def register(main: click.Group) -> None:
    """Add the action commands to the `cockpit` group."""
    for command in (scale, restart, rollback):
        main.add_command(command)


# ---- the steps ----------------------------------------------------------------------------------


def _request(inv: Invocation, verb: Verb, target: tuple[str, str], **extra: Any) -> ActionRequest:
    kind, name = target
    # The namespace is settled with the adapter (`wiring.build_cluster_actions`).
    return ActionRequest(verb, kind, name, "", context=inv.runtime.context, **extra)


def _act(inv: Invocation, request: ActionRequest) -> None:
    from cockpit.runtime.logs import setup_logging
    from cockpit.runtime.wiring import build_cluster_actions
    from cockpit.sources.kube.pods import KubeError

    setup_logging(debug=inv.runtime.debug)
    actions = build_cluster_actions(inv.runtime, inv.namespace)
    try:
        # The kubeconfig, the context and the namespace it settles on, checked before the
        # preview: a broken file or a refused name is one line and nothing is sent.
        actions.pods.check_config()
    except KubeError as error:
        fail(error.message, EXIT_USAGE)
    request = replace(request, namespace=actions.pods.namespace)
    from cockpit.cli.console import run_steps

    try:
        code = asyncio.run(run_steps(inv, actions, request))
    except KeyboardInterrupt:
        code = EXIT_FAILED
        click.echo("\ninterrupted", err=True)
    sys.exit(code)
