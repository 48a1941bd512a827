"""Dialogs do what their hints say: Enter on a form's list submits the form ("enter declares"),
and read-only mode refuses an action before any dialog, sending and recording nothing — in
the demo, against the fake API server, from a runbook step and on the command line."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from textual.screen import ModalScreen
from textual.widgets import Select

from cockpit.app.cockpit_app import CockpitApp
from cockpit.cli.main import main
from cockpit.config.schema import Config, demo_config
from cockpit.incident.store import Timeline
from cockpit.runtime.wiring import Runtime
from cockpit.screens.incident_forms import DeclareForm, StatusForm
from cockpit.screens.runbook import RunbookScreen
from tests.conftest import FakeClock
from tests.integration.test_kube_actions import web
from tests.support.fakekube import FakeKube
from tests.support.fakekube.apps import install
from tests.support.screen_text import screen_text, wait_for
from tests.support.workers import sources_ready, timeline_ready
from tests.ui.test_actions_pilot import actions_recorded, started
from tests.ui.test_runbook_pilot import highlight, notices, open_on_breach

NOTICE = "read-only: actions are refused; nothing was sent or recorded"


def rows(db: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def quiet_app(db: Path, clock: FakeClock) -> CockpitApp:
    return CockpitApp(Runtime.build(Config(), clock=clock, db=db), start_sources=False)


# ---- forms: enter does what the hint says ----------------------------------------------------


async def test_enter_on_the_severity_list_declares(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / "t.db"
    app = quiet_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await timeline_ready(pilot, app)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareForm))
        assert "enter declares" in screen_text(app)
        await pilot.press(*"checkout 5xx", "tab")
        severity = app.screen.query_one("#severity", Select)
        assert app.focused is severity
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, DeclareForm))
        assert not severity.expanded  # the list never reopened
    assert rows(db, "SELECT title, severity FROM incidents") == [("checkout 5xx", "SEV3")]


async def test_the_list_still_opens_with_space_and_its_pick_is_declared(
    tmp_path: Path, clock: FakeClock
) -> None:
    db = tmp_path / "t.db"
    app = quiet_app(db, clock)
    async with app.run_test(size=(80, 24)) as pilot:
        await timeline_ready(pilot, app)
        await pilot.press("D")
        await wait_for(pilot, lambda: isinstance(app.screen, DeclareForm))
        await pilot.press(*"queue backlog", "tab", "space")
        severity = app.screen.query_one("#severity", Select)
        await wait_for(pilot, lambda: severity.expanded)
        await pilot.press("down", "enter")  # in the open list, enter picks
        await wait_for(pilot, lambda: not severity.expanded and severity.value == "SEV4")
        assert isinstance(app.screen, DeclareForm)  # picked, not yet declared
        await pilot.press("enter")  # on the closed list, enter declares
        await wait_for(pilot, lambda: not isinstance(app.screen, DeclareForm))
    assert rows(db, "SELECT title, severity FROM incidents") == [("queue backlog", "SEV4")]


async def test_enter_on_the_status_list_posts(tmp_path: Path, clock: FakeClock) -> None:
    db = tmp_path / "t.db"
    async with await Timeline.open(db, clock=clock) as store:
        await store.start_incident("latency", 2, "ana@laptop")
    app = quiet_app(db, clock)
    async with app.run_test(size=(100, 24)) as pilot:
        await wait_for(pilot, lambda: app.recorder is not None and app.recorder.incident)
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(app.screen, StatusForm))
        assert "enter posts" in screen_text(app)
        await pilot.press(*"rolled back", "shift+tab")
        assert app.focused is app.screen.query_one("#status", Select)
        await pilot.press("enter")
        await wait_for(pilot, lambda: not isinstance(app.screen, StatusForm))
    assert ("status", "Status update: rolled back") in rows(
        db, "SELECT kind, text FROM events ORDER BY seq"
    )


# ---- read-only: refused before any dialog --------------------------------------------------


def dialogs_open(app: CockpitApp) -> list[str]:
    return [type(s).__name__ for s in app.screen_stack if isinstance(s, ModalScreen)]


@pytest.mark.parametrize("production", [False, True])
async def test_read_only_keys_open_no_dialog_and_record_nothing(
    clock: FakeClock, tmp_path: Path, production: bool
) -> None:
    db = tmp_path / "t.db"
    config = demo_config()
    if production:  # the type-the-name dialog must not come up either
        config.cockpit.production_contexts.append("dem*")
    app = CockpitApp(Runtime.build(config, demo=True, clock=clock, db=db, read_only=True))
    async with app.run_test(size=(80, 24)) as pilot:
        world = await started(pilot, app)
        before = (world.replicas, world.revision)
        for key in ("s", "R", "U"):
            app.clear_notifications()
            await pilot.press(key)
            await wait_for(pilot, lambda: notices(app))
            assert notices(app) == NOTICE, key  # one notice, said once
            assert dialogs_open(app) == [], key
        assert (world.replicas, world.revision) == before
    assert actions_recorded(db) == []
    assert rows(db, "SELECT text FROM events WHERE text LIKE '%read-only%'") == []


async def test_read_only_on_a_live_cluster_sends_nothing_for_the_action(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, clock: FakeClock
) -> None:
    db = tmp_path / "t.db"
    with FakeKube() as server:
        install(server)
        server.add(web(3))
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        async with await Timeline.open(db, clock=clock) as store:
            await store.start_incident("web is slow", 2, "ana@laptop")
        config = Config.model_validate(
            {
                "cockpit": {"production_contexts": ["fake"]},
                "panels": {"pods": {"namespace": "shop"}},
            }
        )
        app = CockpitApp(Runtime.build(config, db=db, read_only=True, clock=clock))
        async with app.run_test(size=(100, 30)) as pilot:
            await timeline_ready(pilot, app)
            await sources_ready(pilot, app)
            seen = len(server.requests)
            for key in ("s", "R", "U"):
                app.clear_notifications()
                await pilot.press(key)
                await wait_for(pilot, lambda: notices(app))
                assert notices(app) == NOTICE and dialogs_open(app) == [], key
            # The panel keeps reading; the action side asked for nothing at all: no object
            # read (every preview starts with one), no ReplicaSet history, no dry run, no write.
            action_side = [
                (m, p)
                for m, p in server.requests[seen:]
                if m != "GET" or "/deployments/" in p or "replicasets" in p
            ]
            assert action_side == []
    assert actions_recorded(db) == []


async def test_read_only_runbook_step_action_is_refused_before_the_preview(
    clock: FakeClock, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    runtime = Runtime.build(demo_config(), demo=True, clock=clock, db=db, read_only=True)
    app = CockpitApp(runtime)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_on_breach(pilot, app, "latency")
        highlight(screen, "kubectl scale deployment/checkout --replicas=8 -n shop")
        app.clear_notifications()
        await pilot.press("enter")
        await wait_for(pilot, lambda: NOTICE in notices(app))
        assert notices(app) == NOTICE
        assert isinstance(app.screen, RunbookScreen) and dialogs_open(app) == ["RunbookScreen"]
    assert actions_recorded(db) == []


# ---- the command line ---------------------------------------------------------------------


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[FakeKube, Path]]:
    with FakeKube() as server:
        install(server)
        server.add(web(3))
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        monkeypatch.delenv("COCKPIT_DB", raising=False)
        yield server, tmp_path / "timeline.db"


@pytest.mark.parametrize(
    ("args", "refused"),
    [
        (["scale", "deploy/web", "7"], "scale deployment/web to 7 replicas"),
        (["scale", "deploy/web", "7", "--yes"], "scale deployment/web to 7 replicas"),
        (["restart", "deploy/web"], "rollout restart deployment/web"),
        (["rollback", "deploy/web", "-y"], "rollout undo deployment/web to the previous revision"),
    ],
)
def test_cli_read_only_refuses_sends_nothing_records_nothing(
    live: tuple[FakeKube, Path], args: list[str], refused: str
) -> None:
    server, db = live
    started = CliRunner().invoke(
        main, ["incident", "start", "web is slow", "--sev", "2", "--db", str(db)]
    )
    assert started.exit_code == 0, started.output
    result = CliRunner().invoke(main, [*args, "-n", "shop", "--read-only", "--db", str(db)])
    assert result.exit_code == 1  # README: 1 refused or failed (read-only, …)
    assert result.stdout == ""
    assert result.stderr == (
        f"error: read-only mode: {refused} refused; nothing was sent or recorded "
        "(start without --read-only to allow actions)\n"
    )
    assert server.requests == []  # not even a read: refused before the preview
    assert rows(db, "SELECT kind FROM events WHERE kind = 'action'") == []
