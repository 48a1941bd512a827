"""Shared screens and small terminals: presenter view, themes, NO_COLOR, rebinding, strips."""

from __future__ import annotations

import fcntl
import os
import re
import select
import sqlite3
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest
from textual.binding import Binding

from cockpit.app.cockpit_app import CockpitApp
from cockpit.config.keymap import BINDING_IDS
from cockpit.config.schema import demo_config
from cockpit.runtime.wiring import Runtime
from cockpit.screens.actions import HistoryScreen
from cockpit.screens.help import HelpScreen
from cockpit.screens.incident_forms import NoteForm
from cockpit.screens.presenter import PresenterScreen
from cockpit.sources.demo.simulation import DemoWorld
from tests.conftest import FakeClock
from tests.support.screen_text import screen_lines, screen_text, wait_for
from tests.support.workers import sources_ready, timeline_ready


def demo(clock: FakeClock, tmp_path: Path, **flags: object) -> CockpitApp:
    return CockpitApp(Runtime.for_demo(clock=clock, db=tmp_path / "t.db", **flags))


async def test_presenter_view_fits_80x24_with_the_five_numbers_and_the_timeline(
    clock: FakeClock, tmp_path: Path
) -> None:
    app = demo(clock, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await timeline_ready(pilot, app)
        await wait_for(pilot, lambda: "CRIT" in screen_text(app))
        await pilot.press("z")
        # The newest entries: the alerts already firing, recorded on the cockpit's first look.
        await wait_for(pilot, lambda: "Alert firing: CheckoutHighErrorRate" in screen_text(app))
        assert isinstance(app.screen, PresenterScreen)
        text = screen_text(app)
        for title in ("Pods", "Latency", "Error rate", "Queue depth", "Backup freshness"):
            assert title in text
        assert "Alerts" not in text  # five headline numbers, nothing else competing
        assert "✗ CRIT p95" in text and "SLO < 300 ms" in text and "▲ WARN age" in text
        assert "T+" in screen_lines(app)[0]
        await pilot.press("z")
        assert not isinstance(app.screen, PresenterScreen)


async def test_theme_cycles_at_runtime(clock: FakeClock, tmp_path: Path) -> None:
    app = demo(clock, tmp_path, theme="high-contrast")
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.theme == "high-contrast"
        await pilot.press("T")
        assert app.theme == "colorblind"
        await pilot.press("T")
        assert app.theme == "cockpit-dark"


# SGR parameters that set a colour: 30-37/90-97 foreground, 40-47/100-107 background, and
# 38/48 (256-colour or true colour, followed by their own arguments).
_COLOUR_PARAMS = {*range(30, 38), *range(40, 48), *range(90, 98), *range(100, 108)}
_SGR = re.compile(rb"\x1b\[([0-9;:]*)m")


def colour_sgrs(output: bytes) -> list[bytes]:
    """The SGR escape sequences in `output` that set a foreground or background colour."""
    found = []
    for match in _SGR.finditer(output):
        params = [int(p) if p else 0 for p in re.split(rb"[;:]", match.group(1))]
        at = 0
        while at < len(params):
            param = params[at]
            if param in (38, 48) or param in _COLOUR_PARAMS:
                found.append(match.group(0))
                break
            at += 1
    return found


def demo_in_a_pty(tmp_path: Path, extra_env: dict[str, str]) -> bytes:
    """Every byte `cockpit --demo` writes to a real 80x24 pty until the dashboard shows a CRIT
    and a WARN, then `q`; the deadline only bounds a hang."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("NO_COLOR", "FORCE_COLOR", "COLUMNS", "LINES") and not k.startswith("TEXTUAL")
    }
    env.update(TERM="xterm-256color", COLORTERM="truecolor", **extra_env)
    db = tmp_path / f"pty-{len(extra_env)}.db"
    proc = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "--demo", "--db", str(db)],
        stdin=slave,
        stdout=slave,
        stderr=slave,
        env=env,
        start_new_session=True,
        close_fds=True,
    )
    os.close(slave)
    output = b""
    deadline = time.monotonic() + 120
    quit_sent = False
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([master], [], [], 1.0)
            if not ready:
                continue
            try:
                chunk = os.read(master, 65536)
            except OSError:  # EIO: the child closed the pty, it has exited
                break
            if not chunk:
                break
            output += chunk
            if not quit_sent and b"CRIT" in output and b"WARN" in output:
                os.write(master, b"q")
                quit_sent = True
        assert quit_sent, f"the dashboard never showed CRIT and WARN: {output[-2000:]!r}"
        assert proc.wait(timeout=30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
    return output


@pytest.mark.slow
def test_no_color_sends_no_colour_escape_to_the_terminal(tmp_path: Path) -> None:
    plain = demo_in_a_pty(tmp_path, {"NO_COLOR": "1"})
    assert colour_sgrs(plain) == []
    # Status is still told in words and symbols, and as video attributes (reverse, bold).
    assert "✗ CRIT".encode() in plain and "▲ WARN".encode() in plain
    assert _SGR.search(plain) is not None
    # The same run without NO_COLOR does send colour: the check above can see it.
    coloured = demo_in_a_pty(tmp_path, {})
    assert len(colour_sgrs(coloured)) > 100


async def test_keys_are_rebound_by_binding_id_and_help_shows_the_live_keys(
    clock: FakeClock, tmp_path: Path
) -> None:
    config = demo_config().model_copy(update={"keys": {"incident.note": "ctrl+n"}})
    app = CockpitApp(Runtime.build(config, demo=True, clock=clock, db=tmp_path / "t.db"))
    async with app.run_test(size=(100, 50)) as pilot:
        await timeline_ready(pilot, app)
        await pilot.press("n")
        await pilot.pause()
        assert not isinstance(app.screen, NoteForm)
        await pilot.press("ctrl+n")
        await wait_for(pilot, lambda: isinstance(app.screen, NoteForm))
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, NoteForm))
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        lines = [line.strip() for line in screen_lines(app)]
        assert any(line.startswith("│ ^n  Note") or "^n  Note" in line for line in lines)
        assert not any(" n  Note" in line for line in lines)


def _all_bindings() -> list[Binding]:
    """Every binding the cockpit declares: the app's and those of each screen and widget class
    in its packages, found by walking them, so a new screen cannot slip past the keymap."""
    import importlib
    import inspect
    import pkgutil

    import cockpit.screens
    import cockpit.widgets

    found: list[Binding] = [b for b in CockpitApp.BINDINGS if isinstance(b, Binding)]
    for package in (cockpit.screens, cockpit.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__ and "BINDINGS" in cls.__dict__:
                    found += [b for b in cls.__dict__["BINDINGS"] if isinstance(b, Binding)]
    return found


def test_every_binding_has_a_known_id() -> None:
    bindings = _all_bindings()
    assert {type(b) for b in bindings} == {Binding}
    ids = {b.id for b in bindings}
    assert None not in ids, [b.key for b in bindings if b.id is None]
    assert ids <= set(BINDING_IDS), ids - set(BINDING_IDS)
    assert set(BINDING_IDS) <= ids, set(BINDING_IDS) - ids


async def test_short_screens_fold_alerts_and_health_into_lines(
    clock: FakeClock, tmp_path: Path
) -> None:
    app = demo(clock, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "5 firing" in screen_text(app))
        strip = next(line for line in screen_lines(app) if "Alerts" in line)
        # Each line names the worst and counts the rest rather than cutting them off unsaid.
        assert "✗ CRIT 5 firing: Chec" in strip and "+4 more" in strip
        assert "Health checks ✗ ready" in strip and "+2 more" in strip
        # Rows go to the pods table: all four demo pods are visible at 80x24.
        await wait_for(pilot, lambda: screen_text(app).count("checkout-") >= 4)
    app = demo(clock, tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:
        await wait_for(pilot, lambda: "CheckoutHighErrorRate" in screen_text(app))
        text = screen_text(app)
        assert "crit CheckoutHighErrorRate" in text
        assert "✗ ready HTTP 503 since 14:02:00" in text and "✓ healthz" in text


async def test_alerts_firing_and_resolving_are_recorded(clock: FakeClock, tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    app = demo(clock, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await timeline_ready(pilot, app)
        await wait_for(pilot, lambda: app.alert_records.seen is not None)
        world = app.source_set.world if app.source_set else None
        assert isinstance(world, DemoWorld)
        assert world.rollback().ok
        clock.advance(600)  # the rollback completes and the error rate falls
        await wait_for(
            pilot,
            lambda: _rows(db, "SELECT text FROM events WHERE kind = 'alert'"),
        )
        await wait_for(
            pilot,
            lambda: any(
                "Alert resolved: CheckoutHighErrorRate" in t
                for (t,) in _rows(db, "SELECT text FROM events WHERE kind = 'alert'")
            ),
        )
    texts = [t for (t,) in _rows(db, "SELECT text FROM events WHERE kind = 'alert'")]
    # Firing once (dated at the alert's startsAt), resolved once: the record has both ends.
    assert [t for t in texts if "CheckoutHighErrorRate" in t] == [
        "Alert firing: CheckoutHighErrorRate (critical) — checkout: 66.3% of requests fail "
        "(> 5% for 2m)",
        "Alert resolved: CheckoutHighErrorRate (critical) — checkout: 66.3% of requests fail "
        "(> 5% for 2m)",
    ]


def _rows(db: Path, sql: str) -> list[tuple[str]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


async def test_cockpit_actions_are_in_the_command_palette(
    clock: FakeClock, tmp_path: Path
) -> None:
    app = demo(clock, tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await sources_ready(pilot, app)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        for title in (
            "Scale the Deployment (preview, confirm)",
            "Rollout undo: pick a revision (preview, confirm)",
            "Add a note to the incident",
            "Presenter view (large numbers for a shared screen)",
        ):
            assert title in titles
        await pilot.press("ctrl+p")
        await pilot.pause(0.2)
        await pilot.press(*"rollout undo")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
