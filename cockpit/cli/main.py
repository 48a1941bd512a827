"""The `cockpit` command line."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from cockpit import __version__
from cockpit.cli.actions import register as register_action_commands
from cockpit.cli.exits import EXIT_FAILED, EXIT_OK, config_failure
from cockpit.cli.runbook import register as register_runbook_commands
from cockpit.cli.serve import register as register_serve_command
from cockpit.cli.timeline import register as register_timeline_commands
from cockpit.config.schema import (
    ENV_CONFIG,
    THEME_NAMES,
    Config,
    ConfigError,
    example_config_text,
    load_config,
    resolve_config_path,
)

F = TypeVar("F", bound=Callable[..., Any])


def _refresh(_ctx: click.Context, _param: click.Parameter, value: float | None) -> float | None:
    if value is not None and value < 0.5:
        raise click.BadParameter("must be at least 0.5 seconds (a floor that keeps SSH usable)")
    return value


def run_options(func: F) -> F:
    """Options shared by the dashboard and `snapshot`, so both read the same config the same way."""
    options = [
        click.option(
            "--config",
            "config_path",
            metavar="FILE",
            help=f"Config file (TOML). Default: ${ENV_CONFIG}, then the user config dir.",
        ),
        click.option(
            "--demo",
            is_flag=True,
            default=None,
            help="Run a simulated incident; needs no cluster, Prometheus or network.",
        ),
        click.option(
            "--read-only",
            is_flag=True,
            default=None,
            help="Refuse every action at the key, before any dialog, and every mutating "
            "request before it leaves the process.",
        ),
        click.option(
            "--theme",
            type=click.Choice(THEME_NAMES),
            default=None,
            help="Colour theme (default from config: cockpit-dark).",
        ),
        click.option(
            "--refresh",
            type=float,
            default=None,
            metavar="SECONDS",
            callback=_refresh,
            help="Poll every panel this often, overriding the config.",
        ),
        click.option(
            "--context",
            default=None,
            metavar="NAME",
            help="kubeconfig context to use (like kubectl --context).",
        ),
        click.option(
            "-n",
            "--namespace",
            default=None,
            metavar="NS",
            help="Namespace for pods and actions (like kubectl -n).",
        ),
        click.option(
            "--debug",
            is_flag=True,
            default=None,
            help="Write debug-level diagnostics to the log file.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _merge(ctx: click.Context, local: dict[str, Any]) -> dict[str, Any]:
    """Options given on the group (`cockpit --demo snapshot`) or the subcommand both count."""
    merged = dict(ctx.obj or {})
    merged.update({k: v for k, v in local.items() if v is not None})
    return merged


def _runtime(opts: dict[str, Any]) -> Any:
    from cockpit.runtime.wiring import Runtime

    flags = {
        "read_only": opts.get("read_only"),
        "theme": opts.get("theme"),
        "refresh": opts.get("refresh"),
        "context": opts.get("context"),
        "namespace": opts.get("namespace"),
        "debug": bool(opts.get("debug")),
        "db": opts.get("db_path"),
    }
    if opts.get("demo"):
        return Runtime.for_demo(**flags)
    path = resolve_config_path(opts.get("config_path"))
    try:
        config = load_config(path)
    except ConfigError as error:
        config_failure(error)
    return Runtime.build(config, config_path=path, **flags)


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@run_options
@click.option(
    "--db",
    "db_path",
    metavar="PATH",
    envvar="COCKPIT_DB",
    default=None,
    help="Timeline file. Default: $COCKPIT_DB, [timeline].db, then the user data dir.",
)
@click.version_option(__version__, "--version", prog_name="cockpit")
@click.pass_context
def main(ctx: click.Context, **opts: Any) -> None:
    """A terminal cockpit for the person holding the pager.

    One screen answers "what is broken, since when, and did my fix work?": pods, latency,
    error rate, queue depth and backup freshness, each with its threshold, status and age.

    \b
    Quick start:
      cockpit --demo                 a simulated incident, no network needed
      cockpit config example > c.toml && cockpit --config c.toml
      cockpit snapshot --json        every panel once, for a status update or a script
      cockpit doctor                 check every source once (exit 0 only if all pass)
      cockpit notes                  the incident timeline alone, offline
      cockpit serve --demo           to a browser: read-only, with an access token
      cockpit runbook show FILE      a runbook's sections, steps and commands
      cockpit runbook import FILE    propose config from a runbook, to review
      cockpit scale deploy/web 5     the keys' actions for scripts (also restart, rollback):
                                     dry run, prompt or --yes, recorded in the open incident

    \b
    Keys: ? every key · n note · s/R/U scale/restart/rollback · t timeline ·
    b runbook · u status update · D declare · p pause · r refresh · z presenter ·
    enter details/chart/alerts · / filter pods · S sort pods · m phase ·
    tab next panel · q quit
    """
    ctx.obj = {k: v for k, v in opts.items() if v is not None}
    if ctx.invoked_subcommand is not None:
        return
    runtime = _runtime(ctx.obj)
    from cockpit.runtime.logs import setup_logging

    log_path = setup_logging(debug=runtime.debug)
    from cockpit.app.cockpit_app import CockpitApp

    app = CockpitApp(runtime)
    app.run()
    if app.return_code:
        click.echo(f"Diagnostics: {log_path}", err=True)
        sys.exit(app.return_code)


@main.group()
def config() -> None:
    """Check or print configuration."""


@config.command("check")
@click.argument("file", required=False)
@click.pass_context
def config_check(ctx: click.Context, file: str | None) -> None:
    """Validate FILE (default: the config `cockpit` would load) and summarise it."""
    path = resolve_config_path(file or (ctx.obj or {}).get("config_path"))
    try:
        cfg = load_config(path)
    except ConfigError as error:
        config_failure(error)
    from cockpit.core.safe_text import terminal_safe

    click.echo(f"{terminal_safe(str(path))}: OK")
    click.echo(_summary(cfg))


def _summary(cfg: Config) -> str:
    from cockpit.config.schema import panel_specs
    from cockpit.core.units import format_threshold

    lines = []
    specs = panel_specs(cfg)
    width = max((len(spec.title) for spec in specs), default=0) + 1
    for spec in specs:
        slos = ", ".join(
            f"{m.label} {format_threshold(m.unit, m.threshold.crit, m.threshold.warn)}"
            for m in spec.measures
        )
        lines.append(
            f"  {spec.title:<{width}} source={spec.source:<10} every {spec.interval:g}s  "
            f"timeout {spec.timeout:g}s  {slos}"
        )
    if not lines:
        lines.append(
            "  no panels configured: add [panels.<name>] tables (see cockpit config example)"
        )
    return "\n".join(lines)


@config.command("example")
def config_example() -> None:
    """Print a commented example config that `cockpit config check` accepts."""
    click.echo(example_config_text(), nl=False)


@main.command()
@run_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def snapshot(ctx: click.Context, as_json: bool, **opts: Any) -> None:
    """Read every configured source once, print each panel's value, SLO, status and age."""
    merged = _merge(ctx.parent, opts) if ctx.parent else opts
    runtime = _runtime(merged)
    from cockpit.runtime.logs import setup_logging
    from cockpit.runtime.snapshot import render_json, render_table, take_snapshot

    setup_logging(debug=runtime.debug)
    views = asyncio.run(take_snapshot(runtime))
    click.echo(render_json(views, runtime) if as_json else render_table(views))


