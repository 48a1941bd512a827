"""Breaches, recoveries and alerts are in the record once per incident, dated by the data —
however many cockpits watch the incident and however often they start."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

from cockpit.app.cockpit_app import CockpitApp
from cockpit.core.model import Reading, Status
from cockpit.incident.breaches import SloChange, first_bad_at
from cockpit.incident.recorder import Recorder
from cockpit.runtime.wiring import Runtime
from tests.conftest import T0, FakeClock
from tests.support.screen_text import wait_for
from tests.support.workers import timeline_ready


def slo_rows(db: Path) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT occurred_at, actor, text, json_extract(data, '$.observer') FROM events"
            " WHERE kind = 'slo' ORDER BY seq"
        ).fetchall()


async def start_once(clock: FakeClock, db: Path, read_only: bool) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock, db=db, read_only=read_only))
    async with app.run_test(size=(100, 30)) as pilot:
        await timeline_ready(pilot, app)
        # Every tracked panel of the demo breaches: wait until this start has seen them all
        # confirmed and its writes are done.
        await wait_for(pilot, lambda: len(app.breaches.breached()) >= 5)
        await app.settle()


async def test_five_starts_and_a_read_only_one_record_each_breach_once(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    clock = FakeClock()
    for start in range(6):
        await start_once(clock, db, read_only=start == 4)
        clock.advance(7 if start % 2 else 3)
    rows = slo_rows(db)
    texts = [text.split(" —")[0] for _, _, text, _ in rows]
    assert sorted(texts) == sorted(set(texts)), rows
    assert "Latency: SLO breached" in texts
    # Automatic entries are the cockpit's; the person at the keyboard only observed them.
    assert {actor for _, actor, _, _ in rows} == {"cockpit"}
    assert all(observer for *_, observer in rows)
    # Dated by the data (the backfilled history), not by when the cockpit started: the demo's
    # latency went bad before T0, when the first cockpit started.
    latency = next(at for at, _, text, _ in rows if text.startswith("Latency: SLO breached"))
    assert latency < T0.strftime("%Y-%m-%dT%H:%M:%S")


RECORD = textwrap.dedent(
    """
    import asyncio, sys
    from datetime import datetime, UTC
    from cockpit.incident.breaches import SloChange
    from cockpit.incident.recorder import Recorder

    async def main() -> None:
        recorder = await Recorder.open(sys.argv[1], actor=sys.argv[2])
        at = datetime(2026, 11, 24, 13, 40, tzinfo=UTC)
        later = datetime(2026, 11, 24, 13, 55, tzinfo=UTC)
        for _ in range(20):
            for panel in ("latency", "errors", "queue"):
                await recorder.record_slo(SloChange(panel, panel, True, at, f"{panel} breached"))
        await recorder.record_slo(SloChange("queue", "queue", False, later, "queue recovered"))
        # A cockpit that confirms the breach late (older news) must not reopen it.
        await recorder.record_slo(SloChange("queue", "queue", True, at, "queue breached"))
        await recorder.close()

    asyncio.run(main())
    """
)


async def declared(db: Path) -> None:
    recorder = await Recorder.open(db, actor="alice")
    await recorder.declare("checkout 5xx", 2)
    await recorder.close()


def test_two_cockpits_at_once_write_one_entry_per_change(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    asyncio.run(declared(db))
    processes = [
        subprocess.Popen([sys.executable, "-c", RECORD, str(db), who])
        for who in ("alice", "bob")
    ]
    assert [p.wait(timeout=120) for p in processes] == [0, 0]
    texts = [text for _, _, text, _ in slo_rows(db)]
    assert sorted(texts) == [
        "errors breached",
        "latency breached",
        "queue breached",
        "queue recovered",
    ]


async def test_a_breach_after_a_recovery_is_a_new_entry(tmp_path: Path) -> None:
    recorder = await Recorder.open(tmp_path / "t.db", actor="alice")
    await recorder.declare("checkout 5xx", 2)
    at = T0
    changes = [
        SloChange("latency", "Latency", True, at, "breached"),
        SloChange("latency", "Latency", False, at + timedelta(minutes=5), "recovered"),
        SloChange("latency", "Latency", True, at + timedelta(minutes=9), "breached again"),
        SloChange("latency", "Latency", True, at + timedelta(minutes=10), "breached again"),
    ]
    written = [await recorder.record_slo(c) for c in changes]
    assert [e is not None for e in written] == [True, True, True, False]
    await recorder.close()


def reading(minutes: float, status: Status) -> Reading:
    return Reading("latency", T0 + timedelta(minutes=minutes), {"p95": 1.0}, status)


def test_first_bad_sample_walks_back_over_the_unbroken_crit_run() -> None:
    history = [
        reading(-30, Status.CRIT),
        reading(-25, Status.OK),
        reading(-20, Status.CRIT),
        reading(-15, Status.CRIT),
        reading(-10, Status.CRIT),
        reading(0, Status.CRIT),
    ]
    assert first_bad_at(history, T0) == T0 - timedelta(minutes=20)
    assert first_bad_at([], T0) == T0
    assert first_bad_at([reading(-5, Status.WARN)], T0) == T0


async def test_concurrent_writers_in_one_process_also_agree(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    first = await Recorder.open(db, actor="alice")
    await first.declare("checkout 5xx", 2)
    second = await Recorder.open(db, actor="bob")
    change = SloChange("latency", "Latency", True, T0, "Latency: SLO breached")
    results = await asyncio.gather(
        *(r.record_slo(change) for r in (first, second) for _ in range(10))
    )
    assert sum(e is not None for e in results) == 1
    await first.close()
    await second.close()
