"""Scale and rollout restart against the fake API server: the cockpit's adapter and the real
`kubectl` on identical fresh servers must leave the same Deployment and print the same words."""

from __future__ import annotations

import asyncio
import copy
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cockpit.config.schema import PodsPanel, panel_measures
from cockpit.core.mitigation import ActionRequest, ActionResult, ReadOnlyError, Verb
from cockpit.sources.kube.actions import RESTARTED_AT, KubeActions
from cockpit.sources.kube.pods import KubeError, KubernetesPods
from cockpit.sources.kube.rollback import semantic
from tests.conftest import require_tool
from tests.support.fakekube import FakeKube
from tests.support.fakekube.apps import install, rollout
from tests.support.fakekube.server import resource_for


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


async def apply_once(kubeconfig: Path, mutation: ActionRequest) -> ActionResult:
    adapter = actions(kubeconfig)
    try:
        return await adapter.apply(mutation)
    finally:
        await adapter.pods.aclose()


def kubectl(kubeconfig: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [require_tool("kubectl"), "--kubeconfig", str(kubeconfig), "-n", "shop", *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip


def assert_same_verdict(result: ActionResult, done: subprocess.CompletedProcess[str]) -> None:
    """Both succeeded with kubectl's words, or both failed with kubectl's error line."""
    assert result.ok == (done.returncode == 0), (result, done.stderr)
    if result.ok:
        assert result.message == done.stdout.strip()
    else:
        assert result.message in done.stderr


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
    result = await apply_once(our_config, request(Verb.SCALE, replicas=5, current_replicas=3))
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
    result = await apply_once(our_config, request(Verb.SCALE, replicas=5, current_replicas=2))
    done = kubectl(their_config, "scale", "deployment/web", "--replicas=5", "--current-replicas=2")
    assert done.returncode != 0
    assert not result.ok and result.message in done.stderr
    assert deployment(ours)["spec"]["replicas"] == deployment(theirs)["spec"]["replicas"] == 3


async def test_restart_matches_kubectl(servers: tuple[FakeKube, FakeKube, Path, Path]) -> None:
    ours, theirs, our_config, their_config = servers
    ours.add(web())
    theirs.add(web())
    result = await apply_once(our_config, request(Verb.RESTART))
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
    result = await apply_once(our_config, request(Verb.RESTART))
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
    assert preview.ok and preview.changes == (("spec.replicas", "3", "7"),)
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

    from cockpit.app.cockpit_app import CockpitApp
    from cockpit.config.schema import Config
    from cockpit.runtime.wiring import Runtime
    from cockpit.screens.actions import ConfirmAction, ScaleForm, WorkloadPicker
    from tests.support.screen_text import screen_text, wait_for

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
        await wait_for(pilot, lambda: "deployment/web" in screen_text(app))
        assert "deployment/api" in screen_text(app)
        await pilot.press("down", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ScaleForm))
        app.screen.query_one(Input).value = "4"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await wait_for(pilot, lambda: "dry run" in screen_text(app))
        text = screen_text(app)
        assert "server-side dry run passed" in text and "spec.replicas  3        4" in text
        assert "kubectl --context fake -n shop scale deployment/web --replicas=4" in text
        await pilot.press("y")
        await wait_for(pilot, lambda: deployment(ours)["spec"]["replicas"] == 4)


# ---- rollout undo: the Deployment and its ReplicaSets must end up as kubectl leaves them ----


def versioned(image: str, cause: str, paused: bool = False) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop",
                     "annotations": {"kubernetes.io/change-cause": cause}},
        "spec": {
            "replicas": 3,
            "paused": paused,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "app", "image": image,
                                                  "env": [{"name": "TIER", "value": image}]}]}},
        },
    }  # fmt: skip


def deploy_history(server: FakeKube, versions: int, paused: bool = False) -> None:
    for n in range(1, versions + 1):
        rollout(server, versioned(f"web:v{n}", f"deploy v{n}", paused and n == versions))


def cluster_state(server: FakeKube) -> dict[str, Any]:
    """The Deployment and ReplicaSets minus what differs between any two servers (uids,
    resourceVersions, timestamps) and Go's zero values (see `semantic`)."""

    def clean(obj: dict[str, Any]) -> Any:
        obj = copy.deepcopy(obj)
        meta = obj["metadata"]
        for key in ("uid", "resourceVersion", "creationTimestamp", "generation"):
            meta.pop(key, None)
        for ref in meta.get("ownerReferences", []):
            ref.pop("uid", None)
        return semantic(obj)

    sets, _ = server.store.list(resource_for("replicasets", "apps"), "shop")
    return {"deployment": clean(deployment(server)),
            "replicasets": {rs["metadata"]["name"]: clean(rs) for rs in sets}}  # fmt: skip


