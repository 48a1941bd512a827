"""The timeline file under bad conditions, through the real commands and real SQLite files:
rows another tool wrote badly, refused files (no new file beside them), read-only files,
directories and mounts, FIFOs and devices as --db, the schema-1 migration, ids that share a
prefix, and escape sequences in what the CLI prints."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from click.testing import Result

from cockpit.core.records import Event, EventKind, Incident, IncidentStatus, Severity
from cockpit.incident.recorder import Recorder
from cockpit.incident.store import MIGRATIONS, SCHEMA_VERSION, Timeline
from tests.conftest import T0
from tests.support.timeline_cli_runner import invoke

ME = "alice@laptop"
ROOT = Path(__file__).resolve().parents[2]




def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def fingerprint(db: Path) -> tuple[str, list[str]]:
    return hashlib.sha256(db.read_bytes()).hexdigest(), sorted(p.name for p in db.parent.iterdir())


def start(db: Path, title: str = "API 5xx") -> str:
    return ok(invoke("incident", "start", title, db=db)).stdout.strip()


# -- rows another tool wrote ------------------------------------------------------------------


def _write_bad_rows(db: Path, incident_id: str) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA ignore_check_constraints = ON")  # as a careless tool would
    conn.execute(
        "INSERT INTO incidents (id, title, severity, status, started_at) "
        "VALUES (?, 'from year one', 'SEV2', 'active', '0001-01-01T00:00:00.000000Z')",
        ("b" * 32,),
    )
    rows = [
        ("1-01-01T00:00:00.000000Z", "note", "{}"),  # what strftime made of year 1
        ("2026-11-24T14:00:00.000000Z", "note", "{not json"),
        ("2026-11-24T14:00:00.000000Z", "gossip", "{}"),
        ("2026-11-24T14:00:00.000000Z", "note", "[1, 2]"),
        ("2026-11-24T14:00:00.000000Z", "note", "[" * 5000 + "]" * 5000),
    ]
    for when, kind, data in rows:
        conn.execute(
            "INSERT INTO events (uuid, incident_id, occurred_at, recorded_at, kind, actor, "
            "source, text, data) VALUES (?, ?, ?, ?, ?, 'x', 'x', 'bad row', ?)",
            (str(uuid.uuid4()), incident_id, when, when, kind, data),
        )
    conn.commit()
    conn.close()


def test_bad_rows_are_skipped_and_reported(tmp_path: Path) -> None:
    db = tmp_path / "timeline.db"
    incident_id = start(db)
    ok(invoke("note", "a good note", db=db))
    _write_bad_rows(db, incident_id)

    listing = ok(invoke("incident", "list", db=db))
    assert incident_id[:8] in listing.stdout and "from year one" not in listing.stdout
    assert listing.stderr.startswith("warning: 1 unreadable incident skipped: incident bbbb")
    assert "outside the range" in listing.stderr

    noted = ok(invoke("note", "still works", db=db))
    assert noted.stdout.startswith(f"noted in {incident_id[:8]}")

    markdown = ok(invoke("export", incident_id, db=db))
    assert "a good note" in markdown.stdout and "still works" in markdown.stdout
    assert "bad row" not in markdown.stdout
    assert "warning: 5 unreadable events skipped: event " in markdown.stderr

    exported = ok(invoke("export", incident_id, "--format", "json", db=db))
    assert [e["text"] for e in json.loads(exported.stdout)["events"]][-2:] == [
        "a good note",
        "still works",
    ]
    assert "5 unreadable events skipped" in exported.stderr

    refused = invoke("note", "x", "--incident", "bbbb", db=db)
    assert refused.exit_code == 1 and "cannot be read" in refused.stderr

    async def through_the_recorder() -> list[str]:
        # What `cockpit notes` and the cockpit do when they open the timeline.
        recorder = await Recorder.open(db)
        try:
            assert recorder.incident is not None and recorder.incident.id == incident_id
            events = await recorder.events()
            assert recorder.timeline.unreadable_summary() is not None
            return [e.text for e in events]
        finally:
            await recorder.close()

    assert asyncio.run(through_the_recorder())[-2:] == ["a good note", "still works"]


# -- refused files ----------------------------------------------------------------------------


def _wal_db_with_version(db: Path, version: int) -> None:
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("CREATE TABLE incidents (id TEXT)")
    conn.execute(f"PRAGMA user_version = {version}")
    conn.execute("PRAGMA application_id = 1131114612")
    conn.commit()
    conn.close()


@pytest.mark.parametrize("kind", ["newer", "foreign", "corrupt-pages", "not-sqlite"])
def test_refused_files_get_no_new_file_beside_them(tmp_path: Path, kind: str) -> None:
    db = tmp_path / "timeline.db"
    if kind == "newer":
        _wal_db_with_version(db, SCHEMA_VERSION + 1)
    elif kind == "foreign":
        conn = sqlite3.connect(db)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("CREATE TABLE recipes (name TEXT)")
        conn.commit()
        conn.close()
    elif kind == "corrupt-pages":
        _wal_db_with_version(db, 1)
        raw = bytearray(db.read_bytes())
        raw[4096 : 4096 + 100] = b"\xa5" * 100  # page 2's b-tree header
        db.write_bytes(bytes(raw))
    else:
        db.write_bytes(b"not a database" * 100)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["timeline.db"]
    before = fingerprint(db)
    for args in (("incident", "list"), ("note", "hello"), ("export", "abc")):
        result = invoke(*args, db=db)
        assert result.exit_code == 1, result.output
        assert "not modified" in result.stderr or "not a usable" in result.stderr
        assert fingerprint(db) == before, args


def test_fifo_and_devices_as_db_fail_cleanly(tmp_path: Path) -> None:
    fifo = tmp_path / "timeline.fifo"
    os.mkfifo(fifo)
    for path in (fifo, Path("/dev/zero"), Path("/dev/null")):
        # A subprocess with a timeout: a regression here would hang, not fail.
        result = subprocess.run(
            [sys.executable, "-m", "cockpit", "incident", "list", "--db", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=ROOT,
        )
        assert result.returncode == 1, result.stderr
        assert "not a regular file" in result.stderr
        assert "Traceback" not in result.stderr


# -- read-only --------------------------------------------------------------------------------


def _prepare_read_only(tmp_path: Path) -> tuple[Path, str]:
    folder = tmp_path / "ro"
    folder.mkdir()
    db = folder / "timeline.db"
    incident_id = start(db, "read me")
    ok(invoke("note", "written before", db=db))
    return db, incident_id


def _run_cockpit(prefix: list[str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*prefix, sys.executable, "-m", "cockpit", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=ROOT,
    )


def _assert_reads_work(prefix: list[str], db: Path, incident_id: str) -> None:
    before = fingerprint(db)
    listing = _run_cockpit(prefix, "incident", "list", "--db", str(db))
    assert listing.returncode == 0, listing.stderr
    assert "read me" in listing.stdout
    exported = _run_cockpit(prefix, "export", incident_id[:8], "--db", str(db))
    assert exported.returncode == 0, exported.stderr
    assert "written before" in exported.stdout
    note = _run_cockpit(prefix, "note", "will it save?", "--db", str(db))
    assert note.returncode == 1
    assert "read-only" in note.stderr or "cannot be opened" in note.stderr, note.stderr
    assert "Traceback" not in note.stderr
    assert fingerprint(db) == before


def _unprivileged_prefix() -> list[str]:
    if os.geteuid() != 0:
        return []
    # Root ignores permission bits; in a fresh user namespace it is an ordinary user.
    unshare = shutil.which("unshare")
    probe = subprocess.run([unshare, "--user", "true"], check=False) if unshare else None
    if probe is None or probe.returncode != 0:
        pytest.skip("running as root without user namespaces: permission bits cannot bite")
    return [str(unshare), "--user"]


def test_reads_work_in_a_read_only_directory_and_file(tmp_path: Path) -> None:
    db, incident_id = _prepare_read_only(tmp_path)
    prefix = _unprivileged_prefix()
    db.chmod(0o444)
    db.parent.chmod(0o555)
    try:
        _assert_reads_work(prefix, db, incident_id)
    finally:
        db.parent.chmod(0o755)
        db.chmod(0o644)


def test_reads_work_on_a_read_only_mount(tmp_path: Path) -> None:
    db, incident_id = _prepare_read_only(tmp_path)
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("unshare is not installed")
    # A private mount namespace (a user namespace too when not root) in which the directory is
    # bind-mounted read-only: exactly a read-only file system, also for root.
    userns = [] if os.geteuid() == 0 else ["-r"]
    helper = Path(__file__).resolve().parents[1] / "support" / "readonly_mount.py"
    mount = [sys.executable, str(helper), str(db.parent)]
    probe = subprocess.run([unshare, *userns, "-m", *mount, "true"], check=False)
    if probe.returncode != 0:
        pytest.skip("no mount namespaces here; the read-only directory test covers reads")
    _assert_reads_work([unshare, *userns, "-m", *mount], db, incident_id)


# -- migration from schema 1 ------------------------------------------------------------------


def test_a_schema_1_file_is_migrated_and_its_events_stay_local(tmp_path: Path) -> None:
    db = tmp_path / "v1.db"
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = WAL")
    for statement in MIGRATIONS[0]:
        conn.execute(statement)
    conn.execute("PRAGMA user_version = 1")
    conn.execute("PRAGMA application_id = 1131114612")
    incident_id = "a" * 32
    conn.execute(
        "INSERT INTO incidents (id, title, severity, status, started_at) "
        "VALUES (?, 'old', 'SEV2', 'active', '2026-11-24T14:02:00.000000Z')",
        (incident_id,),
    )
    note = str(uuid.uuid4())
    conn.execute(
        "INSERT INTO events (uuid, incident_id, occurred_at, recorded_at, kind, actor, source, "
        "text) VALUES (?, ?, '2026-11-24T14:03:00.000000Z', '2026-11-24T14:03:00.000000Z', "
        "'note', 'me', 'cli', 'from version 1')",
        (note, incident_id),
    )
    conn.commit()
    conn.close()

    async def check() -> None:
        async with await Timeline.open(db) as store:
            events = await store.events(incident_id)
            assert [(e.text, e.origin) for e in events] == [("from version 1", None)]
            timeline_id = await store.timeline_id()
            assert timeline_id is not None and len(timeline_id) == 32
            # An import of the same incident may not delete the old (local) note.
            deletion = Event(
                str(uuid.uuid4()),
                incident_id,
                T0,
                T0,
                EventKind.NOTE,
                "mallory",
                "cli",
                "",
                supersedes=note,
                deleted=True,
                origin="f" * 32,
            )
            with pytest.raises(Exception, match="recorded in this timeline"):
                await store.import_events([deletion])
        conn = sqlite3.connect(db)
        try:
            assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 2
            with pytest.raises(sqlite3.IntegrityError, match="append-only"):
                conn.execute("UPDATE events SET origin = ? WHERE uuid = ?", ("f" * 32, note))
            with pytest.raises(sqlite3.IntegrityError, match="never changes"):
                conn.execute("UPDATE timeline_meta SET value = 'x'")
        finally:
            conn.close()

    asyncio.run(check())


# -- ids that share a prefix ------------------------------------------------------------------


def _import_incident(db: Path, tmp_path: Path, incident_id: str, title: str) -> Result:
    document = {
        "schema": "incident-cockpit/incident-export@1",
        "incident": {
            "id": incident_id,
            "title": title,
            "severity": "SEV2",
            "status": "active",
            "started_at": "2026-11-24T14:02:00Z",
        },
        "events": [],
    }
    file = tmp_path / f"{incident_id}.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    return invoke("import", str(file), db=db)


def test_ids_that_share_8_characters_are_shown_longer_and_never_guessed(tmp_path: Path) -> None:
    db = tmp_path / "timeline.db"
    mine = start(db, "mine")
    twin = mine[:8] + ("0" if mine[8] != "0" else "1") + mine[9:]
    imported = ok(_import_incident(db, tmp_path, twin, "twin"))
    assert imported.stdout.startswith(f"{twin[:9]} (twin)")

    listing = ok(invoke("incident", "list", db=db)).stdout.splitlines()
    assert listing[0].startswith("ID         SEV")
    shown = sorted(line.split()[0] for line in listing[1:])
    assert shown == sorted([mine[:9], twin[:9]])

    refused = invoke("note", "which one?", "--incident", mine[:8], db=db)
    assert refused.exit_code == 1
    assert "matches 2 incidents" in refused.stderr
    assert mine[:9] in refused.stderr and twin[:9] in refused.stderr
    noted = ok(invoke("note", "this one", "--incident", mine[:9], db=db))
    assert noted.stdout.startswith(f"noted in {mine[:9]} (mine)")
    assert "this one" in ok(invoke("export", mine, db=db)).stdout
    assert "this one" not in ok(invoke("export", twin, db=db)).stdout

    short = _import_incident(db, tmp_path, mine[:8], "short id")
    assert short.exit_code == 1 and "32 lowercase hex" in short.stderr


# -- what reaches the terminal ----------------------------------------------------------------

HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u202e\x9b31m"


def test_escape_sequences_never_reach_the_terminal(tmp_path: Path) -> None:
    db = tmp_path / "timeline.db"
    incident_id = uuid.uuid4().hex
    document = {
        "schema": "incident-cockpit/incident-export@1",
        "incident": {
            "id": incident_id,
            "title": f"{HOSTILE} # [link](http://x) <b>",
            "severity": "SEV1",
            "status": "active",
            "started_at": "2026-11-24T14:02:00Z",
            "roles": {"scribe": f"eve{HOSTILE}"},
        },
        "events": [
            {
                "uuid": str(uuid.uuid4()),
                "incident_id": incident_id,
                "occurred_at": "2026-11-24T14:03:00Z",
                "recorded_at": "2026-11-24T14:03:00Z",
                "kind": "note",
                "actor": f"mallory{HOSTILE}",
                "source": "cli",
                "text": f"line one{HOSTILE}\r\nline two\n## heading?\tafter a tab",
            }
        ],
    }
    file = tmp_path / "hostile.json"
    file.write_text(json.dumps(document), encoding="utf-8")
    outputs = [
        ok(invoke("import", str(file), db=db)),
        ok(invoke("incident", "list", db=db)),
        ok(invoke("export", incident_id, db=db)),
        ok(invoke("incident", "status", incident_id, "mitigated", db=db)),
        ok(invoke("incident", "role", incident_id, "comms", "x", db=db)),
        ok(invoke("note", "ok", db=db)),
        invoke("note", "which?", "--incident", "", db=db),
    ]
    for result in outputs:
        for text in (result.stdout, result.stderr):
            assert not any(c in text for c in "\x1b\x07\x9b\u202e\r"), repr(text)
    markdown = outputs[2].stdout
    assert "\t" not in markdown and "heading?␉after a tab" in markdown
    assert "# Postmortem (draft): ␛\\]0;pwned␇␛\\[2J" in markdown
    assert "\\[link\\](http://x) \\<b\\>" in markdown
    assert "line one␛" in markdown and "<br>line two<br>## heading?" in markdown
    assert "| mallory␛" in markdown

    # JSON stays lossless: the same characters come back, escaped in the text.
    exported = ok(invoke("export", incident_id, "--format", "json", db=db)).stdout
    assert not any(c in exported for c in "\x1b\x07\x9b\u202e")
    again = json.loads(exported)
    assert again["incident"]["title"] == document["incident"]["title"]
    assert again["events"][0]["text"] == document["events"][0]["text"]


def test_incident_and_event_records_reject_times_outside_the_range() -> None:
    from datetime import UTC, datetime, timedelta, timezone

    with pytest.raises(ValueError, match="outside the range"):
        Incident("a" * 32, "x", Severity.SEV1, IncidentStatus.ACTIVE, datetime(1, 1, 1, tzinfo=UTC))
    late = datetime(9999, 12, 31, 23, tzinfo=timezone(-timedelta(hours=14)))
    with pytest.raises(ValueError, match="outside the range"):
        Incident("a" * 32, "x", Severity.SEV1, IncidentStatus.ACTIVE, late)


async def test_cockpit_notes_shows_the_readable_rows_and_says_what_it_skipped(
    tmp_path: Path,
) -> None:
    from cockpit.app.notes import NotesApp
    from tests.support.screen_text import screen_text, wait_for

    db = tmp_path / "timeline.db"
    async with await Timeline.open(db) as store:
        incident = await store.start_incident("payments timeouts", 1, ME)
        await store.add_note(incident.id, "a readable note", ME)
    await asyncio.to_thread(_write_bad_rows, db, incident.id)
    app = NotesApp(db)
    async with app.run_test(size=(120, 30)) as pilot:
        await wait_for(pilot, lambda: "a readable note" in screen_text(app))
        text = screen_text(app)
        assert "payments timeouts" in text and "bad row" not in text
        # What the toasts say (the test harness does not draw them).
        said = "\n".join(str(n.message) for n in app._notifications)
        assert "6 unreadable rows skipped: incident bbbb" in said


def test_undecodable_note_text_is_refused_in_one_line(tmp_path: Path) -> None:
    db = tmp_path / "timeline.db"
    start(db)
    # What Python makes of the byte 0xff in argv: a lone surrogate SQLite cannot store.
    result = invoke("note", "before \udcff after", db=db)
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "Error: the text is not valid UTF-8 text (at character 8); nothing was written"
    )
    long_role = invoke("incident", "role", start(db, "other"), "scribe", "x" * 300, db=db)
    assert long_role.exit_code == 1 and "limited to 256" in long_role.stderr
