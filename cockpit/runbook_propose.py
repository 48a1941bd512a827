"""`cockpit runbook import`: the config a runbook implies (panels, thresholds, health checks,
phase time boxes, section links) as a TOML snippet for a person to review; never written
into a config by itself."""

from __future__ import annotations

import re

from cockpit.phases import Phase
from cockpit.runbook_actions import ExternalCommand, command_to_action
from cockpit.runbook_match import match_section
from cockpit.runbook_model import Command, HealthEndpoint, PhaseBox, Runbook, SloStatement


def _duration_text(seconds: float) -> str:
    """A config duration: "300ms", "12h", "1h30m", "9h36m"."""
    if seconds < 1:
        return f"{round(seconds * 1000):d}ms"
    whole = round(seconds)
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if whole >= size:
            parts.append(f"{whole // size}{unit}")
            whole %= size
    return "".join(parts) or "0s"


def _toml_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = re.sub(r"[\x00-\x1f\x7f]", lambda m: f"\\u{ord(m.group(0)):04x}", escaped)
    return f'"{escaped}"'


def _comment(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def propose_config(runbook: Runbook) -> str:
    """A TOML snippet of the panels, thresholds, phase boxes and links a runbook implies, for a
    person to review and paste. Every value says where in the runbook it came from; queries
    the runbook cannot know are left empty, so `cockpit config check` asks for them."""
    out = [
        f"# Proposed from {runbook.name} by `cockpit runbook import`.",
        "# Review before use: nothing was written to your config.",
        "",
    ]
    found = False

    def first(metric: str) -> SloStatement | None:
        return next((s for s in runbook.slos if s.metric == metric), None)

    def origin(item: SloStatement | PhaseBox | HealthEndpoint | Command) -> str:
        text = getattr(item, "text", "") or getattr(item, "target", "")
        return f"# line {item.line}: {_comment(text)}"

    latency = {m: first(m) for m in ("p50", "p95")}
    if any(latency.values()):
        found = True
        out.append("[panels.latency]")
        out.append('source = "prometheus"')
        for metric, slo in latency.items():
            if slo is not None:
                out.append(origin(slo))
                out.append(f"{metric}_slo = {_toml_string(_duration_text(slo.value))}")
        for metric, slo in latency.items():
            if slo is not None:
                out.append(f'{metric}_query = ""   # fill in: PromQL returning seconds')
        p99 = first("p99")
        if p99 is not None:
            out.append(f"# {origin(p99)[2:]} — the cockpit shows p50 and p95 only")
        out.append("")
    error_rate = first("error_rate")
    if error_rate is not None:
        found = True
        percent = round(error_rate.value * 100, 4)
        out += [
            "[panels.error_rate]",
            'source = "prometheus"',
            origin(error_rate),
            f"slo_percent = {percent:g}",
            'query = ""   # fill in: PromQL returning the 5xx share as a ratio (0..1)',
            "",
        ]
    queue = first("queue_depth")
    if queue is not None:
        found = True
        out += [
            "[panels.queue]",
            'source = "prometheus"',
            origin(queue),
            f"slo = {queue.value:g}",
            'query = ""   # fill in: PromQL returning the queue depth',
            "",
        ]
    backup = first("rpo") or first("backup_age")
    if backup is not None:
        found = True
        crit = backup.value
        warn = crit * 0.8
        out += [
            "[panels.backup]",
            'source = "prometheus"',
            origin(backup),
            "# the backup is CRIT once it is older than the objective; WARN at 80 % of it",
            f"warn_after = {_toml_string(_duration_text(warn))}",
            f"crit_after = {_toml_string(_duration_text(crit))}",
            'query = ""   # fill in: PromQL returning the Unix time of the last good backup',
            "",
        ]
    endpoints = runbook.endpoints
    if endpoints:
        found = True
        out.append("[panels.health]")
        out.append("checks = [")
        names: set[str] = set()
        for endpoint in endpoints:
            name = endpoint.name
            while name in names:
                name += "-2"
            names.add(name)
            if endpoint.kind == "tcp":
                entry = f"{{ name = {_toml_string(name)}, tcp = {_toml_string(endpoint.target)} }},"
            else:
                status = (
                    f", expect_status = {endpoint.expect_status}"
                    if endpoint.expect_status and endpoint.expect_status != 200
                    else ""
                )
                entry = (
                    f"{{ name = {_toml_string(name)}, url = {_toml_string(endpoint.target)}"
                    f"{status} }},"
                )
            if endpoint.has_host:
                out.append(f"  {entry}   # line {endpoint.line}")
            else:
                out.append(
                    f"  # {entry}   # line {endpoint.line}: no host in the runbook; "
                    "put the service's base URL in front"
                )
        out.append("]")
        out.append("")
    for command in runbook.commands:
        action = command_to_action(command.argv, namespace="") if command.argv else None
        if isinstance(action, ExternalCommand):
            found = True
            out += [
                origin(command),
                "# the workload this release runs is a guess: check it",
                "[[actions.rollback_commands]]",
                f"workload = {_toml_string('deployment/' + action.release)}",
                "argv = [" + ", ".join(_toml_string(w) for w in action.argv) + "]",
                "",
            ]
    boxes = [b for b in runbook.phases if not b.repeat]
    seen_phases: set[Phase] = set()
    phase_lines = []
    for box in boxes:
        if box.phase in seen_phases:
            continue
        seen_phases.add(box.phase)
        phase_lines.append(
            f"{box.phase.value} = {_toml_string(_duration_text(box.seconds))}"
            f"   # line {box.line}: {_comment(box.text)}"
        )
    links = []
    for panel in ("latency", "error_rate", "queue", "backup", "pods", "health", "alerts"):
        match = match_section(runbook, panel)
        if match is not None and match.strong and match.section.steps:
            links.append(f"{panel} = {_toml_string(match.ref)}   # {_comment(match.why)}")
    if phase_lines or links:
        found = True
        out.append("[runbooks]")
        out.append("dirs = []   # directories of runbooks; add the one this file is in")
        out.append("")
    if phase_lines:
        out.append("[runbooks.phases]")
        out += phase_lines
        out.append("")
    if links:
        out.append('[runbooks.links]   # panel = "FILE#section": what the runbook key opens')
        out += links
        out.append("")
    cadences = [b for b in runbook.phases if b.repeat]
    for cadence in cadences[:1]:
        out.append(
            f"# line {cadence.line}: {_comment(cadence.text)} — set [timeline] status_every = "
            f"{_toml_string(_duration_text(cadence.seconds))} for the update reminder"
        )
        found = True
    extras = [
        f"# {s.metric} {s.op} {s.value:g} ({s.unit}), line {s.line}: not a cockpit panel"
        for s in runbook.slos
        if s.panel is None
    ]
    extras += [f"# contact, line {c.line}: {_comment(c.text)}" for c in runbook.contacts]
    extras += [f"# {d.level}, line {d.line}: {_comment(d.text)}" for d in runbook.severities]
    if extras:
        out.append("# Found but not configurable:")
        out += extras
        out.append("")
    if not found:
        out.append("# No panels, thresholds, endpoints or time boxes were recognised in it.")
    return "\n".join(out).rstrip("\n") + "\n"
