"""Pure rendering rules of the widgets: what a person reads, without running the app."""

from __future__ import annotations

from datetime import timedelta

from textual.app import App

from cockpit.core.mitigation import ActionPreview, ActionRequest, Verb
from cockpit.core.model import HeaderInfo, PodRow
from cockpit.screens.actions import ConfirmAction
from cockpit.widgets.header import render_header
from cockpit.widgets.pods_panel import pod_cells
from tests.conftest import T0
from tests.support.screen_text import screen_text, wait_for


def test_header_keeps_badges_and_clock_when_the_title_is_long() -> None:
    info = HeaderInfo(
        context="prod-eu-west-1", namespace="checkout", now=T0,
        incident_title="checkout: p95 and 5xx up after the v1.9.0 rollout in every region",
        severity="SEV1", incident_started=T0 - timedelta(minutes=42, seconds=7),
        read_only=True, paused=True,
    )
    line = render_header(info, width=78).plain
    assert len(line) <= 78
    assert line.startswith("prod-eu-west-1/checkout")
    assert "SEV1" in line and "T+00:42:07" in line
    assert line.rstrip().endswith("READ-ONLY  14:02:00 UTC") and "PAUSED" in line
    assert "PAUSED" in line
    assert "…" in line  # the title gave way, not the badges


def test_header_without_an_incident() -> None:
    line = render_header(HeaderInfo("kind-dev", "default", T0), width=80).plain
    assert "no incident declared" in line and "14:02:00 UTC" in line


def test_pod_row_reads_like_kubectl() -> None:
    row = PodRow(
        name="checkout-7d9f-abcde", ready="0/1", status="CrashLoopBackOff", restarts=5,
        created_at=T0 - timedelta(hours=3, minutes=5), node="pool-a-1",
        last_restart_at=T0 - timedelta(seconds=95),
    )
    cells = pod_cells(row, T0)
    plain = [c if isinstance(c, str) else c.plain for c in cells]
    assert plain == ["checkout-7d9f-abcde", "0/1", "CrashLoopBackOff", "5 (95s ago)", "3h5m",
                     "pool-a-1"]
    unscheduled = PodRow("x", "0/1", "Pending", 0, T0 - timedelta(seconds=5))
    assert [c if isinstance(c, str) else c.plain for c in pod_cells(unscheduled, T0)] == [
        "x", "0/1", "Pending", "0", "5s", "<none>"]


async def _confirm_text(preview: ActionPreview, *, production: bool) -> str:
    class Host(App[None]):
        def on_mount(self) -> None:
            self.push_screen(ConfirmAction(preview, context="prod", production=production))

    app = Host()
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await pilot.pause()
        return screen_text(app)


HELM = ActionRequest(
    Verb.ROLLBACK, "deployment", "checkout", "shop", command=("helm", "rollback", "Shop-API", "3")
)


async def test_the_preview_headline_shows_the_command_as_written() -> None:
    preview = ActionPreview(HELM, (("release", "Shop-API", "3"),))
    text = await _confirm_text(preview, production=False)
    # `str.capitalize` lowered every letter after the first: "helm rollback shop-api 3".
    assert "Rollback deployment/checkout with `helm rollback Shop-API 3`" in text
    assert "dry run passed · y applies" in text


def test_the_command_line_preview_keeps_the_headline_as_written() -> None:
    from cockpit.cli.console import render_preview

    preview = ActionPreview(HELM, (("release", "Shop-API", "3"),))
    headline = render_preview(preview, "prod", production=False).splitlines()[0]
    assert headline == "Rollback deployment/checkout with `helm rollback Shop-API 3`"


def test_a_configured_title_keeps_its_brackets_in_the_metrics_table() -> None:
    from cockpit.core.model import Measure, PanelView, Status, Threshold
    from cockpit.widgets.metrics_table import metric_cells

    measure = Measure("value", "v", "count", Threshold(10.0))
    view = PanelView(
        "custom_q", "Queue [prod]", (measure,), Status.OK, {"value": 1.0}, 1.0, None, False
    )
    # As a str cell it was markup: "[prod]" read as a style and the title shown as "Queue ".
    assert metric_cells(view, [])["metric"].plain == "Queue [prod]"  # type: ignore[union-attr]
