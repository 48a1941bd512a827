"""The pods panel kept current by list + watch against the fake API server, over HTTPS with the
real `kubernetes` client: changes arrive without a re-list, a dropped stream resumes from the last
resourceVersion, 410 Gone means one fresh list, an API server that is down for a while is named
and the panel recovers by itself. The fake's watch wire format is checked on its own and against
the real `kubectl get --watch`."""

from __future__ import annotations

import asyncio
import json
import ssl
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cockpit.core.model import PodList, Reading
from cockpit.sources.kube.pods import KubernetesPods
from cockpit.sources.kube.watch import WatchTiming
from tests.conftest import require_tool
from tests.support.fakekube import ApiError, FakeKube, pod
from tests.support.fakekube.server import ApiRequest, Response, tls_material
from tests.support.kube_fixtures import CREATED, eventually, pods_source, until


def web(replicas: int, available: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "generation": 1,
                     "annotations": {"deployment.kubernetes.io/revision": "3"}},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [
            {"name": "app", "image": "registry.example.com/web:v3"}]}}},
        "status": {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                   "readyReplicas": available, "availableReplicas": available},
    }  # fmt: skip


@pytest.fixture
def kube() -> Iterator[FakeKube]:
    with FakeKube() as server:
        server.add(
            pod("web-a", namespace="shop", labels={"app": "web"}, created=CREATED, ready=False),
            pod("web-b", namespace="shop", labels={"app": "web"}, created=CREATED),
            pod("api-0", namespace="shop", labels={"app": "api"}, created=CREATED),
            pod("elsewhere", namespace="other", labels={"app": "web"}, created=CREATED),
            web(replicas=2, available=1),
        )
        yield server


@pytest.fixture
def kubeconfig(tmp_path: Path, kube: FakeKube) -> Path:
    return kube.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")


@pytest.fixture
async def src(kubeconfig: Path) -> Any:
    source = pods_source(kubeconfig, timeout=5.0)
    try:
        yield source
    finally:
        await source.aclose()


def pods(reading: Reading) -> dict[str, str]:
    assert isinstance(reading.detail, PodList), reading.error
    return {r.name: f"{r.ready} {r.status}" for r in reading.detail.rows}


# ---- changes arrive by watch ----------------------------------------------------------------


async def test_added_changed_and_deleted_pods_arrive_without_a_relist(
    kube: FakeKube, src: KubernetesPods
) -> None:
    listed_at = kube.store.resource_version
    first = await src.read()
    assert pods(first) == {"api-0": "1/1 Running", "web-a": "0/1 Running", "web-b": "1/1 Running"}
    await until(lambda: bool(kube.watch_requests("pods")))
    watch = kube.watch_requests("pods")[0]
    assert f"resourceVersion={listed_at}" in watch
    assert "allowWatchBookmarks=true" in watch and "timeoutSeconds=30" in watch

    kube.add(pod("web-c", namespace="shop", created=CREATED, waiting="ImagePullBackOff"))
    kube.add(pod("web-a", namespace="shop", labels={"app": "web"}, created=CREATED))
    kube.remove("pods", "shop", "api-0")
    kube.add(pod("not-ours", namespace="other", created=CREATED))

    reading = await eventually(src, lambda r: "api-0" not in pods(r) and "web-c" in pods(r))
    assert pods(reading) == {
        "web-a": "1/1 Running",
        "web-b": "1/1 Running",
        "web-c": "0/1 ImagePullBackOff",
    }
    assert dict(reading.values) == {"pods": 3.0, "not_ready": 1.0, "restarts": 0.0}
    assert len(kube.list_requests("pods")) == 1
    assert src.pods_watch is not None and src.pods_watch.counts.lists == 1


async def test_a_deployment_rolling_out_is_followed_by_watch(
    kube: FakeKube, src: KubernetesPods
) -> None:
    first = await src.read()
    assert isinstance(first.detail, PodList)
    assert first.detail.workloads[0].rollout == "1 of 2 updated replicas are available"
    await until(lambda: bool(kube.watch_requests("deployments")))
    kube.add(web(replicas=2, available=2))
    reading = await eventually(
        src, lambda r: isinstance(r.detail, PodList) and r.detail.workloads[0].rolled_out
    )
    assert isinstance(reading.detail, PodList)
    assert reading.detail.workloads[0].available == 2
    assert len(kube.list_requests("deployments")) == 1


async def test_a_selector_is_sent_with_the_watch_and_pods_leaving_it_disappear(
    kube: FakeKube, kubeconfig: Path
) -> None:
    source = pods_source(kubeconfig, timeout=10.0, selector="app=web")
    try:
        assert set(pods(await source.read())) == {"web-a", "web-b"}
        await until(lambda: bool(kube.watch_requests("pods")))
        assert "labelSelector=app=web" in kube.watch_requests("pods")[0]
        # Relabelled: it no longer matches, so the watch reports it DELETED.
        kube.add(pod("web-b", namespace="shop", labels={"app": "old"}, created=CREATED))
        reading = await eventually(source, lambda r: set(pods(r)) == {"web-a"})
        assert reading.ok
        assert len(kube.list_requests("pods")) == 1
    finally:
        await source.aclose()


