"""`cockpit doctor`: check every configured source once and say, per source, whether it is
reachable, accepted us, understood the query and returned data, and how long it took. Also the
timeline file. Exit status 0 only if everything passed: for a pre-incident check or a script.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from dataclasses import asdict, dataclass

from cockpit.runtime.scheduler import Scheduler
from cockpit.runtime.wiring import Runtime, build_sources


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    ok: bool
    detail: str
    seconds: float | None = None

    @property
    def mark(self) -> str:
        return "✓ ok" if self.ok else "✗ FAIL"


async def _source_checks(runtime: Runtime) -> list[Check]:
    sources = build_sources(runtime)
    scheduler = Scheduler(lambda _: None, clock=runtime.clock)
    runners = [scheduler.add(src, spec.interval, spec.timeout) for src, spec in sources.sources]

    async def one(runner: object, title: str, kind: str) -> Check:
        started = time.perf_counter()
        reading = await runner.read_once()  # type: ignore[attr-defined]
        took = time.perf_counter() - started
        name = f"{title} ({kind})"
        if reading.error is not None:
            return Check(name, False, reading.error, took)
        if not reading.values and reading.detail is None:
            return Check(name, False, reading.note or "answered, but returned no data", took)
        shown = ", ".join(f"{k}={v:g}" for k, v in list(reading.values.items())[:3])
        extra = f"; {', '.join(reading.warnings)}" if reading.warnings else ""
        return Check(name, True, (shown or "data") + extra, took)

    try:
        return list(
            await asyncio.gather(
                *(
                    one(runner, spec.title, spec.source)
                    for runner, (_, spec) in zip(runners, sources.sources, strict=True)
                )
            )
        )
    finally:
        await sources.aclose()


async def _timeline_check(runtime: Runtime) -> Check:
    from cockpit.incident.store import Timeline, TimelineError, default_path

    if runtime.timeline_throwaway:
        return Check("timeline", True, "demo: a throwaway file, opened at start")
    path = runtime.timeline_path or default_path()
    if not path.exists():
        # A check must not create the file; say whether creating it later will work.
        parent = next((p for p in path.parents if p.exists()), path.parent)
        if os.access(parent, os.W_OK):
            return Check("timeline", True, f"{path} does not exist yet; created on first use")
        return Check("timeline", False, f"{path} cannot be created: {parent} is not writable")
    started = time.perf_counter()
    try:
        store = await Timeline.open(path)
    except TimelineError as error:
        return Check("timeline", False, str(error), time.perf_counter() - started)
    try:
        open_incidents = len(await store.open_incidents())
    finally:
        await store.close()
    return Check(
        "timeline",
        True,
        f"{path} ({open_incidents} open incident{'s' if open_incidents != 1 else ''})",
        time.perf_counter() - started,
    )


async def run_checks(runtime: Runtime) -> list[Check]:
    checks = await _source_checks(runtime)
    checks.append(await _timeline_check(runtime))
    return checks


def render_table(checks: list[Check]) -> str:
    rows = [("CHECK", "RESULT", "TIME", "DETAIL")]
    for c in checks:
        took = "-" if c.seconds is None else f"{c.seconds * 1000:.0f} ms"
        rows.append((c.name, c.mark, took, c.detail.replace("\n", " ")))
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    lines = ["  ".join(r[i].ljust(widths[i]) for i in range(3)) + "  " + r[3] for r in rows]
    failed = sum(1 for c in checks if not c.ok)
    summary = (
        f"all {len(checks)} checks passed"
        if not failed
        else f"{failed} of {len(checks)} checks failed"
    )
    return "\n".join([*(line.rstrip() for line in lines), "", summary])


def render_json(checks: list[Check]) -> str:
    return json.dumps(
        {"ok": all(c.ok for c in checks), "checks": [asdict(c) for c in checks]}, indent=2
    )
