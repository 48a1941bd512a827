"""The timeline store against real SQLite files in temp dirs."""

from __future__ import annotations

import dataclasses
import hashlib
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from cockpit.core.records import Event, EventKind, IncidentStatus, Severity, default_actor
from cockpit.incident.store import (
    APPLICATION_ID,
    SCHEMA_VERSION,
    AmbiguousIncident,
    IncidentNotFound,
    StaleEventError,
    Timeline,
    TimelineError,
    TimelineOpenError,
    TimelineWriteError,
    default_path,
)
from tests.conftest import T0, FakeClock, without_root_override

ME = "alice@laptop"


# Small sync helpers: test setup on files is not what the async tests are about.
def read_bytes(path: Path) -> bytes:
    return path.read_bytes()


def write_bytes(path: Path, data: bytes) -> None:
    path.write_bytes(data)


def digest(path: Path) -> str:
    return hashlib.sha256(read_bytes(path)).hexdigest()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "timeline.db"


async def test_migrates_an_empty_file_and_reopens(db: Path, clock: FakeClock) -> None:
    store = await Timeline.open(db, clock=clock)
    incident = await store.start_incident("API 5xx spike", 2, ME)
    await store.add_note(incident.id, "looking at the gateway", ME)
    await store.close()

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"incidents", "roles", "events", "events_fts"} <= tables
    conn.close()

    async with await Timeline.open(db, clock=clock) as store:
        again = await store.get_incident(incident.id)
        assert again == incident
        texts = [e.text for e in await store.events(incident.id)]
        assert texts == [
            "Incident declared: API 5xx spike (SEV2, active)",
            "looking at the gateway",
        ]


async def test_a_zero_byte_file_is_a_new_timeline(db: Path) -> None:
    write_bytes(db, b"")
    async with await Timeline.open(db) as store:
        assert await store.list_incidents() == []


async def test_default_path_is_under_the_user_data_dir() -> None:
    path = default_path()
    assert path.name == "timeline.db"
    assert "incident-cockpit" in path.parts


async def test_times_are_utc_and_stored_with_z(db: Path, clock: FakeClock) -> None:
    async with await Timeline.open(db, clock=clock) as store:
        incident = await store.start_incident("x", "SEV3", ME)
        plus_two = timezone(timedelta(hours=2))
        local = datetime(2026, 11, 24, 16, 5, 0, tzinfo=plus_two)
        event = await store.add_event(
            incident.id, "alert", "fired", "am", "alertmanager", {}, local
        )
        assert event.occurred_at == datetime(2026, 11, 24, 14, 5, 0, tzinfo=UTC)
        assert event.occurred_at.tzinfo is UTC
        assert event.recorded_at == T0
        with pytest.raises(ValueError, match="no timezone"):
            await store.add_note(incident.id, "naive", ME, occurred_at=datetime(2026, 1, 1))
    raw = sqlite3.connect(db).execute(
        "SELECT occurred_at, recorded_at FROM events WHERE uuid = ?", (event.uuid,)
    )
    assert raw.fetchone() == ("2026-11-24T14:05:00.000000Z", "2026-11-24T14:02:00.000000Z")


async def test_incident_lifecycle_writes_events(db: Path, clock: FakeClock) -> None:
    async with await Timeline.open(db, clock=clock) as store:
        incident = await store.start_incident("Queue backlog", 3, ME)
        assert incident.status is IncidentStatus.ACTIVE and incident.started_at == T0
        clock.advance(600)
        incident = await store.set_status(incident.id[:6], "mitigated", ME)
        assert incident.mitigated_at == T0 + timedelta(seconds=600)
        clock.advance(600)
        incident = await store.set_severity(incident.id, 2, ME)
        assert incident.severity is Severity.SEV2
        incident = await store.assign_role(incident.id, "Incident Commander", "bob", ME)
        incident = await store.assign_role(incident.id, "scribe", "carol", ME)
        assert dict(incident.roles) == {"incident commander": "bob", "scribe": "carol"}
        incident = await store.assign_role(incident.id, "scribe", None, ME)
        assert dict(incident.roles) == {"incident commander": "bob"}
        clock.advance(600)
        incident = await store.set_status(incident.id, IncidentStatus.RESOLVED, ME)
        assert incident.resolved_at == T0 + timedelta(seconds=1800)
        assert incident.mitigated_at == T0 + timedelta(seconds=600)  # first mitigation kept
        assert await store.open_incidents() == []

        kinds = [(e.kind, e.data.get("change")) for e in await store.events(incident.id)]
        assert kinds == [
            (EventKind.STATUS, "declared"),
            (EventKind.STATUS, "status"),
            (EventKind.STATUS, "severity"),
            (EventKind.SYSTEM, "role"),
            (EventKind.SYSTEM, "role"),
            (EventKind.SYSTEM, "role"),
            (EventKind.STATUS, "status"),
        ]


