"""Scale and rollout restart against the fake API server: the cockpit's adapter and the real
`kubectl` on identical fresh servers must leave the same Deployment and print the same words."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cockpit.action_plan import ActionRequest, ReadOnlyError, Verb
from cockpit.config import PodsPanel, panel_measures
from cockpit.sources.kube_actions import RESTARTED_AT, KubeActions
from cockpit.sources.kube_pods import KubernetesPods
from tests.conftest import require_tool
from tests.fakekube import FakeKube
from tests.fakekube.apps import install
from tests.fakekube.server import resource_for


def web(replicas: int = 3, paused: bool = False) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "generation": 1,
                     "annotations": {"deployment.kubernetes.io/revision": "2"}},
        "spec": {
            "replicas": replicas,
            "paused": paused,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "app", "image": "web:v2"}]}},
        },
        "status": {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                   "readyReplicas": replicas, "availableReplicas": replicas},
    }  # fmt: skip


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[FakeKube, FakeKube, Path, Path]]:
    """Two identical fresh servers: one for the cockpit, one for kubectl."""
    with FakeKube() as ours, FakeKube() as theirs:
        for server in (ours, theirs):
            install(server)
        yield (
            ours,
            theirs,
            ours.write_kubeconfig(tmp_path / "ours", namespace="shop"),
            theirs.write_kubeconfig(tmp_path / "theirs", namespace="shop"),
        )


def actions(kubeconfig: Path, read_only: bool = False) -> KubeActions:
    pods = KubernetesPods(
        "pods",
        panel_measures("pods", PodsPanel()),
        namespace="shop",
        kubeconfig=str(kubeconfig),
    )
    return KubeActions(pods, read_only=read_only)


def kubectl(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("kubectl"), "--kubeconfig", str(kubeconfig), "-n", "shop", *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def deployment(server: FakeKube) -> dict[str, Any]:
    obj = server.store.get(resource_for("deployments", "apps"), "shop", "web")
    assert obj is not None
    return obj


def request(verb: Verb, **extra: Any) -> ActionRequest:
    return ActionRequest(verb, "deployment", "web", "shop", **extra)


async def test_scale_matches_kubectl(servers: tuple[FakeKube, FakeKube, Path, Path]) -> None:
    ours, theirs, our_config, their_config = servers
    ours.add(web(3))
    theirs.add(web(3))
    adapter = actions(our_config)
    try:
        result = await adapter.apply(request(Verb.SCALE, replicas=5, current_replicas=3))
    finally:
        await adapter.pods.aclose()
    done = kubectl(their_config, "scale", "deployment/web", "--replicas=5", "--current-replicas=3")
    assert done.returncode == 0, done.stderr
    assert result.ok and result.message == done.stdout.strip() == "deployment.apps/web scaled"
    assert deployment(ours)["spec"] == deployment(theirs)["spec"]
    assert deployment(ours)["spec"]["replicas"] == 5


async def test_a_stale_current_replicas_is_refused_like_kubectl(
    servers: tuple[FakeKube, FakeKube, Path, Path],
) -> None:
    ours, theirs, our_config, their_config = servers
    ours.add(web(3))
    theirs.add(web(3))
    adapter = actions(our_config)
    try:
        result = await adapter.apply(request(Verb.SCALE, replicas=5, current_replicas=2))
    finally:
        await adapter.pods.aclose()
    done = kubectl(their_config, "scale", "deployment/web", "--replicas=5", "--current-replicas=2")
    assert done.returncode != 0
    assert not result.ok and result.message in done.stderr
    assert deployment(ours)["spec"]["replicas"] == deployment(theirs)["spec"]["replicas"] == 3


async def test_restart_matches_kubectl(servers: tuple[FakeKube, FakeKube, Path, Path]) -> None:
    ours, theirs, our_config, their_config = servers
    ours.add(web())
    theirs.add(web())
    adapter = actions(our_config)
    try:
        result = await adapter.apply(request(Verb.RESTART))
    finally:
        await adapter.pods.aclose()
    done = kubectl(their_config, "rollout", "restart", "deployment/web")
    assert done.returncode == 0, done.stderr
    assert result.ok and result.message == done.stdout.strip() == "deployment.apps/web restarted"
    mine, kubectls = deployment(ours)["spec"], deployment(theirs)["spec"]
    for spec in (mine, kubectls):
        stamp = spec["template"]["metadata"]["annotations"].pop(RESTARTED_AT)
        assert stamp.endswith("Z") and "T" in stamp  # RFC 3339
    assert mine == kubectls


async def test_restart_of_a_paused_deployment_is_refused_like_kubectl(
    servers: tuple[FakeKube, FakeKube, Path, Path],
) -> None:
    ours, theirs, our_config, their_config = servers
    ours.add(web(paused=True))
    theirs.add(web(paused=True))
    adapter = actions(our_config)
    try:
        result = await adapter.apply(request(Verb.RESTART))
    finally:
        await adapter.pods.aclose()
    done = kubectl(their_config, "rollout", "restart", "deployment/web")
    assert done.returncode != 0 and not result.ok
    assert result.message in done.stderr


async def test_preview_is_a_dry_run_and_read_only_sends_nothing(
    servers: tuple[FakeKube, FakeKube, Path, Path],
) -> None:
    ours, _, our_config, _ = servers
    ours.add(web(3))
    version = deployment(ours)["metadata"]["resourceVersion"]
    adapter = actions(our_config)
    try:
        preview = await adapter.preview(request(Verb.SCALE, replicas=7))
    finally:
        await adapter.pods.aclose()
    assert preview.ok and preview.changes == (("replicas", "3", "7"),)
    assert any("dryRun=All" in path for method, path in ours.requests if method == "PATCH")
    assert deployment(ours)["metadata"]["resourceVersion"] == version
    ours.requests.clear()
    guarded = actions(our_config, read_only=True)
    try:
        with pytest.raises(ReadOnlyError):
            await guarded.apply(request(Verb.SCALE, replicas=7))
        with pytest.raises(ReadOnlyError):
            await guarded.apply(request(Verb.RESTART))
        await guarded.preview(request(Verb.RESTART))
    finally:
        await guarded.pods.aclose()
    assert [m for m, _ in ours.requests if m != "GET"] == []


async def test_from_the_keyboard_on_a_live_cluster_pick_preview_confirm(
    servers: tuple[FakeKube, FakeKube, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.widgets import Input

    from cockpit.app import CockpitApp
    from cockpit.config import Config
    from cockpit.screens.actions import ConfirmAction, ScaleForm, WorkloadPicker
    from cockpit.wiring import Runtime
    from tests.screen_text import screen_text, wait_for

    ours, _, our_config, _ = servers
    api = web(2)
    api["metadata"]["name"] = "api"
    ours.add(api, web(3))
    monkeypatch.setenv("KUBECONFIG", str(our_config))
    config = Config.model_validate({"panels": {"pods": {"namespace": "shop"}}})
    app = CockpitApp(Runtime.build(config, context="fake", db=tmp_path / "t.db"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.actions is not None and app.recorder is not None)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, WorkloadPicker))
        assert "deployment/api" in screen_text(app) and "deployment/web" in screen_text(app)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ScaleForm))
        app.screen.query_one(Input).value = "4"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        text = screen_text(app)
        assert "server-side dry run passed" in text and "replicas    3  →  4" in text
        assert "kubectl --context fake -n shop scale deployment/web --replicas=4" in text
        await pilot.press("y")
        await wait_for(pilot, lambda: deployment(ours)["spec"]["replicas"] == 4)
