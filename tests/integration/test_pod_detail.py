"""Pod details (`kubectl describe pod` + `kubectl logs`): from API JSON, from the fake API
server through the real client, and on screen for the demo."""

from __future__ import annotations

import asyncio
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cockpit.app.cockpit_app import CockpitApp
from cockpit.core.pod_detail import from_json
from cockpit.core.safe_text import is_terminal_safe
from cockpit.runtime.wiring import Runtime
from cockpit.screens.pod_detail import PodDetailScreen
from cockpit.sources.kube.pods import KubeError
from tests.conftest import T0, FakeClock, require_tool
from tests.integration.test_kube_pods import (  # the same fake cluster the pods tests use
    CREATED,
    SECRET,
    kube,
    kubeconfig,
    source,
)
from tests.support.fakekube import FakeKube, pod, rfc3339
from tests.support.screen_text import screen_text, wait_for

__all__ = ["kube", "kubeconfig"]


async def kubectl_says(
    kubectl: str, kubeconfig: Path, *args: str
) -> subprocess.CompletedProcess[str]:
    """The real kubectl against the same fake server, in namespace shop."""
    argv = [kubectl, "--kubeconfig", str(kubeconfig), "-n", "shop", *args]
    return await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, timeout=60)


def event(pod_name: str, reason: str, message: str) -> dict[str, Any]:
    return {
        "kind": "Event",
        "apiVersion": "v1",
        "metadata": {"name": f"{pod_name}.{reason.lower()}", "namespace": "shop"},
        "involvedObject": {"kind": "Pod", "name": pod_name, "namespace": "shop"},
        "reason": reason,
        "message": message,
        "type": "Normal",
        "count": 1,
        "lastTimestamp": rfc3339(T0 - timedelta(minutes=1)),
    }


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


async def test_detail_through_the_real_client_with_events_and_the_last_log_lines(
    kube: FakeKube, kubeconfig: Path, clock: FakeClock
) -> None:
    kube.logs[("shop", "web-b", "app")] = "".join(f"line {i}\n" for i in range(1, 81))
    kube.add(event("web-b", "Pulled", 'Container image "web:v1" already present on machine'))
    kube.add(event("web-a", "BackOff", "Back-off restarting failed container"))
    src = source(kubeconfig, clock)
    try:
        detail = await src.pod_detail("web-b")
    finally:
        await src.aclose()
    assert detail.problems == ()
    assert detail.logs[0] == "line 31" and detail.logs[-1] == "line 80"  # kubectl's --tail
    assert [(e.reason, e.obj) for e in detail.events] == [("Pulled", "pod/web-b")]


async def test_a_log_that_cannot_be_had_is_told_in_the_servers_words_like_kubectl(
    kube: FakeKube, kubeconfig: Path, clock: FakeClock
) -> None:
    """Not "namespace not found": the server said why there is no log, and so do we."""
    kubectl = require_tool("kubectl")
    src = source(kubeconfig, clock)
    try:
        detail = await src.pod_detail("web-a")
    finally:
        await src.aclose()
    (container,) = detail.containers
    assert detail.name == "web-a" and detail.status == "CrashLoopBackOff"
    assert container.restarts == 4 and container.last_state.startswith("Terminated:")
    theirs = await kubectl_says(kubectl, kubeconfig, "logs", "web-a", "--tail=50")
    assert theirs.returncode != 0
    said = (
        'Error from server (BadRequest): container "app" in pod "web-a" is waiting to start: '
        "CrashLoopBackOff"
    )
    assert detail.problems == (f"logs: {said}",)
    assert theirs.stderr.strip() == said
    assert all(SECRET not in p for p in detail.problems)


async def test_a_pod_that_is_gone_is_named_as_the_server_names_it(
    kubeconfig: Path, clock: FakeClock
) -> None:
    kubectl = require_tool("kubectl")
    src = source(kubeconfig, clock)
    try:
        with pytest.raises(KubeError) as gone:
            await src.pod_detail("web-z")
    finally:
        await src.aclose()
    theirs = await kubectl_says(kubectl, kubeconfig, "get", "pod", "web-z")
    assert gone.value.message == 'Error from server (NotFound): pods "web-z" not found'
    assert theirs.stderr.strip() == gone.value.message


async def test_server_words_reach_the_screen_terminal_safe(
    kube: FakeKube, kubeconfig: Path, clock: FakeClock
) -> None:
    hostile = "\x1b]0;pwned\x07\x1b[2J"
    kube.add(pod("evil-0", namespace="shop", created=CREATED, waiting=hostile))
    src = source(kubeconfig, clock)
    try:
        detail = await src.pod_detail("evil-0")
    finally:
        await src.aclose()
    (problem,) = detail.problems
    assert problem.startswith('logs: Error from server (BadRequest): container "app"')
    assert is_terminal_safe(problem) and "\u241b]0;pwned\u2407\u241b[2J" in problem


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
