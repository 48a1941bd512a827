"""The header says where the cockpit points — the kubeconfig's current context when none was
named, the namespace kubectl would use — at 80 and 160 columns, and a production context is
said in words on every screen, from the fake API server through the real client."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.app.cockpit_app import CockpitApp
from cockpit.config.schema import Config
from cockpit.core.model import HeaderInfo
from cockpit.runtime.wiring import Runtime
from cockpit.screens.pod_detail import PodDetailScreen
from cockpit.screens.timeline import TimelineScreen
from cockpit.widgets.header import WHERE_CAP, render_header, where_text
from cockpit.widgets.pods_panel import PodSelected
from tests.conftest import T0, FakeClock
from tests.support.fakekube import FakeKube, pod
from tests.support.screen_text import screen_lines, screen_text, wait_for
from tests.support.workers import runbooks_read, timeline_ready

SIZES = [(80, 24), (160, 48)]


@pytest.fixture
def kube(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    """A cluster whose kubeconfig's current context is `fake`, namespace `shop`; a pod there
    and one in `default`, so the pods panel shows which namespace it really lists."""
    with FakeKube() as server:
        created = T0 - timedelta(hours=1)
        server.add(
            pod("web-1", namespace="shop", created=created),
            pod("batch-1", namespace="default", created=created),
        )
        config = server.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")
        monkeypatch.setenv("KUBECONFIG", str(config))
        yield server


def cockpit_for(tmp_path: Path, clock: FakeClock, **cockpit: object) -> CockpitApp:
    config = Config.model_validate(
        {"cockpit": cockpit, "panels": {"pods": {"interval": "1s", "timeout": "5s"}}}
    )
    return CockpitApp(Runtime.build(config, clock=clock, db=tmp_path / "t.db"))


def header_line(app: CockpitApp) -> str:
    return screen_lines(app)[0]


@pytest.mark.parametrize("size", SIZES)
async def test_without_context_the_header_names_the_kubeconfigs_current_one(
    kube: FakeKube, tmp_path: Path, clock: FakeClock, size: tuple[int, int]
) -> None:
    app = cockpit_for(tmp_path, clock)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: "fake/shop" in header_line(app))
        # The panel lists where the header says: the context's namespace, as kubectl would.
        await wait_for(pilot, lambda: "web-1" in screen_text(app), rounds=3000)
        assert "batch-1" not in screen_text(app)
        assert "-/d" not in header_line(app) and "PRODUCTION" not in screen_text(app)


@pytest.mark.parametrize("size", SIZES)
async def test_a_production_context_is_said_on_every_screen(
    kube: FakeKube, tmp_path: Path, clock: FakeClock, size: tuple[int, int]
) -> None:
    app = cockpit_for(tmp_path, clock, production_contexts=["fa*"])
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: "PRODUCTION" in header_line(app))
        assert "fake/shop" in header_line(app)
        await wait_for(pilot, lambda: "web-1" in screen_text(app), rounds=3000)

        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
        await wait_for(pilot, lambda: "PRODUCTION" in screen_text(app))
        assert "fake/shop" in screen_lines(app)[0]
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, TimelineScreen))

        app.post_message(PodSelected("web-1"))
        await wait_for(pilot, lambda: isinstance(app.screen, PodDetailScreen))
        await wait_for(pilot, lambda: "PRODUCTION" in screen_lines(app)[0])


@pytest.mark.parametrize("size", SIZES)
async def test_the_demo_still_shows_demo_shop(
    tmp_path: Path, clock: FakeClock, size: tuple[int, int]
) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock, db=tmp_path / "t.db"))
    async with app.run_test(size=size) as pilot:
        await timeline_ready(pilot, app)
        await pilot.pause()
        assert header_line(app).lstrip().startswith("demo/shop")
        assert "PRODUCTION" not in screen_text(app)


def test_snapshot_names_the_effective_context(kube: FakeKube, tmp_path: Path) -> None:
    config = tmp_path / "cockpit.toml"
    config.write_text('[panels.pods]\nsource = "kubernetes"\ntimeout = "5s"\n')
    result = subprocess.run(
        [sys.executable, "-m", "cockpit", "snapshot", "--json", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert (doc["context"], doc["namespace"]) == ("fake", "shop")
    (panel,) = doc["panels"]
    assert [p["name"] for p in panel["pods"]] == ["web-1"]


# ---- the line itself ------------------------------------------------------------------------


def busy(context: str, namespace: str, **extra: object) -> HeaderInfo:
    fields: dict[str, object] = {
        "incident_title": "checkout: p95 and 5xx up after the v1.9.0 rollout in every region",
        "severity": "SEV1",
        "incident_started": T0 - timedelta(minutes=42, seconds=7),
        "incident_status": "active",
        "update_due_in": 750.0,
        "phase": "TRIAGE 3:12/5:00",
        "production": True,
        "read_only": True,
        **extra,
    }
    return HeaderInfo(context, namespace, T0, **fields)  # type: ignore[arg-type]


def test_at_80_columns_the_title_seconds_and_box_give_way_before_the_place() -> None:
    line = render_header(busy("fake", "default"), width=78).plain
    assert len(line) <= 78
    assert line.startswith(" PRODUCTION  fake/default   SEV1 ")
    assert "checkout" not in line  # the title went first
    assert "14:02 UTC" in line and "14:02:00" not in line  # then the clock's seconds
    assert "TRIAGE" in line and "/5:00" not in line  # then the phase's box
    assert "READ-ONLY" in line and "T+00:42:07" in line
    # Without the two badges there is room for the status and the countdown again.
    calmer = render_header(busy("fake", "default", production=False, read_only=False), 78).plain
    assert calmer.startswith("fake/default   SEV1  T+00:42:07 ACTIVE upd in 12m30s TRIAGE")
    wide = render_header(busy("fake", "default"), width=158).plain
    assert "checkout: p95" in wide and "14:02:00 UTC" in wide and "TRIAGE 3:12/5:00" in wide


def test_a_long_context_keeps_its_end_and_the_namespace() -> None:
    eks = "arn:aws:eks:eu-west-1:123456789012:cluster/prod-eu"
    shown = where_text(eks, "checkout")
    assert len(shown) == WHERE_CAP
    assert shown.endswith("cluster/prod-eu/checkout") and shown.startswith("…")
    line = render_header(busy(eks, "checkout"), width=78).plain
    assert shown in line


names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.:/_@", min_size=1, max_size=60)


@settings(max_examples=300, deadline=None)
@given(
    context=names,
    namespace=st.from_regex(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?", fullmatch=True),
    width=st.integers(78, 240),
    title=st.text(min_size=0, max_size=120),
    paused=st.booleans(),
    read_only=st.booleans(),
    production=st.booleans(),
    due=st.one_of(st.none(), st.floats(-7200, 7200)),
    phase=st.sampled_from(["", "TRIAGE 3:12/5:00", "MITIGATE OVER +4:10"]),
)
def test_the_place_is_never_cut_at_80_columns_or_more(
    context: str,
    namespace: str,
    width: int,
    title: str,
    paused: bool,
    read_only: bool,
    production: bool,
    due: float | None,
    phase: str,
) -> None:
    info = HeaderInfo(
        context,
        namespace,
        T0,
        incident_title=title,
        severity="SEV2" if title else "",
        incident_started=T0 - timedelta(hours=3),
        paused=paused,
        read_only=read_only,
        update_due_in=due,
        phase=phase,
        phase_over="OVER" in phase,
        production=production,
    )
    line = render_header(info, width=width)
    assert line.cell_length <= width
    assert where_text(info.context, info.namespace) in line.plain
    assert ("PRODUCTION" in line.plain) == production
    assert line.plain.rstrip().endswith("UTC")


async def test_the_chart_and_the_runbook_pane_say_production_too(
    tmp_path: Path, clock: FakeClock
) -> None:
    from cockpit.config.schema import demo_config
    from cockpit.screens.chart import ChartScreen
    from cockpit.screens.runbook import RunbookScreen
    from cockpit.widgets.metric_panel import ChartRequested

    base = demo_config()
    config = base.model_copy(
        update={"cockpit": base.cockpit.model_copy(update={"production_contexts": ["demo"]})}
    )
    app = CockpitApp(Runtime.build(config, demo=True, clock=clock, db=tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        assert header_line(app).lstrip().startswith("PRODUCTION  demo/shop")
        app.post_message(ChartRequested("latency"))
        await wait_for(pilot, lambda: isinstance(app.screen, ChartScreen))
        await wait_for(pilot, lambda: "PRODUCTION" in screen_lines(app)[0])
        await pilot.press("escape")
        await wait_for(pilot, lambda: not isinstance(app.screen, ChartScreen))

        await runbooks_read(pilot, app)
        app.dashboard.panels["latency"].focus()
        await pilot.press("b")
        await wait_for(pilot, lambda: isinstance(app.screen, RunbookScreen))
        await wait_for(pilot, lambda: "PRODUCTION  demo/shop" in screen_text(app))
