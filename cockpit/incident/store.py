"""The incident timeline on local disk: one SQLite file, append-only events, full-text search.

Storage decisions, in one place:

- One file (default `platformdirs.user_data_path("incident-cockpit") / "timeline.db"`), WAL mode so
  the UI can read while a script in another terminal writes, `busy_timeout` so two writers queue
  instead of failing, foreign keys on.
- Durability: notes, actions, status changes, edits, deletions and pins are committed with
  `synchronous=FULL` — the WAL is fsynced before the call returns, so a note survives a power cut.
  Machine events (alert, slo, system) use `synchronous=NORMAL`: still safe against a crash or
  kill -9 of the process, only an OS crash can lose the newest ones, and they are cheap to write
  in bulk.
- Times are TEXT, UTC, fixed width `YYYY-MM-DDTHH:MM:SS.ffffffZ`, so text order is time order.
- Events are never updated or deleted (triggers enforce it). An edit or a deletion is a new row
  whose `supersedes` names the replaced version; the view of an incident shows only the newest
  version of each event ("heads") and hides deleted ones. The one mutable column is `pinned`, a
  display flag rather than part of the record.
- Schema changes are steps in `MIGRATIONS`; `PRAGMA user_version` counts the steps applied.
- Before anything writes, the file is checked without a chance to change it: it must be a regular
  file (a FIFO or a device would block or never end), its SQLite header is read, and `PRAGMA
  quick_check`, application id and schema version are read through an `immutable` connection
  (plain `mode=ro` leaves `-wal`/`-shm` files beside a WAL database it cannot clean up). A bad
  or too-new file raises `TimelineOpenError` and is left byte-for-byte as it was, with no new
  file beside it.
- Read commands pass `read_only_ok`: when the file, its directory or the mount is read-only they
  read through a read-only connection instead of failing (`immutable` when no `-wal` exists, so
  no `-shm` needs creating).
- A row that cannot be read (a time outside 1970..9999, data that is not a JSON object, an
  unknown kind — e.g. written by another tool) is skipped, never fatal; `unreadable` tells the
  caller which rows and why, so it can say so.
- Every event records its `origin`: NULL for events recorded in this timeline, the exporting
  timeline's id for imported ones. An import may edit or delete only imported events of the same
  incident and origin, never local ones (`import_events`).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import re
import shlex
import sqlite3
import stat
import uuid as uuid_module
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, Final, TypeVar

import aiosqlite
from platformdirs import user_data_path

from cockpit.core.records import (
    MAX_NAME,
    MAX_TEXT,
    MAX_TITLE,
    OPEN_STATUSES,
    Event,
    EventKind,
    Incident,
    IncidentStatus,
    Severity,
    format_utc,
    new_id,
    parse_utc,
    utc,
    utc_now,
)
from cockpit.core.safe_text import quoted, terminal_safe

APP_NAME: Final = "incident-cockpit"
# "Ckpt": tells our file apart from any other SQLite database someone points --db at.
APPLICATION_ID: Final = 0x436B7074
BUSY_TIMEOUT_MS: Final = 5000
SQLITE_HEADER: Final = b"SQLite format 3\x00"

# Kinds written by a person (or on a person's command): fsynced before the call returns.
DURABLE_KINDS: Final = frozenset({EventKind.NOTE, EventKind.ACTION, EventKind.STATUS})

_V1: tuple[str, ...] = (
    """
    CREATE TABLE incidents (
        id           TEXT PRIMARY KEY,
        title        TEXT NOT NULL,
        severity     TEXT NOT NULL CHECK (severity IN ('SEV1', 'SEV2', 'SEV3', 'SEV4')),
        status       TEXT NOT NULL
                     CHECK (status IN ('triage', 'active', 'mitigated', 'resolved', 'closed')),
        started_at   TEXT NOT NULL,
        mitigated_at TEXT,
        resolved_at  TEXT
    )
    """,
    """
    CREATE TABLE roles (
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        role        TEXT NOT NULL,
        person      TEXT NOT NULL,
        assigned_at TEXT NOT NULL,
        PRIMARY KEY (incident_id, role)
    )
    """,
    """
    CREATE TABLE events (
        seq         INTEGER PRIMARY KEY,
        uuid        TEXT NOT NULL UNIQUE,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        occurred_at TEXT NOT NULL,
        recorded_at TEXT NOT NULL,
        kind        TEXT NOT NULL
                    CHECK (kind IN ('note', 'action', 'alert', 'slo', 'status', 'system')),
        actor       TEXT NOT NULL,
        source      TEXT NOT NULL,
        text        TEXT NOT NULL,
        data        TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
        pinned      INTEGER NOT NULL DEFAULT 0 CHECK (pinned IN (0, 1)),
        supersedes  TEXT REFERENCES events(uuid),
        deleted     INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1))
    )
    """,
    "CREATE INDEX events_by_time ON events (incident_id, occurred_at, recorded_at)",
    "CREATE INDEX events_by_supersedes ON events (supersedes) WHERE supersedes IS NOT NULL",
    """
    CREATE TRIGGER events_append_only
    BEFORE UPDATE OF seq, uuid, incident_id, occurred_at, recorded_at, kind, actor, source, text,
                     data, supersedes, deleted ON events
    BEGIN
        SELECT RAISE(ABORT, 'timeline events are append-only: write a superseding event');
    END
    """,
    """
    CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN
        SELECT RAISE(ABORT, 'timeline events are append-only: write a superseding event');
    END
    """,
    """
    CREATE VIRTUAL TABLE events_fts USING fts5(
        text, content='events', content_rowid='seq',
        tokenize='porter unicode61 remove_diacritics 2'
    )
    """,
    """
    CREATE TRIGGER events_fts_insert AFTER INSERT ON events
    BEGIN
        INSERT INTO events_fts (rowid, text) VALUES (new.seq, new.text);
    END
    """,
    # Unreachable while events_no_delete exists; kept so a future migration that purges an
    # incident cannot leave the index pointing at missing rows.
    """
    CREATE TRIGGER events_fts_delete AFTER DELETE ON events
    BEGIN
        INSERT INTO events_fts (events_fts, rowid, text) VALUES ('delete', old.seq, old.text);
    END
    """,
)

_EVENT_FIELDS = (
    "seq, uuid, incident_id, occurred_at, recorded_at, kind, actor, source, text, data, "
    "supersedes, deleted"
)

# Origins, and the timeline's own id that exports write as the origin of local events.
_V2: tuple[str, ...] = (
    """
    ALTER TABLE events ADD COLUMN origin TEXT
        CHECK (origin IS NULL OR (length(origin) = 32 AND origin NOT GLOB '*[^0-9a-f]*'))
    """,
    # The append-only trigger names its columns: recreated so that `origin` is covered too.
    "DROP TRIGGER events_append_only",
    f"""
    CREATE TRIGGER events_append_only
    BEFORE UPDATE OF {_EVENT_FIELDS}, origin ON events
    BEGIN
        SELECT RAISE(ABORT, 'timeline events are append-only: write a superseding event');
    END
    """,
    "CREATE TABLE timeline_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID",
    "INSERT INTO timeline_meta (key, value) VALUES ('timeline_id', lower(hex(randomblob(16))))",
    """
    CREATE TRIGGER timeline_meta_fixed BEFORE UPDATE ON timeline_meta
    BEGIN
        SELECT RAISE(ABORT, 'the timeline id never changes');
    END
    """,
)

# Append a step to add a schema change; never edit a step that has shipped.
MIGRATIONS: Final[tuple[tuple[str, ...], ...]] = (_V1, _V2)
SCHEMA_VERSION: Final = len(MIGRATIONS)

# SQLite primary result codes this module tells apart.
_BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT, _FULL, _CANTOPEN, _NOTADB = 5, 6, 8, 10, 11, 13, 14, 26
_READONLY_RECOVERY, _READONLY_ROLLBACK = 264, 776


class TimelineError(Exception):
    """Anything the timeline wants to tell a person; the message is one readable line."""


class TimelineOpenError(TimelineError):
    """The file is not a timeline this version can use (corrupt, foreign or newer). Untouched."""


class TimelineWriteError(TimelineError):
    """Nothing was written: disk full, read-only, locked or I/O error. Retrying may work."""


class IncidentNotFound(TimelineError):
    pass


class AmbiguousIncident(TimelineError):
    pass


class EventNotFound(TimelineError):
    pass


class StaleEventError(TimelineError):
    """The event was already edited or deleted; act on its newest version instead."""


class ImportRefused(TimelineError):
    """An import broke a rule of the record; nothing of it was written."""


class RecordTooLong(TimelineError, ValueError):
    """A title, text or name over the length a timeline keeps (see `cockpit.core.records`)."""


def default_path() -> Path:
    return user_data_path(APP_NAME) / "timeline.db"


def move_aside_hint(path: Path, now: datetime | None = None) -> str:
    stamp = (now or utc_now()).strftime("%Y%m%d-%H%M%S")
    src = shlex.quote(str(path))
    dst = shlex.quote(f"{path}.bad-{stamp}")
    return f"mv {src} {dst}"


def _primary(error: sqlite3.Error) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return None if code is None else code & 0xFF


def _corrupt(path: Path, detail: str) -> TimelineOpenError:
    return TimelineOpenError(
        f"{path} is not a usable incident timeline ({detail}). The file was not modified. "
        f"Move it aside to start a new timeline: {move_aside_hint(path)}"
    )


def _write_error(path: Path, error: BaseException, doing: str = "save to") -> TimelineError:
    if not isinstance(error, sqlite3.Error):
        return TimelineWriteError(f"could not {doing} {path}: {error}; nothing was written")
    code = _primary(error)
    if code in (_CORRUPT, _NOTADB):
        return _corrupt(path, f"SQLite says: {error}")
    reasons = {
        _FULL: "the disk is full — free some space and retry",
        _READONLY: "the file or its directory is read-only",
        _BUSY: f"another process kept it locked for {BUSY_TIMEOUT_MS / 1000:g} s — retry",
        _LOCKED: "it is locked by another connection — retry",
        _IOERR: "the disk reported an I/O error",
        _CANTOPEN: "the file cannot be opened or created — is its directory writable?",
    }
    reason = reasons.get(code, str(error)) if code is not None else str(error)
    return TimelineWriteError(f"could not {doing} {path}: {reason}; nothing was written")


def _beside(path: Path, suffix: str) -> Path:
    return path.with_name(path.name + suffix)


def _ro_uri(path: Path) -> str:
    """A read-only URI that creates no file beside `path`.

    Without a `-wal` or `-journal` beside it nobody is writing (our files are in WAL mode, whose
    writers keep a `-wal`), so `immutable` is safe and needs no `-shm`; plain `mode=ro` on a WAL
    database would create `-wal` and `-shm` that a read-only connection cannot remove again.
    With a `-wal` present, `mode=ro` reads it (it holds the newest commits)."""
    # as_uri percent-encodes the path, so '?' or '#' in a directory name cannot smuggle options.
    uri = path.resolve().as_uri() + "?mode=ro"
    if not _beside(path, "-wal").exists() and not _beside(path, "-journal").exists():
        uri += "&immutable=1"
    return uri


def _regular_file(path: Path) -> bool:
    """False when `path` does not exist; raises for anything that is not a regular file.

    Checked with stat before any open: opening a FIFO blocks until a writer appears, and
    /dev/zero reads forever."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return False
    except OSError as error:
        raise TimelineWriteError(f"cannot read {path}: {error.strerror}") from None
    if stat.S_ISDIR(info.st_mode):
        raise TimelineOpenError(f"{path} is a directory, not a timeline file; pass a file path")
    if not stat.S_ISREG(info.st_mode):
        raise TimelineOpenError(
            f"{path} is not a regular file (a FIFO, device or socket), so it cannot be a "
            "timeline; pass the path of a timeline file"
        )
    return True


