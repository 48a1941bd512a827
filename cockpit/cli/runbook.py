"""`cockpit runbook import FILE` and `cockpit runbook show FILE [SECTION]`.

Reading a runbook needs no config, cluster or network. `import` only proposes: the config
snippet goes to stdout (or to a new file named with `-o`) for a person to review, and nothing is
ever written into a config. `register(main)` adds the group to the `cockpit` command; failures
are one line on stderr and exit status 1, like the timeline commands.
"""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from cockpit.cli.exits import EXIT_FAILED, config_failure, failure

if TYPE_CHECKING:
    from cockpit.runbooks.model import Command, Runbook, Section


def _load(path: Path) -> Runbook:
    # The parser loads only when a runbook command runs: every other `cockpit` start skips it.
    from cockpit.runbooks.load import load_runbook

    try:
        runbook = load_runbook(path)
    except FileNotFoundError:
        raise failure(f"{path}: no such file") from None
    except IsADirectoryError:
        raise failure(f"{path}: is a directory, expected a runbook file") from None
    except OSError as error:
        # "Permission denied" alone does not say which file; the size refusal already does.
        message = f"{path}: {error.strerror}" if error.strerror else str(error)
        raise failure(message) from None
    for warning in runbook.warnings:
        click.echo(f"{path.name}: {warning}", err=True)
    return runbook


def _action_text(command: Command, namespace: str, context: str) -> str:
    from cockpit.runbooks.actions import ExternalCommand, command_to_action

    if not command.argv:
        return ""
    action = command_to_action(command.argv, namespace=namespace, context=context)
    if isinstance(action, ExternalCommand):
        return f"cockpit action: {action.describe()}"
    if action is not None:
        return f"cockpit action: {action.describe()} in {action.namespace}"
    return ""


@click.group("runbook")
def runbook_group() -> None:
    """Read runbooks: propose config from one, show its sections, steps and commands."""


@runbook_group.command("import")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the snippet to this new file instead of stdout (never overwrites).",
)
def import_runbook(file: Path, output: Path | None) -> None:
    """Propose panels, thresholds, health checks, phase time boxes and runbook links found in
    FILE, as a TOML snippet to review. Nothing is written to your config."""
    from cockpit.runbooks.actions import command_to_action
    from cockpit.runbooks.propose import propose_config

    runbook = _load(file)
    snippet = propose_config(runbook)
    actions = sum(
        1
        for c in runbook.commands
        if c.argv and command_to_action(c.argv, namespace="default") is not None
    )
    click.echo(
        f"{runbook.name}: {len(runbook.slos)} SLO statements, {len(runbook.endpoints)} health "
        f"endpoints, {len(runbook.phase_boxes())} phase time boxes, {len(runbook.steps)} steps, "
        f"{len(runbook.commands)} commands ({actions} of them cockpit actions). "
        "Review the snippet; nothing was written to your config.",
        err=True,
    )
    if output is None:
        click.echo(snippet, nl=False)
        return
    try:
        # "x": a proposal must never replace a file, least of all the config itself.
        with output.open("x", encoding="utf-8") as handle:
            handle.write(snippet)
    except FileExistsError:
        raise failure(f"{output} exists; not overwritten (pick a new name)") from None
    except OSError as error:
        raise failure(f"cannot write {output}: {error.strerror}") from None
    click.echo(f"wrote {output}", err=True)


@runbook_group.command("show")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("section_ref", metavar="[SECTION]", required=False)
@click.option(
    "-n",
    "--namespace",
    default="default",
    show_default=True,
    metavar="NS",
    help="Namespace for commands that do not name one (as the cockpit would act).",
)
@click.option("--context", default="", metavar="NAME", help="kubeconfig context, likewise.")
@click.option("--json", "as_json", is_flag=True, help="Everything parsed, as JSON.")
def show_runbook(
    file: Path, section_ref: str | None, namespace: str, context: str, as_json: bool
) -> None:
    """The outline of FILE (sections with their steps and commands), or one section: its text,
    its steps as a checklist and its commands, marking those the cockpit runs as actions."""
    runbook = _load(file)
    sections = list(runbook.sections)
    if section_ref is not None:
        section = runbook.section(section_ref)
        if section is None:
            known = ", ".join(s.slug for s in runbook.sections) or "none"
            raise failure(
                f"{runbook.name}: no section {section_ref!r}; sections: {known}"
            )
        sections = [section]
    if as_json:
        click.echo(json.dumps(_as_json(runbook, sections), indent=2, ensure_ascii=False))
        return
    if section_ref is None:
        click.echo(_outline(runbook, namespace, context), nl=False)
    else:
        click.echo(_section_text(runbook, sections[0], namespace, context), nl=False)