async def test_incident_lookup_by_prefix(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = iter(["abcd0001" + "0" * 24, "abcd0002" + "0" * 24])
    monkeypatch.setattr("cockpit.incident.store.new_id", lambda: next(ids))
    async with await Timeline.open(db) as store:
        first = await store.start_incident("one", 1, ME)
        await store.start_incident("two", 2, ME)
        assert (await store.get_incident("ABCD0001")).id == first.id
        assert (await store.get_incident(first.id)).title == "one"
        with pytest.raises(AmbiguousIncident, match="matches 2 incidents"):
            await store.get_incident("abcd")
        with pytest.raises(IncidentNotFound):
            await store.get_incident("ffff")
        with pytest.raises(IncidentNotFound):
            await store.get_incident("%")


async def test_edit_and_delete_supersede_and_keep_history(db: Path, clock: FakeClock) -> None:
    async with await Timeline.open(db, clock=clock) as store:
        incident = await store.start_incident("x", 2, ME)
        clock.advance(10)
        note = await store.add_note(incident.id, "rolled back api to v41", ME)
        await store.pin(note.uuid, True)
        clock.advance(10)
        edited = await store.edit_event(note.uuid, "rolled back api to v42", "bob@desk")
        assert edited.supersedes == note.uuid
        assert edited.occurred_at == note.occurred_at  # it still happened when it happened
        assert edited.recorded_at == T0 + timedelta(seconds=20)
        assert edited.pinned  # the pin follows the newest version

        view = await store.events(incident.id, kinds=["note"])
        assert [(e.text, e.actor) for e in view] == [("rolled back api to v42", "bob@desk")]

        with pytest.raises(StaleEventError):
            await store.edit_event(note.uuid, "a second, conflicting edit", ME)

        other = await store.add_note(incident.id, "typo note", ME)
        tombstone = await store.delete_event(other.uuid, ME)
        assert tombstone.deleted and tombstone.supersedes == other.uuid
        assert [e.text for e in await store.events(incident.id, kinds=["note"])] == [
            "rolled back api to v42"
        ]
        history = await store.events(incident.id, kinds=["note"], include_superseded=True)
        assert [(e.text, e.deleted) for e in history] == [
            ("rolled back api to v41", False),
            ("rolled back api to v42", False),
            ("typo note", False),
            ("", True),
        ]
        with pytest.raises(StaleEventError):
            await store.delete_event(tombstone.uuid, ME)
        assert await store.count_events(incident.id) == 5

    # The append-only rule holds even for SQL that bypasses the API.
    conn = sqlite3.connect(db)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE events SET text = 'rewritten' WHERE uuid = ?", (note.uuid,))
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM events")
    conn.close()


async def test_pin_and_unpin(db: Path) -> None:
    async with await Timeline.open(db) as store:
        incident = await store.start_incident("x", 2, ME)
        a = await store.add_note(incident.id, "first", ME)
        await store.add_note(incident.id, "second", ME)
        pinned = await store.pin(a.uuid)
        assert pinned.pinned and pinned.uuid == a.uuid
        assert [e.text for e in await store.events(incident.id, pinned_only=True)] == ["first"]
        await store.pin(a.uuid, False)
        assert await store.events(incident.id, pinned_only=True) == []
        assert not (await store.get_event(a.uuid)).pinned


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("gateway", {"gateway 502s after deploy"}),
        ("GATEWAY 502", {"gateway 502s after deploy"}),
        ("restart", {"restarted the api pods", "restarting worker"}),  # prefix and stemming
        ('"api', {"restarted the api pods", 'said "api is fine" AND left'}),
        ("AND", {'said "api is fine" AND left'}),
        ("OR", set()),  # an FTS operator, taken as a plain word
        ("NEAR(", set()),
        ("text:api", set()),  # not a column filter
        ("api*", {"restarted the api pods", 'said "api is fine" AND left'}),
        ('"', set()),
        ("'; DROP TABLE events; --", set()),
        ("-", set()),
        ("café", {"cafe on fire"}),  # diacritics folded
        ("", None),  # no search: everything
        ("   ", None),
    ],
)
async def test_search_treats_user_input_as_words(
    db: Path, query: str, expected: set[str] | None
) -> None:
    texts = [
        "gateway 502s after deploy",
        "restarted the api pods",
        "restarting worker",
        'said "api is fine" AND left',
        "cafe on fire",
    ]
    async with await Timeline.open(db) as store:
        incident = await store.start_incident("search", 3, ME)
        for text in texts:
            await store.add_note(incident.id, text, ME)
        found = {e.text for e in await store.events(incident.id, kinds=["note"], search=query)}
        assert found == (set(texts) if expected is None else expected)
        assert await store.count_events() == 6  # nothing was dropped


