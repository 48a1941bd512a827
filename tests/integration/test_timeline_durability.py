"""Crash and concurrency tests: real processes, real files, SIGKILL.

The writer processes are tests/support/timeline_writer.py; they print a note's text only after
`add_note` returned, so every line the parent reads is a note the store acknowledged.
"""

from __future__ import annotations

import asyncio
import os
import random
import select
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cockpit.incident.store import Timeline

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
WRITER = Path(__file__).resolve().parents[1] / "support" / "timeline_writer.py"
ROUNDS = 100
TIME_BUDGET_S = 60.0  # bounds the loop on a slow machine; nothing is asserted about speed


def _start_incident(db: Path) -> str:
    async def main() -> str:
        async with await Timeline.open(db) as store:
            return (await store.start_incident("kill -9 drill", 2, "test@host")).id

    return asyncio.run(main())


def _writer(*args: str, stdin: int | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, str(WRITER), *args],
        stdin=stdin,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )


def _read_until_ready(proc: subprocess.Popen[bytes], limit: float = 30.0) -> bytes:
    """What the writer printed up to its "ready" line (bounded, so a stuck writer fails)."""
    assert proc.stdout is not None
    fd = proc.stdout.fileno()
    seen = b""
    deadline = time.monotonic() + limit
    while b"ready\n" not in seen:
        left = deadline - time.monotonic()
        readable, _, _ = select.select([fd], [], [], max(0.0, left))
        if not readable:
            raise AssertionError("the writer never became ready")
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        seen += chunk
    return seen


def test_acknowledged_notes_survive_sigkill(tmp_path: Path) -> None:
    db = tmp_path / "timeline.db"
    incident_id = _start_incident(db)
    rng = random.Random(20261124)
    acknowledged: list[str] = []
    deadline = time.monotonic() + TIME_BUDGET_S
    rounds = 0
    for rounds in range(1, ROUNDS + 1):
        proc = _writer("notes", str(db), incident_id, f"r{rounds}")
        early = b""
        if rounds % 2 == 0:
            # Half the rounds kill during start-up (opening, migration checks) ...
            time.sleep(rng.uniform(0.0, 0.4))
        else:
            # ... half while notes are being written, however slow the machine is to start.
            early = _read_until_ready(proc)
            time.sleep(rng.uniform(0.0, 0.2))
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        out = early + out
        assert proc.returncode == -signal.SIGKILL, err.decode(errors="replace")
        # Only whole lines: a line cut by the kill may or may not have been acknowledged.
        lines = out.decode().split("\n")[:-1]
        acknowledged += [line for line in lines if line != "ready"]
        if "Traceback" in err.decode(errors="replace"):
            pytest.fail(f"writer failed in round {rounds}: {err.decode(errors='replace')}")
        if time.monotonic() > deadline:
            break
    assert rounds >= 10, "too few rounds ran to mean anything"

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {row[0] for row in conn.execute("SELECT text FROM events WHERE kind = 'note'")}
    finally:
        conn.close()
    missing = [text for text in acknowledged if text not in stored]
    assert not missing, f"{len(missing)} acknowledged notes lost, e.g. {missing[:5]}"
    assert acknowledged, "no note was ever acknowledged; the writer never got going"

    # And the store opens cleanly through its own checks after all that.
    async def reopen() -> int:
        async with await Timeline.open(db) as store:
            return len(await store.events(incident_id, kinds=["note"]))

    assert asyncio.run(reopen()) == len(stored)


