"""Helper process for tests/integration/test_timeline_durability.py (not a test module itself).

python tests/support/timeline_writer.py notes DB INCIDENT_ID PREFIX
    add notes "PREFIX-<n>" in a loop; print each text only after add_note returned, so every
    printed line is a note the store acknowledged.
python tests/support/timeline_writer.py events DB INCIDENT_ID PREFIX COUNT
    wait for a line on stdin (the start signal), add COUNT alert events, print "done".
"""

from __future__ import annotations

import asyncio
import sys

from cockpit.core.records import EventKind
from cockpit.incident.store import Timeline


async def notes(db: str, incident_id: str, prefix: str) -> None:
    store = await Timeline.open(db)
    print("ready", flush=True)
    n = 0
    while True:
        text = f"{prefix}-{n}"
        await store.add_note(incident_id, text, "writer@test", source="test")
        # Written straight to the fd so the acknowledgement is out of the process before the
        # next note starts; a kill can then only lose unacknowledged notes.
        sys.stdout.write(text + "\n")
        sys.stdout.flush()
        n += 1


async def events(db: str, incident_id: str, prefix: str, count: int) -> None:
    store = await Timeline.open(db)
    print("ready", flush=True)
    sys.stdin.readline()
    for n in range(count):
        await store.add_event(incident_id, EventKind.ALERT, f"{prefix}-{n}", "writer@test", "test")
    await store.close()
    print("done", flush=True)


def main(argv: list[str]) -> None:
    mode = argv[1]
    if mode == "notes":
        asyncio.run(notes(argv[2], argv[3], argv[4]))
    elif mode == "events":
        asyncio.run(events(argv[2], argv[3], argv[4], int(argv[5])))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv)