async def test_search_shows_only_the_newest_version(db: Path) -> None:
    async with await Timeline.open(db) as store:
        incident = await store.start_incident("x", 2, ME)
        note = await store.add_note(incident.id, "suspect the database", ME)
        await store.edit_event(note.uuid, "suspect the cache", ME)
        assert await store.events(incident.id, search="database") == []
        assert [e.text for e in await store.events(incident.id, search="cache")] == [
            "suspect the cache"
        ]
        history = await store.events(incident.id, search="database", include_superseded=True)
        assert [e.text for e in history] == ["suspect the database"]


async def test_events_limit_keeps_the_newest_in_time_order(db: Path, clock: FakeClock) -> None:
    async with await Timeline.open(db, clock=clock) as store:
        incident = await store.start_incident("x", 2, ME)
        for n in range(10):
            clock.advance(1)
            await store.add_event(incident.id, "slo", f"e{n}", "scheduler", "slo")
        newest = await store.events(incident.id, kinds=[EventKind.SLO], limit=3)
        assert [e.text for e in newest] == ["e7", "e8", "e9"]
        assert await store.events(incident.id, kinds=[]) == []


def _copy(event: Event, **changes: object) -> Event:
    return dataclasses.replace(event, **changes)  # type: ignore[arg-type]


async def test_import_deduplicates_by_uuid(tmp_path: Path, clock: FakeClock) -> None:
    async with await Timeline.open(tmp_path / "a.db", clock=clock) as a:
        incident = await a.start_incident("shared", 2, ME)
        note = await a.add_note(incident.id, "from alice", ME)
        await a.edit_event(note.uuid, "from alice, edited", ME)
        history = await a.events(incident.id, include_superseded=True)
        incident = await a.get_incident(incident.id)

    async with await Timeline.open(tmp_path / "b.db", clock=clock) as b:
        # Newest first: a version may arrive before the one it supersedes.
        assert await b.import_events(list(reversed(history)), incident=incident) == (3, 0)
        assert await b.import_events(history, incident=incident) == (0, 3)
        mine = await b.add_note(incident.id, "from bob", "bob@desk")
        assert await b.import_events([*history, mine]) == (0, 4)
        texts = [e.text for e in await b.events(incident.id, kinds=["note"])]
        assert texts == ["from alice, edited", "from bob"]
        assert await b.count_events() == 4

        stray = _copy(history[0], uuid=str(uuid.uuid4()), incident_id="f" * 32)
        with pytest.raises(IncidentNotFound):
            await b.import_events([stray])
        orphan = _copy(history[0], uuid=str(uuid.uuid4()), supersedes=str(uuid.uuid4()))
        with pytest.raises(TimelineError, match="supersedes"):
            await b.import_events([orphan])
        assert await b.count_events() == 4


async def test_corrupt_file_is_refused_and_untouched(db: Path) -> None:
    write_bytes(db, b"this is not a database, it is a shopping list\n" * 200)
    before = digest(db)
    with pytest.raises(TimelineOpenError) as info:
        await Timeline.open(db)
    message = str(info.value)
    assert str(db) in message and "not modified" in message
    assert f"mv {db} {db}.bad-" in message
    assert "\n" not in message
    assert digest(db) == before
    assert sorted(p.name for p in db.parent.iterdir()) == ["timeline.db"]


async def test_damaged_database_pages_are_refused_and_untouched(db: Path) -> None:
    async with await Timeline.open(db) as store:
        incident = await store.start_incident("x", 2, ME)
        for n in range(300):
            await store.add_event(incident.id, "alert", f"alert {n} " * 20, "am", "am")
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.execute("PRAGMA journal_mode = DELETE")  # everything in the main file, no WAL
    conn.close()
    raw = bytearray(read_bytes(db))
    page = 4096
    assert len(raw) > 10 * page
    for offset in range(3 * page, 9 * page, 7):  # scribble over b-tree pages, keep the header
        raw[offset] = 0xA5
    write_bytes(db, bytes(raw))
    before = digest(db)
    with pytest.raises(TimelineOpenError, match="not a usable incident timeline"):
        await Timeline.open(db)
    assert digest(db) == before


async def test_newer_schema_is_refused_and_untouched(db: Path) -> None:
    async with await Timeline.open(db) as store:
        await store.start_incident("from the future", 2, ME)
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    before = digest(db)
    with pytest.raises(TimelineOpenError, match="newer incident-cockpit") as info:
        await Timeline.open(db)
    assert f"schema {SCHEMA_VERSION + 1}" in str(info.value)
    assert "mv " in str(info.value)
    assert digest(db) == before