UNDO_CASES = [
    pytest.param(3, 0, False, id="undo-to-previous"),
    pytest.param(3, 1, False, id="undo-to-revision-1"),
    pytest.param(3, 3, False, id="already-equal-skipped"),
    pytest.param(3, 9, False, id="unknown-revision"),
    pytest.param(1, 0, False, id="no-history"),
    pytest.param(3, 0, True, id="paused"),
]


@pytest.mark.parametrize(("versions", "to_revision", "paused"), UNDO_CASES)
async def test_rollout_undo_matches_kubectl(
    servers: tuple[FakeKube, FakeKube, Path, Path], versions: int, to_revision: int, paused: bool
) -> None:
    ours, theirs, our_config, their_config = servers
    for server in (ours, theirs):
        deploy_history(server, versions, paused)
    assert cluster_state(ours) == cluster_state(theirs)
    result = await apply_once(our_config, request(Verb.ROLLBACK, to_revision=to_revision))
    args = ["rollout", "undo", "deployment/web"]
    done = kubectl(their_config, *args, *([f"--to-revision={to_revision}"] if to_revision else []))
    assert_same_verdict(result, done)
    assert cluster_state(ours) == cluster_state(theirs)


async def test_undo_brings_back_the_previous_template_with_the_next_revision(
    servers: tuple[FakeKube, FakeKube, Path, Path],
) -> None:
    ours, _, our_config, _ = servers
    deploy_history(ours, 3)
    adapter = actions(our_config)
    try:
        before = await adapter.history("deployment", "web")
        result = await adapter.apply(request(Verb.ROLLBACK))
        after = await adapter.history("deployment", "web")
    finally:
        await adapter.pods.aclose()
    assert [(r.number, r.images, r.current) for r in before] == [
        (1, ("web:v1",), False), (2, ("web:v2",), False), (3, ("web:v3",), True)]  # fmt: skip
    assert result.before == {"revision": 3, "images": ["web:v3"]}
    assert result.after == {"revision": 2, "images": ["web:v2"]}
    # As on a real cluster, revision 2 becomes revision 4: the history loses 2 and gains 4.
    assert [(r.number, r.images, r.change_cause, r.current) for r in after] == [
        (1, ("web:v1",), "deploy v1", False), (3, ("web:v3",), "deploy v3", False),
        (4, ("web:v2",), "deploy v2", True)]  # fmt: skip
    spec = deployment(ours)["spec"]["template"]
    assert "pod-template-hash" not in spec["metadata"]["labels"]


async def test_history_lists_what_kubectl_rollout_history_lists(
    servers: tuple[FakeKube, FakeKube, Path, Path],
) -> None:
    ours, _, our_config, _ = servers
    deploy_history(ours, 3)
    adapter = actions(our_config)
    try:
        revisions = await adapter.history("deployment", "web")
    finally:
        await adapter.pods.aclose()
    done = kubectl(our_config, "rollout", "history", "deployment/web")
    assert done.returncode == 0, done.stderr
    rows = [line.split(None, 1) for line in done.stdout.splitlines()[2:] if line.strip()]
    assert [(int(n), cause.strip()) for n, cause in rows] == [
        (r.number, r.change_cause) for r in revisions
    ]


async def test_reads_of_a_missing_deployment_say_what_the_server_said_like_kubectl(
    servers: tuple[FakeKube, FakeKube, Path, Path],
) -> None:
    """History, preview and apply of a Deployment that is not there: the Status's words
    (`deployments.apps "nosuch" not found`), never a guessed missing namespace."""
    ours, _, our_config, _ = servers
    deploy_history(ours, 2)
    said = 'Error from server (NotFound): deployments.apps "nosuch" not found'
    adapter = actions(our_config)
    try:
        with pytest.raises(KubeError) as error:
            await adapter.history("deployment", "nosuch")
        missing = ActionRequest(Verb.SCALE, "deployment", "nosuch", "shop", replicas=2)
        preview = await adapter.preview(missing)
        result = await adapter.apply(missing)
    finally:
        await adapter.pods.aclose()
    assert error.value.message == said and error.value.code == 404
    assert not preview.ok and preview.message == said
    assert not result.ok and result.message == said
    done = await asyncio.to_thread(kubectl, our_config, "rollout", "history", "deploy/nosuch")
    assert done.stderr.strip() == said