@main.command()
@click.option("--db", "db_path", metavar="PATH", envvar="COCKPIT_DB", help="Timeline file.")
@click.option("--incident", "incident_id", default="", metavar="ID", help="Open this incident.")
@click.option("--actor", default="", envvar="COCKPIT_ACTOR", help="Default: $USER@host.")
@click.option("--theme", type=click.Choice(THEME_NAMES), default=None, help="Colour theme.")
@click.pass_context
def notes(
    ctx: click.Context, db_path: str | None, incident_id: str, actor: str, theme: str | None
) -> None:
    """The incident timeline alone: notes, status updates, search. No config, cluster or
    network needed (the newest open incident is opened unless --incident says otherwise)."""
    from pathlib import Path

    from cockpit.app.notes import NotesApp
    from cockpit.runtime.logs import setup_logging

    group = ctx.obj or {}
    path = db_path or group.get("db_path")
    setup_logging(debug=bool(group.get("debug")))
    app = NotesApp(
        Path(path).expanduser() if path else None,
        incident=incident_id,
        actor=actor,
        theme=theme or group.get("theme") or "cockpit-dark",
    )
    app.run()
    sys.exit(app.return_code or EXIT_OK)


@main.command()
@run_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def doctor(ctx: click.Context, as_json: bool, **opts: Any) -> None:
    """Check every configured source and the timeline once; exit 0 only if all pass."""
    merged = _merge(ctx.parent, opts) if ctx.parent else opts
    runtime = _runtime(merged)
    from cockpit.runtime.doctor import render_json, render_table, run_checks
    from cockpit.runtime.logs import setup_logging

    setup_logging(debug=runtime.debug)
    checks = asyncio.run(run_checks(runtime))
    click.echo(render_json(checks) if as_json else render_table(checks))
    sys.exit(EXIT_OK if all(c.ok for c in checks) else EXIT_FAILED)


# Timeline commands need no config, cluster or network: only the timeline file.
register_timeline_commands(main)
register_serve_command(main)
# Runbooks need no config either: a file to read.
register_runbook_commands(main)
# Actions need a kubeconfig, not a config: the same steps, guard and record as the keys.
register_action_commands(main)


if __name__ == "__main__":
    main()
