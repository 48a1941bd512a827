"""Every way the timeline store writes, with the durability the store's docstring promises.

Shared by the in-process test (the `synchronous` level each write leaves on the connection) and
the writer process run under the power-cut shim (which file each write fsyncs before it returns).
Run as a script, it performs every path against DB and appends "begin NAME" / "end NAME" lines
to the shim's log around each call.
"""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from cockpit.core.records import Event, EventKind
from cockpit.incident.store import Timeline


@dataclass
class Scratch:
    """What earlier paths created, for later ones to act on."""

    incident_id: str = ""
    note_ids: list[str] = field(default_factory=list)


async def _start(store: Timeline, s: Scratch) -> None:
    s.incident_id = (await store.start_incident("disk full on db-1", 2, "ana@laptop")).id


async def _note(store: Timeline, s: Scratch) -> None:
    event = await store.add_note(s.incident_id, "freed 20 GB of old WAL", "ana@laptop")
    s.note_ids.append(event.uuid)


async def _kind(kind: EventKind, store: Timeline, s: Scratch) -> None:
    await store.add_event(s.incident_id, kind, f"a {kind.value} event", "cockpit", "test")


async def _status(store: Timeline, s: Scratch) -> None:
    await store.set_status(s.incident_id, "mitigated", "ana@laptop")


async def _severity(store: Timeline, s: Scratch) -> None:
    await store.set_severity(s.incident_id, 1, "ana@laptop")


async def _role(store: Timeline, s: Scratch) -> None:
    await store.assign_role(s.incident_id, "commander", "ana", "ana@laptop")


async def _edit(store: Timeline, s: Scratch) -> None:
    event = await store.edit_event(s.note_ids[-1], "freed 25 GB of old WAL", "ana@laptop")
    s.note_ids.append(event.uuid)


async def _pin(store: Timeline, s: Scratch) -> None:
    await store.pin(s.note_ids[-1])


async def _delete(store: Timeline, s: Scratch) -> None:
    await store.delete_event(s.note_ids[-1], "ana@laptop")


async def _import(store: Timeline, s: Scratch) -> None:
    now = datetime.now(UTC)
    event = Event(str(uuid.uuid4()), s.incident_id, now, now, EventKind.NOTE, "bo", "import", "hi")
    assert await store.import_events([event]) == (1, 0)


Path = tuple[str, bool, Callable[[Timeline, Scratch], Awaitable[None]]]


def _of(kind: EventKind) -> Callable[[Timeline, Scratch], Awaitable[None]]:
    async def write(store: Timeline, s: Scratch) -> None:
        await _kind(kind, store, s)

    return write


# (name, fsynced before it returns?, the call). Machine events are the documented exception.
WRITE_PATHS: list[Path] = [
    ("start_incident", True, _start),
    ("add_note", True, _note),
    ("add_event action", True, _of(EventKind.ACTION)),
    ("add_event status", True, _of(EventKind.STATUS)),
    ("set_status", True, _status),
    ("set_severity", True, _severity),
    ("assign_role", True, _role),
    ("edit_event", True, _edit),
    ("pin", True, _pin),
    ("delete_event", True, _delete),
    ("import_events", True, _import),
    ("add_event alert", False, _of(EventKind.ALERT)),
    ("add_event slo", False, _of(EventKind.SLO)),
    ("add_event system", False, _of(EventKind.SYSTEM)),
]


async def _main(db: str, log: str) -> None:
    def mark(line: str) -> None:
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        try:
            os.write(fd, f"{line}\n".encode())
        finally:
            os.close(fd)

    scratch = Scratch()
    async with await Timeline.open(db) as store:
        for name, _, write in WRITE_PATHS:
            mark(f"begin {name}")
            await write(store, scratch)
            mark(f"end {name}")


if __name__ == "__main__":
    asyncio.run(_main(sys.argv[1], sys.argv[2]))
