"""`cockpit snapshot`: read every configured source once and print what the panels would show."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

from cockpit.core.model import (
    BackupInfo,
    FiringAlert,
    HealthResult,
    PanelState,
    PanelView,
    PodList,
)
from cockpit.core.records import format_utc
from cockpit.core.units import format_threshold, format_value
from cockpit.runtime.scheduler import Scheduler
from cockpit.runtime.wiring import Runtime, SourceSet, build_sources, effective_where, settle_where


@dataclass(frozen=True, slots=True)
class SnapshotRow:
    panel: str
    measure: str
    value: str
    threshold: str
    status: str
    age: str
    error: str
    note: str


async def take_snapshot(runtime: Runtime) -> list[PanelView]:
    # Where the reads go, named as kubectl would (the kubeconfig's current context when none
    # was given), so the output says which cluster the numbers are from.
    settle_where(runtime, await asyncio.to_thread(effective_where, runtime))
    sources: SourceSet = build_sources(runtime)
    scheduler = Scheduler(lambda _: None, clock=runtime.clock)
    runners = [
        scheduler.add(source, spec.interval, spec.timeout) for source, spec in sources.sources
    ]
    try:
        readings = await asyncio.gather(*(r.read_once() for r in runners))
    finally:
        await sources.aclose()
    now = runtime.clock()
    views = []
    for (_, spec), reading in zip(sources.sources, readings, strict=True):
        state = PanelState(spec.panel, spec.title, spec.measures, spec.interval)
        state.apply(reading)
        views.append(state.view(now))
    return views


def detail_summary(detail: tuple[object, ...]) -> str:
    alerts = [a.name for a in detail if isinstance(a, FiringAlert)]
    failing = [f"{c.name}: {c.message}" for c in detail if isinstance(c, HealthResult) and not c.ok]
    if alerts:
        return ", ".join(alerts[:3]) + (f" (+{len(alerts) - 3})" if len(alerts) > 3 else "")
    return "; ".join(failing)


def rows(views: list[PanelView]) -> list[SnapshotRow]:
    out = []
    for view in views:
        age = "-" if view.age is None else f"{view.age:.0f}s"
        note = view.note
        if isinstance(view.detail, PodList):
            note = ", ".join(f"{k} {v}" for k, v in view.detail.counts().items())
        elif isinstance(view.detail, tuple) and view.detail:
            note = detail_summary(view.detail) or note
        elif isinstance(view.detail, BackupInfo):
            note = (
                f"last success {format_utc(view.detail.last_success, for_people=True)}"
                if view.detail.last_success
                else "no backup recorded"
            )
        for measure in view.measures:
            value = view.values.get(measure.key)
            status = view.measure_status(measure) if value is not None else view.status
            out.append(
                SnapshotRow(
                    panel=view.title,
                    measure=measure.label,
                    value="-" if value is None else format_value(measure.unit, value),
                    threshold=format_threshold(
                        measure.unit, measure.threshold.crit, measure.threshold.warn
                    ),
                    status=status.badge,
                    age=age,
                    error=view.error or "",
                    note=note,
                )
            )
    return out


def measure_name(panel_title: str, measure_label: str) -> str:
    """What a reader calls one value: `Error rate ratio`, but `Queue depth`, not
    `Queue depth depth`, when the panel's title already ends with the measure's label."""
    title_words = panel_title.casefold().split()
    label_words = measure_label.casefold().split()
    if not label_words or title_words[-len(label_words) :] == label_words:
        return panel_title
    return f"{panel_title} {measure_label}"


def render_table(views: list[PanelView]) -> str:
    table = rows(views)
    headers = ("PANEL", "MEASURE", "VALUE", "SLO", "STATUS", "AGE", "DETAIL")
    body = [
        (
            r.panel,
            r.measure,
            r.value,
            r.threshold,
            r.status,
            r.age,
            (r.error and f"error: {r.error}") or r.note,
        )
        for r in table
    ]
    widths = [
        max(len(h), *(len(row[i]) for row in body)) if body else len(h)
        for i, h in enumerate(headers)
    ]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    for row in body:
        lines.append("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def render_json(views: list[PanelView], runtime: Runtime) -> str:
    panels: list[dict[str, Any]] = []
    for view in views:
        measures = []
        for m in view.measures:
            value = view.values.get(m.key)
            measures.append(
                {
                    "key": m.key,
                    "label": m.label,
                    "unit": m.unit,
                    "value": value,
                    "display": None if value is None else format_value(m.unit, value),
                    "slo": m.threshold.crit,
                    "warn": m.threshold.warn,
                    "status": (view.measure_status(m) if value is not None else view.status).value,
                }
            )
        entry: dict[str, Any] = {
            "panel": view.panel,
            "title": view.title,
            "status": view.status.value,
            "age_seconds": None if view.age is None else round(view.age, 3),
            "error": view.error,
            "note": view.note or None,
            "warnings": list(view.warnings),
            "measures": measures,
        }
        if isinstance(view.detail, PodList):
            entry["pods"] = [
                {
                    "name": p.name,
                    "ready": p.ready,
                    "status": p.status,
                    "restarts": p.restarts,
                    "node": p.node,
                    "created_at": p.created_at.isoformat(),
                }
                for p in view.detail.rows
            ]
            entry["workloads"] = [
                {
                    "kind": w.kind,
                    "name": w.name,
                    "desired": w.desired,
                    "current": w.current,
                    "up_to_date": w.updated,
                    "available": w.available,
                    "revision": w.revision,
                    "rolled_out": w.rolled_out,
                    "rollout": w.rollout or None,
                }
                for w in view.detail.workloads
            ]
        if isinstance(view.detail, tuple):
            alerts = [a for a in view.detail if isinstance(a, FiringAlert)]
            checks = [c for c in view.detail if isinstance(c, HealthResult)]
            if alerts or view.panel == "alerts":
                entry["alerts"] = [
                    {
                        "name": a.name,
                        "severity": a.severity,
                        "summary": a.summary,
                        "starts_at": a.starts_at.isoformat(),
                        "fingerprint": a.fingerprint,
                        "labels": dict(a.labels),
                    }
                    for a in alerts
                ]
            if checks:
                entry["checks"] = [
                    {
                        "name": c.name,
                        "target": c.target,
                        "ok": c.ok,
                        "latency_seconds": c.latency_s,
                        "message": c.message,
                    }
                    for c in checks
                ]
        if isinstance(view.detail, BackupInfo):
            entry["last_success"] = (
                view.detail.last_success.isoformat() if view.detail.last_success else None
            )
        panels.append(entry)
    doc = {
        "taken_at": runtime.clock().isoformat(),
        "context": runtime.context,
        "namespace": runtime.namespace,
        "demo": runtime.demo,
        "panels": panels,
    }
    return json.dumps(doc, indent=2)
