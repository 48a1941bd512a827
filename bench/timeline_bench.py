"""Timeline store benchmark: note durability latency, insert rate, open and search at scale.

    python bench/timeline_bench.py [--quick] [--dir DIR]

`measure(quick)` returns figures for bench/run.py. The files go in a temp dir on the file system
of `$COCKPIT_BENCH_DIR` (default: the system temp dir): fsync cost is a property of the disk, so
point it at the disk the real timeline lives on when /tmp is a tmpfs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cockpit.core.records import Event, EventKind
from cockpit.incident.store import Timeline

ACTOR = "bench@host"
# fmt: off
WORDS = (
    "error", "rate", "high", "on", "checkout", "gateway", "upstream", "timeout", "pods",
    "restarted", "latency", "p95", "queue", "depth", "backlog", "consumer", "lag", "deploy",
    "rollout", "database", "replica", "cache", "miss", "disk", "pressure", "node", "drained",
)
# fmt: on


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(pct / 100 * (len(ordered) - 1))))
    return ordered[index]


def _text(n: int) -> str:
    # Deterministic, varied text so FTS has realistic posting lists; "rollback" is the rare word.
    picked = [WORDS[(n * 7 + k * 13) % len(WORDS)] for k in range(8)]
    if n % 200 == 0:
        picked.append("rollback")
    return f"event {n}: " + " ".join(picked)


async def _note_latency(directory: Path, count: int) -> list[float]:
    async with await Timeline.open(directory / "notes.db") as store:
        incident = await store.start_incident("latency", 2, ACTOR)
        for n in range(10):  # warm the connection and the page cache
            await store.add_note(incident.id, f"warm-up {n}", ACTOR)
        samples = []
        for n in range(count):
            start = time.perf_counter()
            await store.add_note(incident.id, f"note {n}: rolled back checkout to v41", ACTOR)
            samples.append((time.perf_counter() - start) * 1000)
        return samples


async def _insert_rate(directory: Path, count: int) -> float:
    async with await Timeline.open(directory / "inserts.db") as store:
        incident = await store.start_incident("inserts", 3, ACTOR)
        start = time.perf_counter()
        for n in range(count):
            await store.add_event(incident.id, EventKind.ALERT, _text(n), "alertmanager", "am")
        return count / (time.perf_counter() - start)


async def _fill(path: Path, total: int) -> str:
    async with await Timeline.open(path) as store:
        incident = await store.start_incident("big", 1, ACTOR)
        base = datetime(2026, 11, 24, tzinfo=UTC)
        kinds = (EventKind.ALERT, EventKind.SLO, EventKind.NOTE, EventKind.SYSTEM)
        batch: list[Event] = []
        for n in range(total):
            when = base + timedelta(milliseconds=250 * n)
            batch.append(
                Event(
                    str(uuid.uuid4()),
                    incident.id,
                    when,
                    when,
                    kinds[n % 4],
                    ACTOR,
                    "bench",
                    _text(n),
                )
            )
            if len(batch) == 10_000:
                await store.import_events(batch)
                batch = []
        if batch:
            await store.import_events(batch)
        return incident.id


async def _open_and_load(path: Path, incident_id: str) -> tuple[float, int]:
    start = time.perf_counter()
    async with await Timeline.open(path) as store:
        events = await store.events(incident_id, limit=500)
        elapsed = (time.perf_counter() - start) * 1000
    return elapsed, len(events)


async def _search(path: Path, incident_id: str, repeats: int) -> tuple[float, float]:
    async with await Timeline.open(path) as store:
        rare, common = [], []
        for _ in range(repeats):
            start = time.perf_counter()
            await store.events(incident_id, search="rollback")
            rare.append((time.perf_counter() - start) * 1000)
            start = time.perf_counter()
            await store.events(incident_id, search="checkout timeout", limit=500)
            common.append((time.perf_counter() - start) * 1000)
        return statistics.median(rare), statistics.median(common)


async def _measure(quick: bool, directory: Path) -> list[dict[str, Any]]:
    notes = await _note_latency(directory, 100 if quick else 500)
    rate = await _insert_rate(directory, 1000 if quick else 5000)
    total = 10_000 if quick else 100_000
    big = directory / "big.db"
    incident_id = await _fill(big, total)
    opens = [await _open_and_load(big, incident_id) for _ in range(3 if quick else 5)]
    open_ms = statistics.median(ms for ms, _ in opens)
    rare_ms, common_ms = await _search(big, incident_id, 3 if quick else 5)
    scale = f"{total // 1000}k events"
    return [
        {"figure": "timeline note durable p50", "value": round(_percentile(notes, 50), 2),
         "unit": "ms", "budget": None},
        {"figure": "timeline note durable p99", "value": round(_percentile(notes, 99), 2),
         "unit": "ms", "budget": 20.0},
        {"figure": "timeline insert rate (add_event)", "value": round(rate),
         "unit": "events/s", "budget": 2000},
        {"figure": f"timeline open + newest 500 ({scale})", "value": round(open_ms, 1),
         "unit": "ms", "budget": 300.0},
        {"figure": f"timeline search, rare word ({scale})", "value": round(rare_ms, 1),
         "unit": "ms", "budget": 100.0},
        {"figure": f"timeline search, common words, newest 500 ({scale})",
         "value": round(common_ms, 1), "unit": "ms", "budget": 100.0},
    ]  # fmt: skip


def measure(quick: bool = False, directory: str | Path | None = None) -> list[dict[str, Any]]:
    """Figures as {figure, value, unit, budget}; budget None means "reported, not budgeted".
    For insert rate the budget is a minimum; for the others a maximum."""
    parent = directory or os.environ.get("COCKPIT_BENCH_DIR") or None
    with tempfile.TemporaryDirectory(prefix="cockpit-timeline-bench-", dir=parent) as tmp:
        return asyncio.run(_measure(quick, Path(tmp)))


def _verdict(row: dict[str, Any]) -> str:
    budget = row["budget"]
    if budget is None:
        return ""
    good = row["value"] >= budget if row["unit"] == "events/s" else row["value"] <= budget
    return "ok" if good else "OVER BUDGET"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 events instead of 100,000")
    parser.add_argument("--dir", default=None, help="where to put the temp files")
    args = parser.parse_args()
    rows = measure(args.quick, args.dir)
    width = max(len(r["figure"]) for r in rows)
    print(f"{'figure':<{width}}  {'value':>10}  {'unit':<9} {'budget':>8}")
    for r in rows:
        budget = "" if r["budget"] is None else f"{r['budget']:g}"
        print(
            f"{r['figure']:<{width}}  {r['value']:>10}  {r['unit']:<9} {budget:>8}  {_verdict(r)}"
        )


if __name__ == "__main__":
    main()