async def test_another_programs_database_is_refused(db: Path) -> None:
    conn = sqlite3.connect(db)
    conn.execute("CREATE TABLE recipes (name TEXT)")
    conn.commit()
    conn.close()
    before = digest(db)
    with pytest.raises(TimelineOpenError, match="another program"):
        await Timeline.open(db)
    assert digest(db) == before


async def test_disk_full_writes_nothing(db: Path) -> None:
    async with await Timeline.open(db) as store:
        incident = await store.start_incident("x", 2, ME)
        await store.add_note(incident.id, "before the disk filled", ME)
        # SQLite's own page cap gives the same SQLITE_FULL a full disk gives.
        pages = (await store._db.execute_fetchall("PRAGMA page_count"))[0][0]  # type: ignore[index]
        await store._db.execute(f"PRAGMA max_page_count = {pages + 2}")
        now = datetime.now(UTC)
        big = [
            Event(str(uuid.uuid4()), incident.id, now, now, EventKind.ALERT, "am", "am", "x" * 3000)
            for _ in range(50)
        ]
        with pytest.raises(TimelineWriteError, match="disk is full") as info:
            await store.import_events(big)
        assert "nothing was written" in str(info.value)
        assert await store.count_events() == 2
        await store._db.execute("PRAGMA max_page_count = 1073741823")
        await store.add_note(incident.id, "after space was freed", ME)
        assert await store.count_events() == 3


_READ_ONLY_SCRIPT = textwrap.dedent(
    """
    import asyncio, sys
    from cockpit.incident.store import Timeline, TimelineWriteError

    async def main(path):
        try:
            await Timeline.open(path)
        except TimelineWriteError as error:
            print("WRITE-ERROR", error)
            return
        print("OPENED")

    asyncio.run(main(sys.argv[1]))
    """
)


def test_read_only_directory_raises_write_error(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    command = without_root_override(
        [sys.executable, "-c", _READ_ONLY_SCRIPT, str(locked / "timeline.db")]
    )
    try:
        result = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
        )
        assert result.returncode == 0, result.stderr
        assert result.stdout.startswith("WRITE-ERROR"), result.stdout
        assert "timeline.db" in result.stdout
        assert "nothing was written" in result.stdout
        assert list(locked.iterdir()) == []
    finally:
        locked.chmod(0o755)


async def test_read_only_file_refuses_writes_cleanly(db: Path) -> None:
    async with await Timeline.open(db) as store:
        incident = await store.start_incident("x", 2, ME)
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA journal_mode = DELETE")  # leave no -wal/-shm behind
    conn.close()
    async with await Timeline.open(db) as store:
        mode = await store._db.execute_fetchall("PRAGMA journal_mode")
        assert next(iter(mode))[0] == "wal"  # switched back on open
        # SQLITE_READONLY is what a read-only file or mount gives; query_only gives the same.
        await store._db.execute("PRAGMA query_only = ON")
        with pytest.raises(TimelineWriteError, match="read-only"):
            await store.add_note(incident.id, "will it save?", ME)
        await store._db.execute("PRAGMA query_only = OFF")
        assert await store.count_events() == 1


async def test_blank_notes_and_titles_are_refused(db: Path) -> None:
    async with await Timeline.open(db) as store:
        with pytest.raises(ValueError):
            await store.start_incident("  ", 2, ME)
        incident = await store.start_incident("x", 2, ME)
        with pytest.raises(ValueError):
            await store.add_note(incident.id, " \n ", ME)
        with pytest.raises(ValueError, match="severity"):
            await store.start_incident("y", 7, ME)


def test_default_actor_is_user_at_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("USER", "dana")
    assert default_actor(host="pager-laptop") == "dana@pager-laptop"
    assert default_actor("erin", "box") == "erin@box"
    assert default_actor().startswith("dana@")


async def test_locked_by_another_process_raises_write_error(
    db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("cockpit.incident.store.BUSY_TIMEOUT_MS", 100)
    async with await Timeline.open(db) as store:
        incident = await store.start_incident("x", 2, ME)
        other = sqlite3.connect(db, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the lock and does not let go
        try:
            with pytest.raises(TimelineWriteError, match="locked") as info:
                await store.add_note(incident.id, "blocked", ME)
            assert "nothing was written" in str(info.value)
        finally:
            other.execute("ROLLBACK")
            other.close()
        await store.add_note(incident.id, "after the lock was released", ME)
        assert await store.count_events() == 2