async def test_undo_preview_shows_the_image_change_and_is_a_dry_run(
    servers: tuple[FakeKube, FakeKube, Path, Path],
) -> None:
    ours, _, our_config, _ = servers
    deploy_history(ours, 2)
    version = deployment(ours)["metadata"]["resourceVersion"]
    adapter = actions(our_config)
    guarded = actions(our_config, read_only=True)
    try:
        preview = await adapter.preview(request(Verb.ROLLBACK))
        ours.requests.clear()
        quiet = await guarded.preview(request(Verb.ROLLBACK))
        with pytest.raises(ReadOnlyError):
            await guarded.apply(request(Verb.ROLLBACK))
    finally:
        await adapter.pods.aclose()
        await guarded.pods.aclose()
    assert preview.ok and "server-side dry run passed" in preview.notes
    revision = 'metadata.annotations["deployment.kubernetes.io/revision"]'
    assert preview.changes[:2] == (
        (revision, "2", "3 (revision 1's template)"),
        ("spec.template.spec.containers[app].image", "web:v2", "web:v1"),
    )
    assert ("spec.template.spec.containers[app].env[TIER].value", "web:v2", "web:v1") in (
        preview.changes
    )
    assert deployment(ours)["metadata"]["resourceVersion"] == version
    assert quiet.ok and quiet.changes == preview.changes
    assert [m for m, _ in ours.requests if m != "GET"] == []


