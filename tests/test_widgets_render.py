"""Pure rendering rules of the widgets: what a person reads, without running the app."""

from __future__ import annotations

from datetime import timedelta

from cockpit.model import HeaderInfo, PodRow
from cockpit.widgets.header import render_header
from cockpit.widgets.pods_panel import pod_cells
from tests.conftest import T0


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