# ---- resilience ---------------------------------------------------------------------------------


async def test_a_dropped_stream_resumes_from_the_last_resource_version(
    kube: FakeKube, src: KubernetesPods
) -> None:
    await src.read()
    await until(lambda: bool(kube.watch_requests("pods")))
    (added,) = kube.add(pod("web-c", namespace="shop", created=CREATED))
    await eventually(src, lambda r: "web-c" in pods(r))
    last_seen = added["metadata"]["resourceVersion"]

    kube.drop_connections()
    await until(lambda: len(kube.watch_requests("pods")) >= 2)
    assert f"resourceVersion={last_seen}" in kube.watch_requests("pods")[1]
    kube.remove("pods", "shop", "web-b")
    reading = await eventually(src, lambda r: "web-b" not in pods(r))
    assert reading.ok
    assert len(kube.list_requests("pods")) == 1
    assert src.pods_watch is not None and src.pods_watch.counts.broken >= 1


def _gone_once(kube: FakeKube) -> None:
    """The first watch is answered 410 Gone over HTTP, as a server without a watch cache does."""
    original = kube.handlers[("watch", "pods", "")]
    answered: list[str] = []

    def handler(request: ApiRequest) -> Response:
        if not answered:
            answered.append(request.query.get("resourceVersion", ""))
            raise ApiError(410, "Expired", "too old resource version: 1 (1000)")
        return original(request)

    kube.handle("watch", "pods", "", handler)


@pytest.mark.parametrize("how", ["error event", "http status"])
async def test_410_gone_means_one_fresh_list(kube: FakeKube, src: KubernetesPods, how: str) -> None:
    if how == "http status":
        _gone_once(kube)
    await src.read()
    await until(lambda: bool(kube.watch_requests("pods")))
    if how == "error event":
        # The history no longer reaches back to the version the open watch stands on.
        kube.store.forget_history()
    kube.add(pod("after-gone", namespace="shop", created=CREATED))
    reading = await eventually(src, lambda r: "after-gone" in pods(r))
    await until(lambda: len(kube.watch_requests("pods")) >= 2)
    assert reading.ok
    assert len(kube.list_requests("pods")) == 2
    assert src.pods_watch is not None and src.pods_watch.counts.expired == 1


async def test_an_api_server_down_for_a_while_is_named_and_the_panel_recovers(
    kube: FakeKube, src: KubernetesPods
) -> None:
    await src.read()
    await until(lambda: bool(kube.watch_requests("pods")))
    url = kube.url
    kube.stop()
    down = await eventually(src, lambda r: r.error is not None)
    assert down.error == (
        f"cannot reach {url}: connection refused (is the API server up, is the port right?)"
    )
    kube.add(pod("born-while-down", namespace="shop", created=CREATED))
    kube.start()
    assert kube.url == url
    reading = await eventually(src, lambda r: r.ok)
    assert "born-while-down" in pods(reading)
    # The history still reached back: the watch resumed, nothing was listed again.
    assert len(kube.list_requests("pods")) == 1


async def test_refresh_now_cuts_the_reconnect_backoff_short(
    kube: FakeKube, kubeconfig: Path
) -> None:
    # Backoffs far longer than the test may take: only retry_now can make it pass.
    source = pods_source(
        kubeconfig,
        timeout=5.0,
        watch=WatchTiming(stream_seconds=30, first_retry=120.0, max_retry=600.0),
    )
    try:
        assert (await source.read()).ok
        await until(lambda: source.pods_watch is not None and source.pods_watch.counts.watches > 0)
        kube.stop()
        source.retry_now()
        assert (await eventually(source, lambda r: r.error is not None)).error
        kube.add(pod("back", namespace="shop", created=CREATED))
        kube.start()
        source.retry_now()
        reading = await eventually(source, lambda r: r.ok)
        assert "back" in pods(reading)
    finally:
        await source.aclose()


async def test_watch_forbidden_says_who_may_not_watch_what(
    kube: FakeKube, src: KubernetesPods
) -> None:
    kube.forbid("watch", "pods", "shop")
    reading = await eventually(src, lambda r: r.error is not None)
    assert reading.error is not None
    assert reading.error.startswith('forbidden: cannot watch pods in namespace "shop"')
    assert 'User "test-user" cannot watch resource "pods"' in reading.error


async def test_watch_answered_500_is_named(kube: FakeKube, src: KubernetesPods) -> None:
    def broken(request: ApiRequest) -> Response:
        raise ApiError(500, "InternalError", "etcdserver: request timed out")

    kube.handle("watch", "pods", "", broken)
    reading = await eventually(src, lambda r: r.error is not None)
    assert reading.error == (
        f"API server {kube.url} answered 500 Internal Server Error: etcdserver: request timed out"
    )