async def test_rollback_from_the_keyboard_picks_a_revision_and_records_it(
    servers: tuple[FakeKube, FakeKube, Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    from cockpit.app.cockpit_app import CockpitApp
    from cockpit.config.schema import Config
    from cockpit.runtime.wiring import Runtime
    from cockpit.screens.actions import ConfirmAction, HistoryScreen
    from tests.support.screen_text import screen_text, wait_for

    ours, _, our_config, _ = servers
    deploy_history(ours, 3)
    monkeypatch.setenv("KUBECONFIG", str(our_config))
    config = Config.model_validate({"panels": {"pods": {"namespace": "shop"}}})
    db = tmp_path / "t.db"
    app = CockpitApp(Runtime.build(config, context="fake", db=db))
    async with app.run_test(size=(110, 30)) as pilot:
        await wait_for(pilot, lambda: app.actions is not None and app.recorder is not None)
        assert app.recorder is not None
        await app.recorder.declare("checkout errors", 2)
        await pilot.press("U")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await wait_for(pilot, lambda: "deploy v3" in screen_text(app))
        text = screen_text(app)
        assert "deploy v1" in text and "deploy v3" in text and "3 (current)" in text
        await pilot.press("enter")  # the cursor starts on the previous revision
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await wait_for(pilot, lambda: "dry run" in screen_text(app))
        text = screen_text(app)
        # At 110 columns the three columns fit: the image row reads field, current, new.
        row = next(line for line in text.splitlines() if "containers[app].image" in line)
        assert row.split("│")[1].split() == [
            "spec.template.spec.containers[app].image", "web:v3", "web:v2"
        ]
        assert "server-side dry run passed" in text
        assert "kubectl --context fake -n shop rollout undo deployment/web --to-revision=2" in text
        await pilot.press("y")
        await wait_for(
            pilot,
            lambda: (
                deployment(ours)["spec"]["template"]["spec"]["containers"][0]["image"] == "web:v2"
            ),
        )

        def recorded() -> list[str]:
            with sqlite3.connect(db) as conn:
                return [r[0] for r in conn.execute(
                    "SELECT text FROM events WHERE kind = 'action' ORDER BY seq")]  # fmt: skip

        await wait_for(pilot, lambda: len(recorded()) >= 2)
    assert "rolled back" in recorded()[-1]


EVERY_MUTATION = [
    pytest.param(request(Verb.SCALE, replicas=5), id="scale"),
    pytest.param(request(Verb.SCALE, replicas=5, current_replicas=3), id="scale-precondition"),
    pytest.param(request(Verb.RESTART), id="restart"),
    pytest.param(request(Verb.ROLLBACK), id="undo"),
    pytest.param(request(Verb.ROLLBACK, to_revision=1), id="undo-to-revision"),
]


@pytest.mark.parametrize("mutation", EVERY_MUTATION)
async def test_read_only_refuses_every_mutation_before_it_leaves(
    servers: tuple[FakeKube, FakeKube, Path, Path], mutation: ActionRequest
) -> None:
    ours, _, our_config, _ = servers
    deploy_history(ours, 2)
    before = cluster_state(ours)
    ours.requests.clear()
    guarded = actions(our_config, read_only=True)
    try:
        with pytest.raises(ReadOnlyError, match="read-only mode"):
            await guarded.apply(mutation)
        preview = await guarded.preview(mutation)
    finally:
        await guarded.pods.aclose()
    assert "read-only: no dry run was sent" in preview.notes
    assert [m for m, _ in ours.requests if m not in ("GET",)] == []
    assert cluster_state(ours) == before


@pytest.mark.parametrize("mutation", EVERY_MUTATION)
async def test_forbidden_says_who_may_not_do_what_and_changes_nothing(
    servers: tuple[FakeKube, FakeKube, Path, Path], mutation: ActionRequest
) -> None:
    ours, _, our_config, _ = servers
    deploy_history(ours, 2)
    ours.forbid("patch", "deployments", "shop")
    before = cluster_state(ours)
    adapter = actions(our_config)
    try:
        preview = await adapter.preview(mutation)
        result = await adapter.apply(mutation)
    finally:
        await adapter.pods.aclose()
    for message in (preview.message, result.message):
        assert 'cannot patch deployments.apps in namespace "shop"' in message
        assert 'User "test-user"' in message
    assert not preview.ok and not result.ok
    assert cluster_state(ours) == before


# ---- StatefulSets: scale and restart as kubectl does them ----------------------------------


def database(replicas: int = 3) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": {"name": "db", "namespace": "shop", "generation": 1},
        "spec": {
            "replicas": replicas,
            "serviceName": "db",
            "selector": {"matchLabels": {"app": "db"}},
            "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
            "template": {"metadata": {"labels": {"app": "db"}},
                         "spec": {"containers": [{"name": "pg", "image": "postgres:16"}]}},
        },
        "status": {"observedGeneration": 1, "replicas": replicas, "readyReplicas": replicas,
                   "currentReplicas": replicas, "updatedReplicas": replicas,
                   "currentRevision": "db-7d9f", "updateRevision": "db-7d9f"},
    }  # fmt: skip


def statefulset(server: FakeKube) -> dict[str, Any]:
    obj = server.store.get(resource_for("statefulsets", "apps"), "shop", "db")
    assert obj is not None
    return obj


@pytest.mark.parametrize(
    ("args", "mutation"),
    [
        pytest.param(
            ["scale", "statefulset/db", "--replicas=5", "--current-replicas=3"],
            ActionRequest(Verb.SCALE, "statefulset", "db", "shop", replicas=5, current_replicas=3),
            id="scale",
        ),
        pytest.param(
            ["scale", "statefulset/db", "--replicas=5", "--current-replicas=2"],
            ActionRequest(Verb.SCALE, "statefulset", "db", "shop", replicas=5, current_replicas=2),
            id="scale-stale",
        ),
        pytest.param(
            ["rollout", "restart", "statefulset/db"],
            ActionRequest(Verb.RESTART, "statefulset", "db", "shop"),
            id="restart",
        ),
    ],
)
async def test_statefulset_actions_match_kubectl(
    servers: tuple[FakeKube, FakeKube, Path, Path], args: list[str], mutation: ActionRequest
) -> None:
    ours, theirs, our_config, their_config = servers
    ours.add(database())
    theirs.add(database())
    result = await apply_once(our_config, mutation)
    done = kubectl(their_config, *args)
    assert_same_verdict(result, done)
    mine, kubectls = statefulset(ours)["spec"], statefulset(theirs)["spec"]
    for spec in (mine, kubectls):
        (spec["template"]["metadata"].get("annotations") or {}).pop(RESTARTED_AT, None)
    assert mine == kubectls


async def test_workloads_offer_statefulsets_and_rollback_says_use_kubectl(
    servers: tuple[FakeKube, FakeKube, Path, Path],
) -> None:
    ours, _, our_config, _ = servers
    ours.add(database(), web(2))
    adapter = actions(our_config)
    try:
        found = await adapter.workloads()
        refused = await adapter.apply(ActionRequest(Verb.ROLLBACK, "statefulset", "db", "shop"))
        revisions = await adapter.history("statefulset", "db")
    finally:
        await adapter.pods.aclose()
    assert [(w.kind, w.name) for w in found] == [("statefulset", "db"), ("deployment", "web")]
    db = found[0]
    assert (db.replicas, db.ready, db.partition, db.current_revision) == (3, 3, 0, "db-7d9f")
    assert not refused.ok and "kubectl rollout undo statefulset/db" in refused.message
    assert revisions == []


async def test_undo_to_the_current_revision_previews_as_nothing_to_do(
    servers: tuple[FakeKube, FakeKube, Path, Path],
) -> None:
    ours, _, our_config, _ = servers
    deploy_history(ours, 2)
    ours.requests.clear()
    adapter = actions(our_config)
    try:
        preview = await adapter.preview(request(Verb.ROLLBACK, to_revision=2))
    finally:
        await adapter.pods.aclose()
    assert preview.ok and preview.changes == ()
    assert preview.message == "skipped rollback (current template already matches revision 2)"
    assert [m for m, _ in ours.requests if m != "GET"] == []