def _outline(runbook: Runbook, namespace: str, context: str) -> str:
    lines = [f"{runbook.title}  ({runbook.name})"]
    boxes = runbook.phase_boxes()
    if boxes:
        lines.append("time boxes: " + ", ".join(f"{p.value} {_short(s)}" for p, s in boxes.items()))
    for slo in runbook.slos:
        where = f" → panel {slo.panel}" if slo.panel else ""
        lines.append(f"objective: {slo.text} (line {slo.line}){where}")
    lines.append("")
    for section in runbook.sections:
        indent = "  " * max(0, section.level - 1)
        counts = []
        if section.steps:
            counts.append(f"{len(section.steps)} steps")
        if section.commands:
            actions = sum(1 for c in section.commands if _action_text(c, namespace, context))
            counts.append(
                f"{len(section.commands)} commands"
                + (f", {actions} cockpit actions" if actions else "")
            )
        extra = f"  [{'; '.join(counts)}]" if counts else ""
        title = section.title or "(before the first heading)"
        lines.append(f"{indent}{title}  #{section.slug}{extra}")
    return "\n".join(lines) + "\n"


def _section_text(runbook: Runbook, section: Section, namespace: str, context: str) -> str:
    lines = [
        f"{section.title or runbook.title}  ({runbook.name}#{section.slug}, line {section.line})"
    ]
    if section.notes:
        lines += ["", section.notes]
    if section.steps:
        lines += ["", "Steps:"]
        for step in section.steps:
            mark = "x" if step.done else " "
            lines.append(f"  [{mark}] {step.index + 1}. {step.text}")
            for command in step.commands:
                lines.append(f"        $ {command.text}")
    if section.commands:
        lines += ["", "Commands:"]
        for command in section.commands:
            first, *rest = command.text.split("\n")
            lines.append(f"  $ {first}")
            lines += [f"    {more}" for more in rest]
            action = _action_text(command, namespace, context)
            if action:
                lines.append(f"      → {action}")
            elif command.placeholders:
                lines.append(f"      → fill in {', '.join(command.placeholders)} first")
    return "\n".join(lines) + "\n"


def _short(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size and seconds % size == 0:
            return f"{int(seconds // size)}{unit}"
    return f"{seconds:g}s"


def _as_json(runbook: Runbook, sections: list[Section]) -> dict[str, Any]:
    return {
        "title": runbook.title,
        "source": runbook.source,
        "warnings": list(runbook.warnings),
        "phase_boxes": {p.value: s for p, s in runbook.phase_boxes().items()},
        "sections": [dataclasses.asdict(s) for s in sections],
    }


@runbook_group.command("check")
@click.option(
    "--config",
    "config_path",
    metavar="FILE",
    default=None,
    help="Config file (default: as for cockpit itself).",
)
@click.pass_context
def check_links(ctx: click.Context, config_path: str | None) -> None:
    """Which runbook section the runbook key opens for each panel and alert of a config.
    Exit status 1 when a configured link matches no section or a runbook cannot be read."""
    from cockpit.config.schema import ConfigError, load_config, resolve_config_path
    from cockpit.runbooks.links import link_targets, runbook_dirs
    from cockpit.runbooks.load import load_runbooks

    root = ctx.find_root().obj or {}
    path = resolve_config_path(config_path or root.get("config_path"))
    try:
        config = load_config(path)
    except ConfigError as error:
        config_failure(error)
    dirs = runbook_dirs(config.runbooks.dirs, path)
    if not dirs:
        raise failure(f"{path}: no [runbooks] dirs = [...]; nothing to open")
    books, problems = load_runbooks(dirs)
    for problem in problems:
        click.echo(f"problem: {problem}", err=True)
    click.echo(f"{len(books)} runbooks from {', '.join(str(d) for d in dirs)}")
    broken = 0
    for target in link_targets(config, books):
        if target.broken:
            broken += 1
            shown = f"NO SECTION matches {target.link!r}"
        elif target.match is None:
            shown = 'nothing matches; link one with runbook = "FILE.md#section"'
        else:
            how = "linked" if target.link else f"matched: {target.match.why}"
            shown = f"{target.match.ref} ({how})"
        click.echo(f"  {target.key:<36} → {shown}")
    if broken or problems:
        sys.exit(EXIT_FAILED)


def register(main: click.Group) -> None:
    main.add_command(runbook_group)