def _read_header(path: Path) -> bytes:
    # O_NONBLOCK: should the path have become a FIFO since the stat, the open does not wait.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        raise TimelineWriteError(f"cannot read {path}: {error.strerror}") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise TimelineOpenError(f"{path} is not a regular file, so it cannot be a timeline")
        return os.read(fd, 100)
    except OSError as error:
        raise TimelineWriteError(f"cannot read {path}: {error.strerror}") from None
    finally:
        os.close(fd)


def _preflight(path: Path) -> None:
    """Check an existing file without any way of changing it; raise before anything writes."""
    if not _regular_file(path):
        return
    header = _read_header(path)
    if not header:
        return  # an empty file is an empty database to SQLite: nothing to protect yet
    if not header.startswith(SQLITE_HEADER):
        raise _corrupt(path, "it is not an SQLite database: the file header is wrong")
    try:
        conn = sqlite3.connect(_ro_uri(path), uri=True, timeout=BUSY_TIMEOUT_MS / 1000)
    except sqlite3.Error as error:
        raise _write_error(path, error, "open") from None
    try:
        check = conn.execute("PRAGMA quick_check(3)").fetchall()
        problems = [str(row[0]) for row in check if row[0] != "ok"]
        if problems:
            raise _corrupt(path, "integrity check failed: " + "; ".join(problems)[:200])
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        objects = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
    except sqlite3.Error as error:
        code = getattr(error, "sqlite_errorcode", None)
        if code in (_READONLY_RECOVERY, _READONLY_ROLLBACK):
            # A crashed writer left a journal that only a writer may replay; that replay is
            # SQLite's own recovery, not us modifying the file, so let the real open do it.
            return
        if _primary(error) in (_CORRUPT, _NOTADB):
            raise _corrupt(path, f"SQLite says: {error}") from None
        raise _write_error(path, error, "read") from None
    finally:
        conn.close()
    if app_id not in (0, APPLICATION_ID) or (app_id == 0 and version == 0 and objects > 0):
        raise _corrupt(path, "it is another program's SQLite database, not a timeline")
    if version > SCHEMA_VERSION:
        raise TimelineOpenError(
            f"{path} was written by a newer incident-cockpit (schema {version}; this version "
            f"knows up to {SCHEMA_VERSION}). Upgrade incident-cockpit; the file was not modified. "
            f"To start a new timeline with this version instead: {move_aside_hint(path)}"
        )


