"""Timeline commands for scripts and other terminals: `cockpit incident …`, `note`, `export`,
`import`. They need no config, cluster or network — only the timeline file.

`register(main)` adds them to the `cockpit` group. Every failure is one line on stderr and exit
status 1 (click's usage errors keep status 2); no tracebacks. Everything printed that came from
the timeline or a file (titles, roles, names, messages) passes `terminal_safe` first: an imported
title is text, never a terminal command. Rows the store could not read are skipped and counted
in one warning line on stderr. Read commands (`incident list`, `export`) also work on a
read-only file, directory or mount.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from cockpit.cli.exits import failure
from cockpit.core.records import Incident, IncidentStatus, Severity, default_actor
from cockpit.core.safe_text import terminal_safe
from cockpit.incident.export import (
    ExportFormatError,
    export_json,
    parse_export,
    read_export_file,
)
from cockpit.incident.postmortem import export_markdown, panel_values_from_events
from cockpit.incident.store import Timeline, TimelineError

ENV_DB = "COCKPIT_DB"
ENV_ACTOR = "COCKPIT_ACTOR"

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])


def db_option(func: F) -> F:
    return click.option(
        "--db",
        "db_path",
        metavar="PATH",
        envvar=ENV_DB,
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"Timeline file. Default: ${ENV_DB}, then the user data dir.",
    )(func)


def actor_option(func: F) -> F:
    return click.option(
        "--actor",
        metavar="WHO",
        envvar=ENV_ACTOR,
        default=None,
        help=f"Who records this. Default: ${ENV_ACTOR}, then $USER@host.",
    )(func)


def _severity(_ctx: click.Context, _param: click.Parameter, value: str) -> Severity:
    try:
        return Severity.parse(value)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


def _run(
    db_path: Path | None, work: Callable[[Timeline], Awaitable[T]], *, reading: bool = False
) -> T:
    """Open the store, run `work`, close; every expected failure becomes one clean line.
    `reading`: the command only reads, so a read-only timeline will do."""

    async def main() -> T:
        store = await Timeline.open(db_path, read_only_ok=reading)
        try:
            return await work(store)
        finally:
            summary = store.unreadable_summary()
            if summary:
                click.echo(f"warning: {terminal_safe(summary)}", err=True)
            await store.close()

    try:
        return asyncio.run(main())
    except (TimelineError, ExportFormatError, ValueError) as error:
        raise failure(str(error)) from None
    except OSError as error:
        raise failure(f"{error.filename or ''}: {error.strerror or error}") from None


async def _label(store: Timeline, incident: Incident) -> str:
    """`<short id> <title>` for output: the id as long as it must be to name one incident."""
    prefixes = await store.short_ids()
    return f"{prefixes.get(incident.id, incident.id)} {terminal_safe(incident.title)}"


@click.group("incident")
def incident_group() -> None:
    """Declare, list and move incidents on the local timeline."""


@incident_group.command("start")
@click.argument("title")
@click.option(
    "--sev",
    "severity",
    default="3",
    show_default=True,
    metavar="1-4",
    callback=_severity,
    help="Severity: 1 (worst) to 4, or SEV1-SEV4.",
)
@db_option
@actor_option
def incident_start(title: str, severity: Severity, db_path: Path | None, actor: str | None) -> None:
    """Declare an incident; prints its id (any unique prefix of it works later)."""

    async def work(store: Timeline) -> str:
        incident = await store.start_incident(
            title, severity, actor or default_actor(), source="cli"
        )
        return incident.id

    click.echo(_run(db_path, work))


@incident_group.command("list")
@click.option("--open", "only_open", is_flag=True, help="Only triage, active and mitigated.")
@db_option
def incident_list(only_open: bool, db_path: Path | None) -> None:
    """List incidents, newest first."""

    async def work(store: Timeline) -> tuple[list[Incident], dict[str, str]]:
        found = await (store.open_incidents() if only_open else store.list_incidents())
        return found, await store.short_ids()

    incidents, prefixes = _run(db_path, work, reading=True)
    if not incidents:
        click.echo("no incidents" + (" open" if only_open else ""), err=True)
        return
    # Two ids that share their first 8 characters are both shown longer, never cut alike.
    ids = [prefixes.get(i.id, i.id) for i in incidents]
    width = max(8, *(len(i) for i in ids))
    click.echo(f"{'ID':<{width}}  {'SEV':<4}  {'STATUS':<9}  {'STARTED (UTC)':<16}  TITLE")
    for short, i in zip(ids, incidents, strict=True):
        started = i.started_at.strftime("%Y-%m-%d %H:%M")
        title = terminal_safe(i.title)
        click.echo(
            f"{short:<{width}}  {i.severity.value:<4}  {i.status.value:<9}  {started}  {title}"
        )


@incident_group.command("status")
@click.argument("incident_id", metavar="ID")
@click.argument(
    "status", type=click.Choice([s.value for s in IncidentStatus], case_sensitive=False)
)
@db_option
@actor_option
def incident_status(incident_id: str, status: str, db_path: Path | None, actor: str | None) -> None:
    """Move incident ID to STATUS (mitigated and resolved stamp their times)."""

    async def work(store: Timeline) -> tuple[Incident, str]:
        incident = await store.set_status(
            incident_id, status, actor or default_actor(), source="cli"
        )
        return incident, await _label(store, incident)

    incident, label = _run(db_path, work)
    click.echo(f"{label}: {incident.status.value}")


@incident_group.command("role")
@click.argument("incident_id", metavar="ID")
@click.argument("role")
@click.argument("person", required=False, default="")
@db_option
@actor_option
def incident_role(
    incident_id: str, role: str, person: str, db_path: Path | None, actor: str | None
) -> None:
    """Give ROLE (e.g. "incident commander", scribe, comms) to PERSON; no PERSON unassigns."""

    async def work(store: Timeline) -> tuple[Incident, str]:
        incident = await store.assign_role(
            incident_id, role, person or None, actor or default_actor(), source="cli"
        )
        return incident, await _label(store, incident)

    incident, label = _run(db_path, work)
    roles = ", ".join(f"{r}: {p}" for r, p in sorted(incident.roles.items())) or "no roles"
    click.echo(f"{label}: {terminal_safe(roles)}")


@incident_group.command("severity")
@click.argument("incident_id", metavar="ID")
@click.argument("severity", callback=_severity)
@db_option
@actor_option
def incident_severity(
    incident_id: str, severity: Severity, db_path: Path | None, actor: str | None
) -> None:
    """Change the severity of incident ID (1-4 or SEV1-SEV4)."""

    async def work(store: Timeline) -> tuple[Incident, str]:
        incident = await store.set_severity(
            incident_id, severity, actor or default_actor(), source="cli"
        )
        return incident, await _label(store, incident)

    incident, label = _run(db_path, work)
    click.echo(f"{label}: {incident.severity.value}")


async def _pick_incident(store: Timeline, incident_id: str | None) -> Any:
    if incident_id:
        return await store.get_incident(incident_id)
    candidates = await store.open_incidents()
    if not candidates:
        raise TimelineError(
            'no open incident: start one with `cockpit incident start "title" --sev N` '
            "or pass --incident ID"
        )
    if len(candidates) > 1:
        prefixes = await store.short_ids()
        names = ", ".join(f"{prefixes.get(i.id, i.id)} ({i.title})" for i in candidates[:5])
        raise TimelineError(f"{len(candidates)} incidents are open: {names}; pass --incident ID")
    return candidates[0]


@click.command("note")
@click.argument("text", nargs=-1, required=True)
@click.option("--incident", "incident_id", metavar="ID", help="Default: the one open incident.")
@db_option
@actor_option
def note(
    text: tuple[str, ...], incident_id: str | None, db_path: Path | None, actor: str | None
) -> None:
    """Add a note to the timeline; TEXT `-` reads it from stdin. Saved to disk before exit."""
    body = sys.stdin.read() if text == ("-",) else " ".join(text)

    async def work(store: Timeline) -> tuple[Any, str]:
        incident = await _pick_incident(store, incident_id)
        event = await store.add_note(incident.id, body, actor or default_actor(), source="cli")
        short, title = (await _label(store, incident)).split(" ", 1)
        return event, f"{short} ({title})"

    event, label = _run(db_path, work)
    click.echo(f"noted in {label} at {event.occurred_at:%H:%M:%S}Z")


@click.command("export")
@click.argument("incident_id", metavar="INCIDENT")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["md", "json"]),
    default="md",
    show_default=True,
    help="md: a postmortem draft; json: the full record for `cockpit import`.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to FILE instead of stdout.",
)
@db_option
def export(incident_id: str, fmt: str, output: Path | None, db_path: Path | None) -> None:
    """Export INCIDENT (id or unique prefix) as Markdown or JSON; times in UTC."""

    async def work(store: Timeline) -> str:
        incident = await store.get_incident(incident_id)
        if fmt == "json":
            history = await store.events(incident.id, include_superseded=True)
            return export_json(incident, history, origin=await store.timeline_id())
        events = await store.events(incident.id)
        return export_markdown(incident, events, panel_values_from_events(events))

    text = _run(db_path, work, reading=True)
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as error:
        raise failure(f"cannot write {output}: {error.strerror}") from None
    click.echo(terminal_safe(f"wrote {output}"), err=True)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@db_option
def import_(file: Path, db_path: Path | None) -> None:
    """Merge an exported incident (JSON) into the timeline; events already present are skipped.

    The file is checked in full before the timeline is opened, and imported in one transaction:
    on any error nothing is written. An import never edits or deletes events recorded here."""
    try:
        incident, events = parse_export(read_export_file(file))
    except ExportFormatError as error:
        raise failure(f"{file}: {error}") from None

    async def work(store: Timeline) -> tuple[int, int, str]:
        try:
            added, skipped = await store.import_events(events, incident=incident)
        except TimelineError as error:
            raise TimelineError(f"{file}: {error}") from None
        return added, skipped, await _label(store, incident)

    added, skipped, label = _run(db_path, work)
    short, title = label.split(" ", 1)
    click.echo(f"{short} ({title}): imported {added} events, skipped {skipped} already present")


def register(main: click.Group) -> None:
    """Add the timeline commands to the `cockpit` group."""
    for command in (incident_group, note, export, import_):
        main.add_command(command)
