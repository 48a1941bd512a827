"""A few SVG snapshots of key screens (Textual is pinned, time is frozen, the demo is seeded).

A changed snapshot is a visible change: look at the new SVG, and if it is right, refresh with
`UPDATE_SNAPSHOTS=1 bash scripts/test.sh -k snapshots`.
"""

from __future__ import annotations

import os
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from cockpit.app.cockpit_app import CockpitApp
from cockpit.runtime.wiring import Runtime
from cockpit.screens.actions import ConfirmAction, ScaleForm
from tests.conftest import FakeClock
from tests.support.screen_text import screen_text, wait_for
from tests.support.workers import runbooks_read, sources_ready, timeline_ready

SNAPSHOTS = Path(__file__).resolve().parents[1] / "support" / "snapshots"



def check(app: CockpitApp, name: str) -> None:
    svg = app.export_screenshot(title=name)
    path = SNAPSHOTS / f"{name}.svg"
    if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(svg, encoding="utf-8")
        if not os.environ.get("UPDATE_SNAPSHOTS"):
            raise AssertionError(f"new snapshot {path.name} written; check it and commit it")
        return
    assert svg == path.read_text(encoding="utf-8"), (
        f"{name} looks different; if intended, refresh with UPDATE_SNAPSHOTS=1"
    )


async def settled_demo(pilot: Pilot[None], app: CockpitApp) -> None:
    """The complete first screen: readings drawn, runbooks read (their time boxes are in the
    header), the record's phase loaded, nothing in flight. Conditions, not time: the same
    screen on a fast machine and on a loaded one."""
    await timeline_ready(pilot, app)
    await sources_ready(pilot, app)
    await wait_for(
        pilot,
        lambda: "5 firing" in screen_text(app) and screen_text(app).count("checkout-") >= 4,
    )
    await runbooks_read(pilot, app)
    await app.settle()
    await pilot.pause()


async def test_dashboard_at_80x24(clock: FakeClock, tmp_path: Path) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock, db=tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settled_demo(pilot, app)
        check(app, "dashboard_80x24")


async def test_scale_confirmation(clock: FakeClock, tmp_path: Path) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock, db=tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await settled_demo(pilot, app)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ScaleForm))
        app.screen.query_one(Input).value = "6"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await wait_for(pilot, lambda: "dry run passed" in screen_text(app))
        await app.settle()
        await pilot.pause()
        check(app, "confirm_scale")
