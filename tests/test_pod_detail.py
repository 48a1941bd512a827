"""Pod details (`kubectl describe pod` + `kubectl logs`): from API JSON, from the fake API
server through the real client, and on screen for the demo."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from cockpit.app import CockpitApp
from cockpit.pod_detail import from_json
from cockpit.screens.pod_detail import PodDetailScreen
from cockpit.wiring import Runtime
from tests.conftest import T0, FakeClock
from tests.fakekube import rfc3339
from tests.screen_text import screen_text, wait_for
from tests.test_kube_pods import (  # the same fake cluster the pods tests use
    CREATED,
    SECRET,
    kube,
    kubeconfig,
    source,
)

__all__ = ["kube", "kubeconfig"]


def oom_pod() -> dict[str, object]:
    return {
        "metadata": {"name": "web-7", "namespace": "shop", "creationTimestamp": rfc3339(CREATED)},
        "spec": {"nodeName": "node-a", "containers": [{"name": "app", "image": "web:v2"}]},
        "status": {
            "phase": "Running",
            "containerStatuses": [
                {
                    "name": "app",
                    "image": "web:v2",
                    "ready": False,
                    "restartCount": 5,
                    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "back-off 5m"}},
                    "lastState": {
                        "terminated": {
                            "reason": "OOMKilled",
                            "exitCode": 137,
                            "finishedAt": rfc3339(T0 - timedelta(minutes=2)),
                        }
                    },
                }
            ],
        },
    }


def test_last_termination_events_and_logs_from_api_json() -> None:
    events = [
        {
            "type": "Warning",
            "reason": "BackOff",
            "message": "Back-off restarting failed container app",
            "count": 12,
            "lastTimestamp": rfc3339(T0 - timedelta(seconds=40)),
            "involvedObject": {"kind": "Pod", "name": "web-7"},
        },
        {
            "type": "Normal",
            "reason": "Pulled",
            "message": "Container image already present",
            "lastTimestamp": rfc3339(T0 - timedelta(minutes=30)),
            "involvedObject": {"kind": "Pod", "name": "web-7"},
        },
    ]
    detail = from_json(oom_pod(), events, "line 1\nline 2\n", T0)
    (container,) = detail.containers
    assert detail.status == "CrashLoopBackOff" and detail.node == "node-a"
    assert container.state == "Waiting: CrashLoopBackOff (back-off 5m)"
    assert container.last_state.startswith("Terminated: OOMKilled (exit code 137) at ")
    assert [(e.age, e.reason, e.count) for e in detail.events] == [
        ("40s", "BackOff", 12),
        ("30m", "Pulled", 1),
    ]
    assert detail.logs == ("line 1", "line 2")


async def test_detail_through_the_real_client_names_what_it_could_not_fetch(
    kubeconfig: Path, clock: FakeClock
) -> None:
    src = source(kubeconfig, clock)
    try:
        detail = await src.pod_detail("web-a")
    finally:
        await src.aclose()
    (container,) = detail.containers
    assert detail.name == "web-a" and detail.status == "CrashLoopBackOff"
    assert container.restarts == 4 and container.last_state.startswith("Terminated:")
    # The fake server has no events or log endpoints: said, not hidden, and no crash.
    assert any(p.startswith("logs:") for p in detail.problems)
    assert all(SECRET not in p for p in detail.problems)



async def test_enter_on_a_pod_shows_why_it_crashes(clock: FakeClock, tmp_path: Path) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock, db=tmp_path / "t.db"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: screen_text(app).count("checkout-") >= 4)
        app.dashboard.panels["pods"].query_one("#pods-table").focus()
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PodDetailScreen))
        await wait_for(pilot, lambda: "Logs (last lines" in screen_text(app))
        text = screen_text(app)
        assert "last state: Terminated: Error (exit code 2)" in text
        assert "BackOff (x3)" in text and "panic: runtime error" in text
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.dashboard)
