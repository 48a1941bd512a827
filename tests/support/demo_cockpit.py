"""The demo cockpit run headless, for tests that drive it by keys and read back its timeline."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from textual.pilot import Pilot

from cockpit.app.cockpit_app import CockpitApp
from cockpit.runtime.wiring import Runtime
from tests.conftest import FakeClock


@asynccontextmanager
async def demo_cockpit(
    clock: FakeClock, db: Path, size: tuple[int, int]
) -> AsyncIterator[tuple[CockpitApp, Pilot[None]]]:
    """The demo on `clock`, recording into `db`, on a terminal of `size` (columns, rows)."""
    app = CockpitApp(Runtime.for_demo(clock=clock, db=db))
    async with app.run_test(size=size) as pilot:
        yield app, pilot
