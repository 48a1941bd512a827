"""Wait on the app's own signals instead of polling its state.

The cockpit runs its background work in named workers (`cockpit/app/base.py`): writes, loads
(`load:*`) and follows. These helpers wait for the moment a test needs — the record open, the
runbooks read, nothing in flight — and return as soon as it has come, however slow the machine.
"""

from __future__ import annotations

from textual.pilot import Pilot

from cockpit.app.cockpit_app import CockpitApp
from cockpit.app.notes import NotesApp


async def settled(pilot: Pilot[None], app: CockpitApp | NotesApp) -> None:
    """No timeline write and no load in flight, and the messages they posted handled (which
    may start more loads: waited for too), so the screen shows the record as it is."""
    while True:
        await app.settle()
        await pilot.pause()
        if not app.busy:
            return


async def timeline_ready(pilot: Pilot[None], app: CockpitApp | NotesApp) -> None:
    """The timeline has been opened (or has failed to), and what opening started (the demo's
    declared incident, the first loads) has finished and is on screen."""
    await app.incident_controls.opened.wait()
    await settled(pilot, app)


async def runbooks_read(pilot: Pilot[None], app: CockpitApp) -> None:
    """The runbooks have been read (or there were none to read) and the header shows them."""
    await app.runbook_controls.read.wait()
    await settled(pilot, app)


async def sources_ready(pilot: Pilot[None], app: CockpitApp) -> None:
    """The sources are built and started (the cluster's actions are known), and what they
    started at once (backfills) has finished."""
    await app.sources_started.wait()
    await settled(pilot, app)
