"""`cockpit runbook import`: the config a runbook implies (panels, thresholds, health checks,
phase time boxes, section links) as a TOML snippet for a person to review; never written
into a config by itself."""

from __future__ import annotations

import re

from pydantic import ValidationError

from cockpit.config.schema import HealthCheck
from cockpit.incident.phases import Phase
from cockpit.runbooks.actions import ExternalCommand, command_to_action
from cockpit.runbooks.match import match_section
from cockpit.runbooks.model import Command, HealthEndpoint, PhaseBox, Runbook, SloStatement


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


PANEL_ORDER = ("pods", "latency", "error_rate", "queue", "backup", "alerts", "health")
_FILL_IN = "enabled = false   # turn on once the query below is filled in"


def propose_config(runbook: Runbook) -> str:
    """A TOML snippet of the panels, thresholds, health checks, phase boxes and section links a
    runbook implies, for a person to review and merge into their config. Every value says
    where in the runbook it came from. Queries a runbook cannot know are left empty with the
    panel switched off, so the snippet passes `cockpit config check` as it is and nothing
    starts polling until someone has written the query."""
    links = _links(runbook)
    tables: dict[str, list[str]] = {}

    def first(metric: str) -> SloStatement | None:
        return next((s for s in runbook.slos if s.metric == metric), None)

    latency = {m: first(m) for m in ("p50", "p95")}
    if any(latency.values()):
        lines = ['source = "prometheus"', _FILL_IN]
        for metric, slo in latency.items():
            if slo is not None:
                lines += [_origin(slo), f"{metric}_slo = {_toml_string(_duration_text(slo.value))}"]
                lines.append(f'{metric}_query = ""   # PromQL returning seconds')
        p99 = first("p99")
        if p99 is not None:
            lines.append(f"{_origin(p99)} (the cockpit shows p50 and p95)")
        tables["latency"] = lines
    error_rate = first("error_rate")
    if error_rate is not None:
        slo_percent = f"slo_percent = {round(error_rate.value * 100, 4):g}"
        tables["error_rate"] = _prometheus_panel(
            error_rate, "the 5xx share as a ratio (0..1)", slo_percent
        )
    queue = first("queue_depth")
    if queue is not None:
        tables["queue"] = _prometheus_panel(queue, "the queue depth", f"slo = {queue.value:g}")
    backup = first("rpo") or first("backup_age")
    if backup is not None:
        tables["backup"] = _prometheus_panel(
            backup,
            "the Unix time of the last good backup",
            "# CRIT once the last good backup is older than the objective; WARN at 80 % of it",
            f"warn_after = {_toml_string(_duration_text(backup.value * 0.8))}",
            f"crit_after = {_toml_string(_duration_text(backup.value))}",
        )
    health = _health(runbook)
    if health:
        tables["health"] = health
    out = [
        f"# Proposed from {runbook.name} by `cockpit runbook import`: review it, then merge it",
        "# into your config (a table you already have takes only the keys). Nothing was written.",
        "",
    ]
    for panel in PANEL_ORDER:
        link = links.get(panel)
        if panel not in tables:
            if link is not None:
                out += [f"# [panels.{panel}] could link to: runbook = {link}", ""]
            continue
        out.append(f"[panels.{panel}]")
        out += tables[panel]
        if link is not None:
            out.append(f"runbook = {link}")
        out.append("")
    out += _rollback_commands(runbook)
    out += _runbooks_table(runbook)
    out += _not_configurable(runbook)
    if len(out) == 3:
        out.append("# No panels, thresholds, endpoints or time boxes were recognised in it.")
    return "\n".join(out).rstrip("\n") + "\n"


def _prometheus_panel(slo: SloStatement, returns: str, *settings: str) -> list[str]:
    """A Prometheus panel's keys, switched off until someone writes the query that returns
    `returns`: a runbook states the objective, never the PromQL."""
    return [
        'source = "prometheus"',
        _FILL_IN,
        _origin(slo),
        *settings,
        f'query = ""   # PromQL returning {returns}',
    ]