def test_two_processes_write_concurrently(tmp_path: Path) -> None:
    db = tmp_path / "timeline.db"
    incident_id = _start_incident(db)
    count = 1000
    writers = [
        _writer("events", str(db), incident_id, name, str(count), stdin=subprocess.PIPE)
        for name in ("left", "right")
    ]
    for proc in writers:
        assert proc.stdout is not None
        assert proc.stdout.readline() == b"ready\n", proc.stderr.read() if proc.stderr else ""
    for proc in writers:  # release both at once so their transactions interleave
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.flush()
    for proc in writers:
        out, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err.decode(errors="replace")
        assert out == b"done\n"
        assert err == b""

    conn = sqlite3.connect(db)
    try:
        rows = conn.execute(
            "SELECT substr(text, 1, instr(text, '-') - 1), count(*), count(DISTINCT text) "
            "FROM events WHERE kind = 'alert' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert rows == [("left", count, count), ("right", count, count)]
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    finally:
        conn.close()


def test_two_processes_race_to_create_a_new_file(tmp_path: Path) -> None:
    """Both find no file, both migrate: the second must see the first's schema, not fail."""
    db = tmp_path / "fresh.db"
    script = (
        "import asyncio, sys\n"
        "from cockpit.incident.store import Timeline\n"
        "async def main():\n"
        "    async with await Timeline.open(sys.argv[1]) as store:\n"
        "        await store.start_incident('race', 3, 'x@y')\n"
        "asyncio.run(main())\n"
    )
    for _ in range(5):
        db.unlink(missing_ok=True)
        for suffix in ("-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        procs = [
            subprocess.Popen(
                [sys.executable, "-c", script, str(db)],
                stderr=subprocess.PIPE,
                cwd=ROOT,
            )
            for _ in range(3)
        ]
        for proc in procs:
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err.decode(errors="replace")
        conn = sqlite3.connect(db)
        assert conn.execute("SELECT count(*) FROM incidents").fetchone() == (3,)
        conn.close()


# ---- durability at the promised level: the sync level per write path, and a power cut --------

_SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


async def test_each_write_path_leaves_the_promised_synchronous_level(tmp_path: Path) -> None:
    """Read from the live connection after each call: FULL for what a person wrote (the WAL
    is fsynced at commit), NORMAL for machine events, as the store's docstring promises."""
    from tests.support.timeline_paths import WRITE_PATHS, Scratch

    scratch = Scratch()
    seen: dict[str, str] = {}
    async with await Timeline.open(tmp_path / "timeline.db") as store:
        for name, _, write in WRITE_PATHS:
            await write(store, scratch)
            rows = await store._db.execute_fetchall("PRAGMA synchronous")
            seen[name] = _SYNCHRONOUS[next(iter(rows))[0]]
    assert seen == {name: "FULL" if durable else "NORMAL" for name, durable, _ in WRITE_PATHS}


@pytest.fixture(scope="module")
def shim(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import require_tool
    from tests.support.powercut import build_shim

    require_tool("cc")
    return build_shim(tmp_path_factory.mktemp("shim"))


def test_each_durable_write_path_fsyncs_the_wal_before_it_returns(
    tmp_path: Path, shim: Path
) -> None:
    from tests.support.powercut import PowerCut
    from tests.support.timeline_paths import WRITE_PATHS

    cut = PowerCut.create(shim, tmp_path)
    db = cut.data / "timeline.db"
    result = subprocess.run(
        [sys.executable, "-m", "tests.support.timeline_paths", str(db), str(cut.log)],
        env=cut.env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    synced: dict[str, set[str]] = {}
    current = ""
    for line in cut.syncs():
        word, name = line.split(" ", 1)
        if word == "begin":
            current = name
            synced[current] = set()
        elif word == "end":
            current = ""
        elif current:
            synced[current].add(name.rsplit(" ", 1)[0])
    assert synced == {
        name: {"timeline.db-wal"} if durable else set() for name, durable, _ in WRITE_PATHS
    }


# Loops over one durable write path; prints an id only after the call returned.
_ACK_WRITER = """
import asyncio, sys, uuid
from datetime import UTC, datetime
from cockpit.core.records import Event, EventKind
from cockpit.incident.store import Timeline

async def main(db, incident_id, mode):
    store = await Timeline.open(db)
    head = (await store.add_note(incident_id, "v0", "w@test")).uuid if mode == "edit" else ""
    print("ready", flush=True)
    n = 0
    while True:
        n += 1
        if mode == "note":
            ack = (await store.add_note(incident_id, f"note-{n}", "w@test")).uuid
        elif mode == "action":
            ack = (await store.add_event(incident_id, EventKind.ACTION, f"a-{n}", "w", "t")).uuid
        elif mode == "edit":
            head = ack = (await store.edit_event(head, f"v{n}", "w@test")).uuid
        else:
            now = datetime.now(UTC)
            ack = str(uuid.uuid4())
            event = Event(ack, incident_id, now, now, EventKind.NOTE, "bo", "import", f"i-{n}")
            await store.import_events([event])
        sys.stdout.write(ack + "\\n")
        sys.stdout.flush()

asyncio.run(main(*sys.argv[1:]))
"""
ACKS_BEFORE_THE_CUT = 40  # far below a WAL checkpoint (1000 pages), which would sync anyway


@pytest.mark.parametrize("mode", ["note", "action", "edit", "import"])
def test_acknowledged_writes_survive_a_power_cut(tmp_path: Path, shim: Path, mode: str) -> None:
    from tests.support.powercut import PowerCut

    cut = PowerCut.create(shim, tmp_path)
    db = cut.data / "timeline.db"
    incident_id = _start_incident(db)
    cut.settle()  # written and closed by this process: the starting state on disk
    proc = subprocess.Popen(
        [sys.executable, "-c", _ACK_WRITER, str(db), incident_id, mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=cut.env(),
        cwd=ROOT,
    )
    assert proc.stdout is not None
    acknowledged: list[str] = []
    try:
        assert proc.stdout.readline() == b"ready\n"
        while len(acknowledged) < ACKS_BEFORE_THE_CUT:
            line = proc.stdout.readline()
            assert line.endswith(b"\n"), "the writer stopped early"
            acknowledged.append(line.decode().strip())
    finally:
        proc.kill()
        _, err = proc.communicate(timeout=30)
    assert b"Traceback" not in err, err.decode(errors="replace")
    cut.cut()

    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        stored = {row[0] for row in conn.execute("SELECT uuid FROM events")}
    finally:
        conn.close()
    lost = [ack for ack in acknowledged if ack not in stored]
    assert not lost, f"{len(lost)} of {len(acknowledged)} acknowledged writes lost by a power cut"