def _checked_target(path: str | Path | None) -> Path:
    """The file to open, checked read-only, with its directory created."""
    target = Path(path).expanduser() if path is not None else default_path()
    _preflight(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise TimelineWriteError(
            f"cannot create the directory for {target}: {error.strerror}"
        ) from None
    return target


def _fts_query(search: str) -> str | None:
    """User text as an FTS5 query that cannot be misread as syntax: every word becomes a quoted
    prefix phrase (so `AND`, `NEAR(`, `col:` and stray quotes are just words), words are ANDed."""
    phrases = []
    for word in search.split():
        if not re.search(r"\w", word):
            continue  # punctuation alone indexes to nothing and would match nothing
        phrases.append('"' + word.replace('"', '""') + '"*')
    return " ".join(phrases) if phrases else None


def _json(data: Mapping[str, Any] | None) -> str:
    # default=str: a datetime or Path in automatic event data must never stop a save.
    return json.dumps(dict(data or {}), sort_keys=True, ensure_ascii=False, default=str)


def _column(row: sqlite3.Row, name: str) -> str:
    value = row[name]
    if not isinstance(value, str):
        kind = "empty" if value is None else type(value).__name__
        raise ValueError(f"{name} is {kind}, not text")
    return value


def _event_from_row(row: sqlite3.Row) -> Event:
    """One stored event; ValueError (or RecursionError for absurd data) when the row is bad."""
    data = json.loads(_column(row, "data"))
    if not isinstance(data, dict):
        raise ValueError("data is not a JSON object")
    origin = row["origin"] if "origin" in row.keys() else None  # noqa: SIM118 (sqlite3.Row)
    return Event(
        uuid=_column(row, "uuid"),
        incident_id=_column(row, "incident_id"),
        occurred_at=parse_utc(_column(row, "occurred_at")),
        recorded_at=parse_utc(_column(row, "recorded_at")),
        kind=EventKind(_column(row, "kind")),
        actor=_column(row, "actor"),
        source=_column(row, "source"),
        text=_column(row, "text"),
        data=data,
        pinned=bool(row["pinned"]),
        supersedes=row["supersedes"] if isinstance(row["supersedes"], str) else None,
        deleted=bool(row["deleted"]),
        origin=origin if isinstance(origin, str) else None,
    )


def _incident_from_row(row: sqlite3.Row, roles: Mapping[str, str]) -> Incident:
    return Incident(
        id=_column(row, "id"),
        title=_column(row, "title"),
        severity=Severity(_column(row, "severity")),
        status=IncidentStatus(_column(row, "status")),
        started_at=parse_utc(_column(row, "started_at")),
        mitigated_at=_maybe_time(row["mitigated_at"]),
        resolved_at=_maybe_time(row["resolved_at"]),
        roles=roles,
    )


# What a bad row can raise while decoded: never more than "skip it and say so".
_ROW_ERRORS = (ValueError, TypeError, KeyError, IndexError, RecursionError, OverflowError)

T = TypeVar("T")


def _opt_time(value: datetime | None) -> str | None:
    return None if value is None else format_utc(value)


def _maybe_time(text: object) -> datetime | None:
    if text is None:
        return None
    if not isinstance(text, str):
        raise ValueError(f"a time column holds {type(text).__name__}, not text")
    return parse_utc(text)


_EVENT_COLUMNS = (
    "uuid, incident_id, occurred_at, recorded_at, kind, actor, source, text, data, pinned, "
    "supersedes, deleted, origin"
)
_INSERT_EVENT = (
    f"INSERT INTO events ({_EVENT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "ON CONFLICT (uuid) DO NOTHING"
)
# Imported events may not be dated later than this after the import: an export cannot hold
# tomorrow's events, and far-future ones would sit below every local event in every view.
IMPORT_CLOCK_SKEW: Final = timedelta(days=1)
_CHUNK = 500  # uuids per IN (...) query, well under SQLite's bound-parameter limit
FULL_ID_LENGTH: Final = 32
SHORT_ID_LENGTH: Final = 8
_HEAD = "NOT EXISTS (SELECT 1 FROM events AS s WHERE s.supersedes = e.uuid)"


def _event_params(event: Event) -> tuple[Any, ...]:
    return (
        event.uuid,
        event.incident_id,
        format_utc(event.occurred_at),
        format_utc(event.recorded_at),
        event.kind.value,
        event.actor,
        event.source,
        event.text,
        _json(event.data),
        int(event.pinned),
        event.supersedes,
        int(event.deleted),
        event.origin,
    )


def unique_prefixes(ids: Iterable[str]) -> dict[str, str]:
    """For each id the shortest prefix (at least 8 characters) that no other id shares, so that
    a short id on screen always names one incident."""
    ordered = sorted(set(ids))
    # In sorted order the longest prefix an id shares is with one of its two neighbours.
    shared = [0] * len(ordered)
    for n in range(1, len(ordered)):
        common = _common_length(ordered[n - 1], ordered[n])
        shared[n - 1] = max(shared[n - 1], common)
        shared[n] = max(shared[n], common)
    return {value: value[: max(SHORT_ID_LENGTH, shared[n] + 1)] for n, value in enumerate(ordered)}


def _common_length(a: str, b: str) -> int:
    n = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        n += 1
    return n


def _check_text(text: str, actor: str, source: str) -> None:
    """What any writer must hold to: lengths an export can carry, and text SQLite can store
    (invalid UTF-8 from argv or stdin arrives as lone surrogates)."""
    if len(text) > MAX_TEXT:
        raise RecordTooLong(f"an event text is limited to {MAX_TEXT:,} characters")
    for name, value in (("text", text), ("actor", actor), ("source", source)):
        if name != "text" and len(value) > MAX_NAME:
            raise RecordTooLong(f"an event {name} is limited to {MAX_NAME} characters")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(
                f"the {name} is not valid UTF-8 text (at character {error.start + 1}); "
                "nothing was written"
            ) from None


class Timeline:
    """The timeline store. Open with `await Timeline.open(path)`; use as `async with`.

    One `Timeline` serialises its own calls (an asyncio lock), so the UI can fire a note and an
    automatic event at once; other processes are serialised by SQLite's locks.
    """

    def __init__(self, db: aiosqlite.Connection, path: Path, clock: Callable[[], datetime]) -> None:
        self._db = db
        self.path = path
        self._clock = clock
        self._lock = asyncio.Lock()
        self._synchronous: str | None = None
        self._schema = SCHEMA_VERSION
        self.read_only = False
        # Rows skipped because they cannot be read: "event <uuid>" -> why. Kept for the life
        # of the connection so a command can report them once at the end.
        self.unreadable: dict[str, str] = {}

    # -- lifecycle -------------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        path: str | Path | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        read_only_ok: bool = False,
    ) -> Timeline:
        """Open (creating or migrating) the timeline. With `read_only_ok` — for callers that only
        read — a file that cannot be opened for writing (read-only file, directory or mount) is
        opened read-only instead; writes then fail with `TimelineWriteError`."""
        target = await asyncio.to_thread(_checked_target, path)
        try:
            return await cls._open_writable(target, clock or utc_now)
        except TimelineWriteError:
            if not read_only_ok:
                raise
            return await cls._open_read_only(target, clock or utc_now)

    @classmethod
    async def _open_writable(cls, target: Path, clock: Callable[[], datetime]) -> Timeline:
        try:
            db = await aiosqlite.connect(target, isolation_level=None)
        except sqlite3.Error as error:
            raise _write_error(target, error, "open") from None
        db.row_factory = sqlite3.Row
        store = cls(db, target, clock)
        try:
            await store._prepare()
        except BaseException as error:
            await db.close()
            if isinstance(error, sqlite3.Error):
                raise _write_error(target, error, "open") from None
            raise
        return store

    @classmethod
    async def _open_read_only(cls, target: Path, clock: Callable[[], datetime]) -> Timeline:
        if not await asyncio.to_thread(target.exists):
            raise TimelineWriteError(
                f"there is no timeline at {target} yet, and it cannot be created there "
                "(read-only file system or directory)"
            )
        try:
            db = await aiosqlite.connect(_ro_uri(target), uri=True, isolation_level=None)
        except sqlite3.Error as error:
            raise _write_error(target, error, "open") from None
        db.row_factory = sqlite3.Row
        store = cls(db, target, clock)
        store.read_only = True
        try:
            await db.execute("PRAGMA query_only = ON")
            version = await store._scalar("PRAGMA user_version")
        except sqlite3.Error as error:
            await db.close()
            raise _write_error(target, error, "read") from None
        if not version:
            await db.close()
            raise TimelineWriteError(
                f"{target} is an empty timeline that cannot be set up: it is read-only"
            )
        # An older schema is read as it is: the queries below cope with what V1 lacks.
        store._schema = int(version)
        return store

    async def _prepare(self) -> None:
        db = self._db
        await db.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        await db.execute("PRAGMA foreign_keys = ON")
        # Every open, not only at creation: a file someone switched back to a rollback journal
        # (sqlite3 shell, a restore) would otherwise block readers while a note is written.
        mode = await self._scalar("PRAGMA journal_mode = WAL")
        if str(mode).lower() != "wal":
            raise TimelineWriteError(
                f"cannot use {self.path}: SQLite could not switch it to WAL mode (got {mode}); "
                "is it on a network file system?"
            )
        version = await self._scalar("PRAGMA user_version")
        if version == SCHEMA_VERSION:
            await self._set_synchronous("FULL")
            return
        await self._set_synchronous("FULL")
        await db.execute("BEGIN IMMEDIATE")
        try:
            # Read again under the write lock: another process may have migrated meanwhile.
            version = await self._scalar("PRAGMA user_version")
            if version > SCHEMA_VERSION:
                raise TimelineOpenError(
                    f"{self.path} was upgraded by a newer incident-cockpit while opening "
                    f"(schema {version}); upgrade incident-cockpit"
                )
            for step in MIGRATIONS[version:]:
                for statement in step:
                    await db.execute(statement)
            # Integers from this module, not user input: PRAGMAs take no bound parameters.
            await db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            await db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            await db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                await db.rollback()
            raise

    async def close(self) -> None:
        async with self._lock:
            await self._db.close()

    async def __aenter__(self) -> Timeline:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- plumbing --------------------------------------------------------------------------

    async def _scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = await self._db.execute_fetchall(sql, params)
        rows = list(rows)
        return rows[0][0] if rows else None

    async def _set_synchronous(self, level: str) -> None:
        # Only outside a transaction, and only when it changes: each PRAGMA is a thread hop.
        if self._synchronous != level:
            await self._db.execute(f"PRAGMA synchronous = {level}")
            self._synchronous = level

    @asynccontextmanager
    async def _write(self, durable: bool = True) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction: all of it commits, or none of it (errors become
        `TimelineWriteError`). With `durable`, the commit is fsynced before this returns."""
        async with self._lock:
            db = self._db
            try:
                await self._set_synchronous("FULL" if durable else "NORMAL")
                # IMMEDIATE takes the write lock up front, so the busy timeout covers waiting
                # for another process instead of failing half-way through.
                await db.execute("BEGIN IMMEDIATE")
                yield db
                await db.execute("COMMIT")
            except BaseException as error:
                if db.in_transaction:
                    # SQLite may already have rolled back by itself (e.g. on SQLITE_FULL).
                    with contextlib.suppress(sqlite3.Error):
                        await db.rollback()
                if isinstance(error, sqlite3.IntegrityError):
                    raise TimelineError(f"refused by the timeline: {error}") from None
                if isinstance(error, sqlite3.Error):
                    raise _write_error(self.path, error) from None
                raise

    async def _write_one(self, sql: str, params: Sequence[Any], durable: bool = True) -> None:
        """A single-statement write in autocommit mode: the statement (with its triggers) is its
        own transaction, committed when it returns — one thread hop instead of three."""
        async with self._lock:
            try:
                await self._set_synchronous("FULL" if durable else "NORMAL")
                await self._db.execute(sql, params)
            except sqlite3.IntegrityError as error:
                raise TimelineError(f"refused by the timeline: {error}") from None
            except sqlite3.Error as error:
                raise _write_error(self.path, error) from None

    async def _read(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._lock:
            try:
                return list(await self._db.execute_fetchall(sql, params))
            except sqlite3.Error as error:
                if _primary(error) in (_CORRUPT, _NOTADB):
                    raise _corrupt(self.path, f"SQLite says: {error}") from None
                raise TimelineError(f"could not read {self.path}: {error}") from None

    def _now(self) -> datetime:
        return utc(self._clock())

    async def _insert_event(self, db: aiosqlite.Connection, event: Event) -> None:
        await db.execute(_INSERT_EVENT, _event_params(event))

    def _make_event(
        self,
        incident_id: str,
        kind: EventKind | str,
        text: str,
        actor: str,
        source: str,
        data: Mapping[str, Any] | None = None,
        occurred_at: datetime | None = None,
        **extra: Any,
    ) -> Event:
        _check_text(text, actor, source)
        now = self._now()
        return Event(
            uuid=str(uuid_module.uuid4()),
            incident_id=incident_id,
            occurred_at=utc(occurred_at) if occurred_at is not None else now,
            recorded_at=now,
            kind=EventKind.parse(kind),
            actor=actor,
            source=source,
            text=text,
            data=dict(data or {}),
            **extra,
        )

    # -- incidents -------------------------------------------------------------------------

    async def start_incident(
        self,
        title: str,
        severity: Severity | str | int,
        actor: str,
        *,
        source: str = "cockpit",
        status: IncidentStatus | str = IncidentStatus.ACTIVE,
        started_at: datetime | None = None,
    ) -> Incident:
        title = title.strip()
        if not title:
            raise ValueError("an incident needs a title")
        if len(title) > MAX_TITLE:
            raise RecordTooLong(f"an incident title is limited to {MAX_TITLE} characters")
        now = self._now()
        incident = Incident(
            id=new_id(),
            title=title,
            severity=Severity.parse(severity),
            status=IncidentStatus.parse(status),
            started_at=started_at if started_at is not None else now,
        )
        event = self._make_event(
            incident.id,
            EventKind.STATUS,
            f"Incident declared: {title} ({incident.severity.value}, {incident.status.value})",
            actor,
            source,
            {
                "change": "declared",
                "severity": incident.severity.value,
                "status": incident.status.value,
            },
            occurred_at=incident.started_at,
        )
        async with self._write() as db:
            await db.execute(
                "INSERT INTO incidents (id, title, severity, status, started_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (
                    incident.id,
                    incident.title,
                    incident.severity.value,
                    incident.status.value,
                    format_utc(incident.started_at),
                ),
            )
            await self._insert_event(db, event)
        return incident

    def _decoded(self, key: str, row: sqlite3.Row, decode: Callable[[sqlite3.Row], T]) -> T | None:
        try:
            return decode(row)
        except _ROW_ERRORS as error:
            reason = str(error).splitlines()[0][:200] if str(error) else type(error).__name__
            self.unreadable[key] = reason
            return None

    def unreadable_summary(self) -> str | None:
        """One line for a person: how many rows were skipped and why, or None."""
        if not self.unreadable:
            return None
        kinds = {key.split(" ", 1)[0] for key in self.unreadable}
        noun = kinds.pop() if len(kinds) == 1 else "row"
        count = len(self.unreadable)
        first_key, first_reason = next(iter(self.unreadable.items()))
        more = f" (and {count - 1} more)" if count > 1 else ""
        return (
            f"{count} unreadable {noun}{'' if count == 1 else 's'} skipped: "
            f"{first_key}: {first_reason}{more}"
        )

    async def _incidents(self, where: str = "", params: Sequence[Any] = ()) -> list[Incident]:
        rows = await self._read(
            f"SELECT * FROM incidents {where} ORDER BY started_at DESC, id", params
        )
        if not rows:
            return []
        role_rows = await self._read("SELECT incident_id, role, person FROM roles ORDER BY role")
        roles: dict[str, dict[str, str]] = {}
        for r in role_rows:
            if all(isinstance(r[k], str) for k in ("incident_id", "role", "person")):
                roles.setdefault(r["incident_id"], {})[r["role"]] = r["person"]
        found = []
        for row in rows:
            key = f"incident {row['id']}" if isinstance(row["id"], str) else "incident ?"
            incident = self._decoded(
                key, row, lambda r: _incident_from_row(r, roles.get(r["id"], {}))
            )
            if incident is not None:
                found.append(incident)
        return found

    async def short_ids(self) -> dict[str, str]:
        """Every incident id -> the prefix to show for it (8 characters unless two share them)."""
        rows = await self._read("SELECT id FROM incidents")
        return unique_prefixes(r[0] for r in rows if isinstance(r[0], str))

    async def list_incidents(self) -> list[Incident]:
        """All incidents, newest first."""
        return await self._incidents()

    async def open_incidents(self) -> list[Incident]:
        """Incidents in triage, active or mitigated, newest first."""
        statuses = sorted(s.value for s in OPEN_STATUSES)
        marks = ", ".join("?" for _ in statuses)
        return await self._incidents(f"WHERE status IN ({marks})", statuses)

    async def get_incident(self, id_or_prefix: str) -> Incident:
        """The incident whose id is, or starts with, `id_or_prefix` (like a short git hash).

        A prefix that two incidents share is refused with both named: a note must never land
        in the wrong incident. A full-length id always means that incident."""
        key = id_or_prefix.strip().lower()
        if not key:
            raise IncidentNotFound("no incident id given")
        rows = await self._read(
            "SELECT id FROM incidents WHERE substr(id, 1, ?) = ? ORDER BY id", (len(key), key)
        )
        ids = [r[0] for r in rows if isinstance(r[0], str)]
        if len(ids) > 1 and key in ids and len(key) >= FULL_ID_LENGTH:
            ids = [key]
        if not ids:
            raise IncidentNotFound(f"no incident with id {quoted(id_or_prefix)} in {self.path}")
        if len(ids) > 1:
            prefixes = await self.short_ids()
            titles = {
                i.id: i.title
                for i in await self._incidents(
                    f"WHERE id IN ({', '.join('?' for _ in ids[:5])})", ids[:5]
                )
            }
            names = ", ".join(
                f"{prefixes.get(i, i)} ({terminal_safe(titles.get(i, 'unreadable'))})"
                for i in ids[:5]
            )
            raise AmbiguousIncident(
                f"{quoted(id_or_prefix)} matches {len(ids)} incidents: {names}; "
                "give more characters of the id"
            )
        found = await self._incidents("WHERE id = ?", (ids[0],))
        if not found:
            reason = self.unreadable.get(f"incident {ids[0]}", "unknown reason")
            raise TimelineError(f"incident {ids[0]} in {self.path} cannot be read: {reason}")
        return found[0]

    async def set_status(
        self,
        incident_id: str,
        status: IncidentStatus | str,
        actor: str,
        *,
        source: str = "cockpit",
        at: datetime | None = None,
    ) -> Incident:
        """Move the incident to `status`, recording a status event. Reaching mitigated stamps
        `mitigated_at`; resolved or closed stamps `resolved_at` (and `mitigated_at` if it was
        skipped). Stamps are kept on later moves so time-to-mitigate stays the first mitigation."""
        incident = await self.get_incident(incident_id)
        new = IncidentStatus.parse(status)
        if new is incident.status:
            return incident
        when = utc(at) if at is not None else self._now()
        mitigated, resolved = incident.mitigated_at, incident.resolved_at
        if new in (IncidentStatus.MITIGATED, IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
            mitigated = mitigated or when
        if new in (IncidentStatus.RESOLVED, IncidentStatus.CLOSED):
            resolved = resolved or when
        event = self._make_event(
            incident.id,
            EventKind.STATUS,
            f"Status {incident.status.value} → {new.value}",
            actor,
            source,
            {"change": "status", "from": incident.status.value, "to": new.value},
            occurred_at=when,
        )
        async with self._write() as db:
            await db.execute(
                "UPDATE incidents SET status = ?, mitigated_at = ?, resolved_at = ? WHERE id = ?",
                (new.value, _opt_time(mitigated), _opt_time(resolved), incident.id),
            )
            await self._insert_event(db, event)
        return await self.get_incident(incident.id)

    async def set_severity(
        self,
        incident_id: str,
        severity: Severity | str | int,
        actor: str,
        *,
        source: str = "cockpit",
    ) -> Incident:
        incident = await self.get_incident(incident_id)
        new = Severity.parse(severity)
        if new is incident.severity:
            return incident
        event = self._make_event(
            incident.id,
            EventKind.STATUS,
            f"Severity {incident.severity.value} → {new.value}",
            actor,
            source,
            {"change": "severity", "from": incident.severity.value, "to": new.value},
        )
        async with self._write() as db:
            await db.execute(
                "UPDATE incidents SET severity = ? WHERE id = ?", (new.value, incident.id)
            )
            await self._insert_event(db, event)
        return await self.get_incident(incident.id)

    async def assign_role(
        self,
        incident_id: str,
        role: str,
        person: str | None,
        actor: str,
        *,
        source: str = "cockpit",
    ) -> Incident:
        """Give `role` to `person`; `None` or "" takes the role away."""
        incident = await self.get_incident(incident_id)
        role = role.strip().lower()
        if not role:
            raise ValueError("a role needs a name, e.g. 'incident commander'")
        person = (person or "").strip() or None
        if len(role) > MAX_NAME or len(person or "") > MAX_NAME:
            raise RecordTooLong(f"a role and a person are limited to {MAX_NAME} characters each")
        before = incident.roles.get(role)
        if person == before:
            return incident
        text = f"{role}: {person}" if person else f"{role}: unassigned (was {before})"
        event = self._make_event(
            incident.id,
            EventKind.SYSTEM,
            text,
            actor,
            source,
            {"change": "role", "role": role, "from": before, "to": person},
        )
        async with self._write() as db:
            if person:
                await db.execute(
                    "INSERT INTO roles (incident_id, role, person, assigned_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT (incident_id, role) DO UPDATE SET "
                    "person = excluded.person, assigned_at = excluded.assigned_at",
                    (incident.id, role, person, format_utc(event.recorded_at)),
                )
            else:
                await db.execute(
                    "DELETE FROM roles WHERE incident_id = ? AND role = ?", (incident.id, role)
                )
            await self._insert_event(db, event)
        return await self.get_incident(incident.id)

    # -- events ----------------------------------------------------------------------------

    async def add_event(
        self,
        incident_id: str,
        kind: EventKind | str,
        text: str,
        actor: str,
        source: str,
        data: Mapping[str, Any] | None = None,
        occurred_at: datetime | None = None,
    ) -> Event:
        """Append one event. Committed when this returns; fsynced too for DURABLE_KINDS."""
        event = self._make_event(incident_id, kind, text, actor, source, data, occurred_at)
        await self._write_one(
            _INSERT_EVENT, _event_params(event), durable=event.kind in DURABLE_KINDS
        )
        return event

    async def add_note(
        self,
        incident_id: str,
        text: str,
        actor: str,
        source: str = "cockpit",
        data: Mapping[str, Any] | None = None,
        occurred_at: datetime | None = None,
    ) -> Event:
        """Append a note; it is committed and fsynced (synchronous=FULL) before this returns.
        On `TimelineWriteError` nothing was saved: keep the text in the input and say so."""
        if not text.strip():
            raise ValueError("a note needs some text")
        return await self.add_event(
            incident_id, EventKind.NOTE, text, actor, source, data, occurred_at
        )

    async def add_state_event(
        self,
        incident_id: str,
        kind: EventKind | str,
        text: str,
        actor: str,
        source: str,
        *,
        state_key: str,
        state: str,
        data: Mapping[str, Any] | None = None,
        occurred_at: datetime | None = None,
    ) -> Event | None:
        """Append an event that reports a state (an SLO breached or recovered, an alert firing
        or resolved) only if it changes what the incident's record already says for
        `state_key`; None when the record already says `state`, or says something newer.

        The check and the insert are one IMMEDIATE transaction, so any number of cockpits (and
        every restart of one) watching the same incident through the same file record each
        change once: the first to see it writes it, the others find it there."""
        event = self._make_event(
            incident_id,
            kind,
            text,
            actor,
            source,
            {**(data or {}), "state_key": state_key, "state": state},
            occurred_at,
        )
        async with self._write(durable=event.kind in DURABLE_KINDS) as db:
            cursor = await db.execute(
                "SELECT json_extract(data, '$.state'), occurred_at FROM events"
                " WHERE incident_id = ? AND json_extract(data, '$.state_key') = ?"
                " ORDER BY occurred_at DESC, seq DESC LIMIT 1",
                (incident_id, state_key),
            )
            row = await cursor.fetchone()
            # Already said, or older news than what the record already says (a cockpit that
            # confirms a breach late must not reopen one another cockpit saw recover).
            if row is not None and (row[0] == state or format_utc(event.occurred_at) < row[1]):
                return None
            await self._insert_event(db, event)
        return event

    async def latest_states(self, incident_id: str, prefix: str) -> dict[str, str]:
        """The newest state recorded by `add_state_event` for every key starting with
        `prefix` in one incident."""
        rows = await self._read(
            "SELECT key, json_extract(data, '$.state') AS state FROM ("
            " SELECT json_extract(data, '$.state_key') AS key, data, seq,"
            " row_number() OVER (PARTITION BY json_extract(data, '$.state_key')"
            " ORDER BY seq DESC) AS newest"
            " FROM events WHERE incident_id = ?"
            " AND substr(json_extract(data, '$.state_key'), 1, ?) = ?"
            ") WHERE newest = 1",
            (incident_id, len(prefix), prefix),
        )
        return {row["key"]: row["state"] for row in rows}

    async def _head(self, uuid: str) -> Event:
        rows = await self._read(
            f"SELECT e.*, {_HEAD} AS is_head FROM events AS e WHERE e.uuid = ?", (uuid,)
        )
        if not rows:
            raise EventNotFound(f"no event {uuid} in {self.path}")
        if not rows[0]["is_head"]:
            raise StaleEventError(f"event {uuid} was already edited or deleted; reload the view")
        event = await self.get_event(uuid)
        if event.deleted:
            raise StaleEventError(f"event {uuid} is a deletion record; it cannot be changed")
        return event

    async def _supersede(self, old: Event, text: str, actor: str, deleted: bool) -> Event:
        new = self._make_event(
            old.incident_id,
            old.kind,
            text,
            actor,
            old.source,
            old.data,
            old.occurred_at,
            pinned=old.pinned and not deleted,
            supersedes=old.uuid,
            deleted=deleted,
        )
        async with self._write() as db:
            # Re-checked under the write lock: two people editing the same note must not both
            # win silently.
            rows = await db.execute_fetchall(
                "SELECT 1 FROM events WHERE supersedes = ?", (old.uuid,)
            )
            if list(rows):
                raise StaleEventError(f"event {old.uuid} was just changed by someone else")
            await self._insert_event(db, new)
        return new

    async def edit_event(self, uuid: str, new_text: str, actor: str) -> Event:
        """Record a new version of an event; the old one stays in the history."""
        if not new_text.strip():
            raise ValueError("an edited event needs some text; delete it instead")
        return await self._supersede(await self._head(uuid), new_text, actor, deleted=False)

    async def delete_event(self, uuid: str, actor: str) -> Event:
        """Hide an event from the view by recording a deletion; the history keeps it."""
        return await self._supersede(await self._head(uuid), "", actor, deleted=True)

    async def pin(self, uuid: str, pinned: bool = True) -> Event:
        event = await self._head(uuid)
        await self._write_one("UPDATE events SET pinned = ? WHERE uuid = ?", (int(pinned), uuid))
        return dataclasses.replace(event, pinned=pinned)

    async def events(
        self,
        incident_id: str,
        kinds: Iterable[EventKind | str] | None = None,
        search: str | None = None,
        include_superseded: bool = False,
        limit: int | None = None,
        pinned_only: bool = False,
    ) -> list[Event]:
        """Events of one incident, oldest first (newest at the bottom, as the view shows them).

        By default only the newest version of each event, without deleted ones; with
        `include_superseded` every version and deletion record. `search` is plain user text
        (every word must match, as a prefix). `limit` keeps the newest `limit` events."""
        clauses = ["e.incident_id = ?"]
        params: list[Any] = [incident_id]
        if not include_superseded:
            clauses += [_HEAD, "e.deleted = 0"]
        if kinds is not None:
            wanted = sorted({EventKind.parse(k).value for k in kinds})
            if not wanted:
                return []
            clauses.append(f"e.kind IN ({', '.join('?' for _ in wanted)})")
            params += wanted
        if search is not None and search.strip():
            query = _fts_query(search)
            if query is None:
                return []
            clauses.append("e.seq IN (SELECT rowid FROM events_fts WHERE events_fts MATCH ?)")
            params.append(query)
        if pinned_only:
            clauses.append("e.pinned = 1")
        params.append(-1 if limit is None else max(0, limit))
        rows = await self._read(
            f"SELECT e.* FROM events AS e WHERE {' AND '.join(clauses)} "
            "ORDER BY e.occurred_at DESC, e.recorded_at DESC, e.seq DESC LIMIT ?",
            params,
        )
        return self._events_of(reversed(rows))

    def _events_of(self, rows: Iterable[sqlite3.Row]) -> list[Event]:
        events = []
        for row in rows:
            uuid = row["uuid"]
            key = f"event {uuid}" if isinstance(uuid, str) else f"event #{row['seq']}"
            event = self._decoded(key, row, _event_from_row)
            if event is not None:
                events.append(event)
        return events

    async def get_event(self, uuid: str) -> Event:
        rows = await self._read("SELECT * FROM events WHERE uuid = ?", (uuid,))
        events = self._events_of(rows)
        if not events:
            if rows:
                raise EventNotFound(
                    f"event {uuid} cannot be read: {self.unreadable[f'event {uuid}']}"
                )
            raise EventNotFound(f"no event {uuid} in {self.path}")
        return events[0]

    async def timeline_id(self) -> str | None:
        """This timeline's own id (what an export writes as the origin of local events); None
        on a read-only file from before ids existed."""
        if self._schema < 2:
            return None
        rows = await self._read("SELECT value FROM timeline_meta WHERE key = 'timeline_id'")
        return str(rows[0][0]) if rows else None

    async def count_events(self, incident_id: str | None = None) -> int:
        """Stored rows, every version counted (what import and the tests reason about)."""
        if incident_id is None:
            rows = await self._read("SELECT count(*) FROM events")
        else:
            rows = await self._read(
                "SELECT count(*) FROM events WHERE incident_id = ?", (incident_id,)
            )
        return int(rows[0][0])

    async def import_events(
        self, events: Iterable[Event], incident: Incident | None = None
    ) -> tuple[int, int]:
        """Merge events (e.g. another person's export); returns (added, skipped).

        Deduplicated by uuid, so importing the same file twice adds nothing. With `incident`,
        the incident is created if this timeline does not have it; an existing one keeps its
        local status and roles. All or nothing: one transaction, and any broken rule raises
        `ImportRefused` naming the event and the rule.

        History cannot be rewritten: a new event may supersede (edit or delete) only an event of
        the same incident and kind that is not a deletion record, that is new in this import or
        was imported before from the same origin — never an event recorded in this timeline.
        Self-supersedes and cycles are refused, and so are events dated more than
        `IMPORT_CLOCK_SKEW` after now. Events that carry no origin (files from before origins)
        get a new origin of their own, so they can edit nothing imported earlier."""
        batch = list(events)
        lineage = new_id()
        batch = [e if e.origin else dataclasses.replace(e, origin=lineage) for e in batch]
        index = {e.uuid: n for n, e in reversed(list(enumerate(batch)))}
        latest = self._now() + IMPORT_CLOCK_SKEW
        if incident is not None and incident.started_at > latest:
            raise ImportRefused(
                f"incident {incident.id}: started_at {format_utc(incident.started_at)} is in the "
                "future; an export cannot describe an incident that has not started"
            )
        for n, event in enumerate(batch):
            for name in ("occurred_at", "recorded_at"):
                when: datetime = getattr(event, name)
                if when > latest:
                    raise ImportRefused(
                        f"events[{n}] ({event.uuid}): {name} {format_utc(when)} is in the future; "
                        "an export cannot hold events that have not happened"
                    )
        async with self._write(durable=True) as db:
            if incident is not None:
                await self._insert_incident(db, incident)
            for incident_id in sorted({e.incident_id for e in batch}):
                found = await db.execute_fetchall(
                    "SELECT 1 FROM incidents WHERE id = ?", (incident_id,)
                )
                if not list(found):
                    raise IncidentNotFound(
                        f"cannot import events of incident {incident_id}: it is not "
                        "in this timeline and the import does not describe it"
                    )
            present = await self._stored(db, [e.uuid for e in batch])
            new: dict[str, Event] = {}
            for event in batch:
                if event.uuid not in present and event.uuid not in new:
                    new[event.uuid] = event
            targets = {e.supersedes for e in new.values() if e.supersedes}
            stored = await self._stored(db, sorted(t for t in targets if t not in new))
            for event in new.values():
                _check_supersede(event, index[event.uuid], new, stored)
            _check_no_cycles(new, index)
            # Versions may arrive before what they supersede; checked at COMMIT instead.
            await db.execute("PRAGMA defer_foreign_keys = ON")
            ordered = sorted(new.values(), key=lambda e: (e.recorded_at, e.occurred_at))
            await db.executemany(_INSERT_EVENT, [_event_params(e) for e in ordered])
        return len(new), len(batch) - len(new)

    async def _insert_incident(self, db: aiosqlite.Connection, incident: Incident) -> None:
        await db.execute(
            "INSERT INTO incidents (id, title, severity, status, started_at, "
            "mitigated_at, resolved_at) VALUES (?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (id) DO NOTHING",
            (
                incident.id,
                incident.title,
                incident.severity.value,
                incident.status.value,
                format_utc(incident.started_at),
                _opt_time(incident.mitigated_at),
                _opt_time(incident.resolved_at),
            ),
        )
        for role, person in incident.roles.items():
            await db.execute(
                "INSERT INTO roles (incident_id, role, person, assigned_at) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (incident_id, role) DO NOTHING",
                (incident.id, role, person, format_utc(incident.started_at)),
            )

    @staticmethod
    async def _stored(db: aiosqlite.Connection, uuids: Sequence[str]) -> dict[str, _Stored]:
        """What the rules need to know of the events already stored under `uuids`."""
        found: dict[str, _Stored] = {}
        for start in range(0, len(uuids), _CHUNK):
            chunk = list(uuids[start : start + _CHUNK])
            rows = await db.execute_fetchall(
                "SELECT uuid, incident_id, kind, deleted, origin FROM events "
                f"WHERE uuid IN ({', '.join('?' for _ in chunk)})",
                chunk,
            )
            for row in rows:
                found[row[0]] = _Stored(row[1], row[2], bool(row[3]), row[4])
        return found


@dataclasses.dataclass(frozen=True, slots=True)
class _Stored:
    incident_id: object
    kind: object
    deleted: bool
    origin: object  # None: recorded in this timeline


def _check_supersede(
    event: Event, n: int, new: Mapping[str, Event], stored: Mapping[str, _Stored]
) -> None:
    target = event.supersedes
    if target is None:
        if event.deleted:
            raise ImportRefused(
                f"events[{n}] ({event.uuid}) is a deletion that names no event it deletes "
                "(deleted without supersedes)"
            )
        return
    where = f"events[{n}] ({event.uuid})"
    if target == event.uuid:
        raise ImportRefused(f"{where} supersedes itself; an event can only replace another one")
    if target in new:
        other = new[target]
        incident_id, kind, deleted, origin = other.incident_id, other.kind, other.deleted, None
        from_before = False
    elif target in stored:
        row = stored[target]
        incident_id, kind, deleted, origin = row.incident_id, row.kind, row.deleted, row.origin
        from_before = True
    else:
        raise ImportRefused(
            f"{where} supersedes {target}, which is neither in the import nor in this timeline"
        )
    if incident_id != event.incident_id:
        raise ImportRefused(
            f"{where} supersedes {target}, an event of another incident ({incident_id}); an "
            "import may only edit or delete events of its own incident"
        )
    if from_before and origin is None:
        raise ImportRefused(
            f"{where} supersedes {target}, which was recorded in this timeline; an import may "
            "never edit or delete local history"
        )
    if from_before and origin != event.origin:
        raise ImportRefused(
            f"{where} supersedes {target}, which was imported from another origin ({origin}, "
            f"not {event.origin}); an import may only edit or delete events of its own lineage"
        )
    if str(kind) != event.kind.value:
        raise ImportRefused(
            f"{where} supersedes {target}, an event of kind {kind}, as a {event.kind.value}; "
            "an edit keeps the kind of the event it replaces"
        )
    if deleted:
        raise ImportRefused(
            f"{where} supersedes {target}, which is a deletion record; a deletion is final"
        )


def _check_no_cycles(new: Mapping[str, Event], index: Mapping[str, int]) -> None:
    """Supersede chains among the new events must end; a cycle would hide every member."""
    done: set[str] = set()
    for start in new:
        path: list[str] = []
        on_path: set[str] = set()
        current: str | None = start
        while current is not None and current in new and current not in done:
            if current in on_path:
                first = min(on_path, key=lambda u: index[u])
                raise ImportRefused(
                    f"events[{index[first]}] ({first}) is part of a supersede cycle of "
                    f"{len(on_path)} events; every edit must replace an older version"
                )
            on_path.add(current)
            path.append(current)
            current = new[current].supersedes
        done.update(path)


__all__ = [
    "APPLICATION_ID",
    "DURABLE_KINDS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "AmbiguousIncident",
    "EventNotFound",
    "ImportRefused",
    "IncidentNotFound",
    "RecordTooLong",
    "StaleEventError",
    "Timeline",
    "TimelineError",
    "TimelineOpenError",
    "TimelineWriteError",
    "default_path",
    "move_aside_hint",
    "unique_prefixes",
]