async def test_an_error_event_in_the_stream_is_named(kube: FakeKube, src: KubernetesPods) -> None:
    def failing(request: ApiRequest) -> Response:
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": "etcd cluster is unavailable", "reason": "InternalError",
                  "code": 500}  # fmt: skip
        return Response(200, iter([json.dumps({"type": "ERROR", "object": status}).encode()]))

    kube.handle("watch", "pods", "", failing)
    reading = await eventually(src, lambda r: r.error is not None)
    assert reading.error == "watch of pods: etcd cluster is unavailable"


async def test_a_servers_words_in_the_stream_reach_the_panel_terminal_safe(
    kube: FakeKube, src: KubernetesPods
) -> None:
    def hostile(request: ApiRequest) -> Response:
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": "\x1b]0;pwned\x07\x1b[2Jgone", "reason": "InternalError",
                  "code": 500}  # fmt: skip
        return Response(200, iter([json.dumps({"type": "ERROR", "object": status}).encode()]))

    kube.handle("watch", "pods", "", hostile)
    reading = await eventually(src, lambda r: r.error is not None)
    assert reading.error == "watch of pods: \u241b]0;pwned\u2407\u241b[2Jgone"


# ---- the fake server's watch on the wire ------------------------------------------------------


def _open(kube: FakeKube, path: str) -> Any:
    context = ssl.create_default_context(cadata=tls_material().ca_pem.decode())
    request = urllib.request.Request(f"{kube.url}{path}")
    request.add_header("Authorization", f"Bearer {kube.token}")
    return urllib.request.urlopen(request, context=context, timeout=10)


def test_fake_watch_streams_events_bookmarks_and_ends_at_its_timeout(kube: FakeKube) -> None:
    rv = kube.store.resource_version
    kube.bookmark_interval = 0.0  # a bookmark whenever the stream is idle
    kube.add(pod("web-c", namespace="shop", labels={"app": "web"}, created=CREATED))
    kube.remove("pods", "shop", "web-a")
    kube.add(pod("api-1", namespace="shop", labels={"app": "api"}, created=CREATED))
    path = (
        f"/api/v1/namespaces/shop/pods?watch=1&resourceVersion={rv}&timeoutSeconds=1"
        "&allowWatchBookmarks=true&labelSelector=app%3Dweb"
    )
    with _open(kube, path) as response:
        assert response.headers["Transfer-Encoding"] == "chunked"
        events = [json.loads(line) for line in response]  # ends by itself after 1 s
    changes = [(e["type"], e["object"]["metadata"]["name"]) for e in events[:2]]
    assert changes == [("ADDED", "web-c"), ("DELETED", "web-a")]
    assert events[0]["object"]["kind"] == "Pod"
    bookmarks = [e for e in events[2:]]
    assert bookmarks and all(e["type"] == "BOOKMARK" for e in bookmarks)
    assert bookmarks[0]["object"] == {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {"resourceVersion": str(kube.store.resource_version)},
    }


def test_fake_watch_from_a_forgotten_version_is_410_expired(kube: FakeKube) -> None:
    kube.store.history_limit = 2
    kube.add(*(pod(f"p-{i}", namespace="shop", created=CREATED) for i in range(3)))
    oldest = kube.store.resource_version - 2
    with _open(kube, "/api/v1/namespaces/shop/pods?watch=1&resourceVersion=1000") as response:
        events = [json.loads(line) for line in response]
    assert events == [
        {
            "type": "ERROR",
            "object": {
                "kind": "Status",
                "apiVersion": "v1",
                "metadata": {},
                "status": "Failure",
                "message": f"too old resource version: 1000 ({oldest})",
                "reason": "Expired",
                "code": 410,
            },
        }
    ]


def test_real_kubectl_watches_the_fake_server(
    kube: FakeKube, kubeconfig: Path, tmp_path: Path
) -> None:
    kubectl = require_tool("kubectl")
    argv = [kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "cache")]
    argv += ["get", "pods", "--watch", "--output-watch-events", "-o", "json"]
    seen: list[tuple[str, str]] = []
    with subprocess.Popen(
        argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        try:
            asyncio.run(until(lambda: bool(kube.watch_requests("pods"))))
            kube.add(pod("from-watch", namespace="shop", created=CREATED))
            kube.remove("pods", "shop", "web-b")
            assert process.stdout is not None
            decoder = json.JSONDecoder()
            buffer = ""
            while ("DELETED", "web-b") not in seen:
                line = process.stdout.readline()
                assert line, "kubectl ended early"
                buffer += line
                try:
                    event, _ = decoder.raw_decode(buffer.strip())
                except ValueError:
                    continue
                buffer = ""
                seen.append((event["type"], event["object"]["metadata"]["name"]))
        finally:
            process.terminate()
            process.communicate(timeout=10)
    # kubectl lists first (ADDED for what exists), then watches from the list's version.
    assert ("ADDED", "web-a") in seen
    assert seen[-2:] == [("ADDED", "from-watch"), ("DELETED", "web-b")]