def _origin(item: SloStatement | PhaseBox | HealthEndpoint | Command) -> str:
    text = getattr(item, "text", "") or getattr(item, "target", "")
    return f"# line {item.line}: {_comment(text)}"


def _links(runbook: Runbook) -> dict[str, str]:
    """Panel → `runbook = "FILE#section"` value (with why), for sections worth opening: a
    strong match that has steps to tick."""
    links = {}
    for panel in PANEL_ORDER:
        match = match_section(runbook, panel)
        if match is not None and match.strong and match.section.steps:
            links[panel] = f"{_toml_string(match.ref)}   # {_comment(match.why)}"
    return links


def _health(runbook: Runbook) -> list[str]:
    entries: list[str] = []
    usable = 0
    names: set[str] = set()
    for endpoint in runbook.endpoints:
        name = endpoint.name
        while name in names:
            name += "-2"
        names.add(name)
        fields: dict[str, object] = {"name": name}
        if endpoint.kind == "tcp":
            fields["tcp"] = endpoint.target
        else:
            fields["url"] = endpoint.target
            if endpoint.expect_status and endpoint.expect_status != 200:
                fields["expect_status"] = endpoint.expect_status
        entry = "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in fields.items()) + " },"
        problem = "" if endpoint.has_host else "no host in the runbook; put the base URL in front"
        if not problem:
            try:
                HealthCheck.model_validate(fields)
            except ValidationError as error:
                problem = str(error.errors()[0]["msg"]).removeprefix("Value error, ")
        if problem:
            entries.append(f"  # {entry}   # line {endpoint.line}: {problem}")
        else:
            usable += 1
            entries.append(f"  {entry}   # line {endpoint.line}")
    if not entries:
        return []
    head = ['source = "health"']
    if not usable:
        head.append("enabled = false   # turn on once a check below is complete")
    return [*head, "checks = [", *entries, "]"]


def _rollback_commands(runbook: Runbook) -> list[str]:
    out: list[str] = []
    seen: set[tuple[str, ...]] = set()
    for command in runbook.commands:
        action = command_to_action(command.argv, namespace="") if command.argv else None
        if not isinstance(action, ExternalCommand) or action.argv in seen:
            continue
        seen.add(action.argv)
        out += [
            _origin(command),
            "# the Deployment this release runs is a guess: check it",
            "[[actions.rollback_commands]]",
            f"workload = {_toml_string('deployment/' + action.release)}",
            "argv = [" + ", ".join(_toml_string(w) for w in action.argv) + "]",
            "",
        ]
    return out


def _runbooks_table(runbook: Runbook) -> list[str]:
    boxes: dict[Phase, PhaseBox] = {}
    for box in runbook.phases:
        if not box.repeat:
            boxes.setdefault(box.phase, box)
    out = [
        "[runbooks]",
        f"dirs = []   # add the directory that holds {runbook.name}",
    ]
    if boxes:
        out.append("[runbooks.phases]   # time boxes in the header; the runbook states them too")
        for phase in Phase:
            box = boxes.get(phase)
            if box is not None:
                value = _toml_string(_duration_text(box.seconds))
                out.append(f"{phase.value} = {value}   {_origin(box)}")
    cadence = next((b for b in runbook.phases if b.repeat), None)
    if cadence is not None:
        out.append(
            f"{_origin(cadence)}: for that reminder set [timeline] status_every = "
            f"{_toml_string(_duration_text(cadence.seconds))}"
        )
    return [*out, ""]


def _not_configurable(runbook: Runbook) -> list[str]:
    extras = [
        f"# {s.metric} {s.op} {s.value:g} ({s.unit}), line {s.line}: no cockpit panel for it"
        for s in runbook.slos
        if s.panel is None or s.metric == "p99"
    ]
    extras += [f"# contact, line {c.line}: {_comment(c.text)}" for c in runbook.contacts]
    extras += [f"# {d.level}, line {d.line}: {_comment(d.text)}" for d in runbook.severities]
    return ["# Found in the runbook, for reference only:", *extras, ""] if extras else []


def _toml_value(value: object) -> str:
    return str(value) if isinstance(value, int) else _toml_string(str(value))
