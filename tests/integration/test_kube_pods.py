"""`KubernetesPods` with the real `kubernetes` client against the fake API server over HTTPS.

The client reads a generated kubeconfig exactly as it would a user's; the fake server speaks the
API's JSON and `Status` errors. One test runs the real `kubectl` against the same server, which
proves the fake's wire format is the one real clients expect.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.config.schema import PodsPanel, panel_measures
from cockpit.core.model import PodList, Reading, Status
from cockpit.core.safe_text import is_terminal_safe
from cockpit.sources.kube.pods import KubernetesPods
from tests.conftest import T0, FakeClock, require_tool
from tests.support.fakekube import FakeKube, parse_selector, pod
from tests.support.fakekube import kubeconfig as kubeconfig_dict
from tests.support.fakekube.server import selector_matches, tls_material

SECRET = "s3cr3t-token-that-must-never-leak"
CREATED = T0 - timedelta(hours=3)


@pytest.fixture
def kube() -> Iterator[FakeKube]:
    with FakeKube(token=SECRET) as server:
        server.add(
            pod("web-b", namespace="shop", labels={"app": "web", "tier": "front"}, created=CREATED),
            pod(
                "web-a",
                namespace="shop",
                labels={"app": "web", "tier": "front"},
                created=CREATED,
                waiting="CrashLoopBackOff",
                restarts=4,
                last_restart=T0 - timedelta(minutes=3),
            ),
            pod("api-0", namespace="shop", labels={"app": "api"}, created=CREATED, ready=False),
            pod(
                "report-1",
                namespace="shop",
                labels={"job-name": "report"},
                created=CREATED,
                phase="Succeeded",
            ),
            pod("other-0", namespace="other", labels={"app": "web"}, created=CREATED),
        )
        yield server


@pytest.fixture
def kubeconfig(tmp_path: Path, kube: FakeKube) -> Path:
    return kube.write_kubeconfig(tmp_path / "kubeconfig", context="fake", namespace="shop")


def source(
    kubeconfig: Path | str | None,
    clock: FakeClock,
    *,
    namespace: str = "shop",
    selector: str = "",
    context: str = "",
    max_not_ready: int = 0,
    timeout: float = 10.0,
) -> KubernetesPods:
    measures = panel_measures("pods", PodsPanel(max_not_ready=max_not_ready))
    return KubernetesPods(
        "pods",
        measures,
        namespace=namespace,
        selector=selector,
        context=context,
        kubeconfig=str(kubeconfig) if kubeconfig is not None else None,
        clock=clock,
        timeout=timeout,
    )


async def read(src: KubernetesPods) -> Reading:
    try:
        return await src.read()
    finally:
        await src.aclose()


def rows(reading: Reading) -> list[tuple[str, str, str, int]]:
    assert isinstance(reading.detail, PodList), reading.error
    return [(r.name, r.ready, r.status, r.restarts) for r in reading.detail.rows]


# ---- happy path ---------------------------------------------------------------------------------


async def test_rows_and_counts(kubeconfig: Path, clock: FakeClock) -> None:
    reading = await read(source(kubeconfig, clock))
    assert reading.ok, reading.error
    assert reading.observed_at == T0
    assert rows(reading) == [
        ("api-0", "0/1", "Running", 0),
        ("report-1", "0/1", "Completed", 0),
        ("web-a", "0/1", "CrashLoopBackOff", 4),
        ("web-b", "1/1", "Running", 0),
    ]
    # The finished Job pod is 0/1 by design and does not count as not ready.
    assert dict(reading.values) == {"pods": 4.0, "not_ready": 2.0, "restarts": 4.0}
    assert reading.status is Status.CRIT
    assert isinstance(reading.detail, PodList)
    web_a = reading.detail.rows[2]
    assert web_a.last_restart_at == T0 - timedelta(minutes=3)
    assert web_a.created_at == CREATED
    assert web_a.node == "node-a"


async def test_threshold_tolerates_configured_not_ready(kubeconfig: Path, clock: FakeClock) -> None:
    reading = await read(source(kubeconfig, clock, max_not_ready=2))
    assert reading.status is Status.OK


@pytest.mark.parametrize(
    ("selector", "names"),
    [
        ("app=web", ["web-a", "web-b"]),
        ("app==api", ["api-0"]),
        ("app!=web", ["api-0", "report-1"]),
        ("app in (web, api)", ["api-0", "web-a", "web-b"]),
        ("app notin (web),tier!=back", ["api-0", "report-1"]),
        ("job-name", ["report-1"]),
        ("!app", ["report-1"]),
        ("app=web,tier=front", ["web-a", "web-b"]),
        ("app=nothing", []),
    ],
)
async def test_selector_filters(
    kubeconfig: Path, clock: FakeClock, selector: str, names: list[str]
) -> None:
    reading = await read(source(kubeconfig, clock, selector=selector))
    assert reading.ok, reading.error
    assert [r[0] for r in rows(reading)] == names


async def test_empty_namespace_is_zero_pods_not_an_error(kube: FakeKube, tmp_path: Path) -> None:
    kube.store.ensure_namespace("quiet")
    config = kube.write_kubeconfig(tmp_path / "kc")
    reading = await read(source(config, FakeClock(), namespace="quiet"))
    assert reading.ok, reading.error
    assert dict(reading.values) == {"pods": 0.0, "not_ready": 0.0, "restarts": 0.0}
    assert reading.status is Status.OK


async def test_kubeconfig_from_environment(
    kubeconfig: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # KUBECONFIG may list several files; missing ones are skipped, as kubectl does.
    monkeypatch.setenv("KUBECONFIG", f"{tmp_path / 'absent'}:{kubeconfig}")
    reading = await read(source(None, clock))
    assert reading.ok, reading.error
    assert len(rows(reading)) == 4


async def test_named_context_is_used(kube: FakeKube, tmp_path: Path, clock: FakeClock) -> None:
    # Two contexts in one file: the wrong one is current, the named one must win.
    good = kube.write_kubeconfig(tmp_path / "good", context="staging")
    config = json.loads(good.read_text())
    broken = json.loads(
        kube.write_kubeconfig(tmp_path / "bad", context="prod", token="x").read_text()
    )
    for key in ("clusters", "users", "contexts"):
        config[key] += broken[key]
    config["current-context"] = "prod"
    both = tmp_path / "both"
    both.write_text(json.dumps(config))
    reading = await read(source(both, clock, context="staging"))
    assert reading.ok, reading.error


# ---- failures, each with a message a person can act on -----------------------------------------


async def test_wrong_token_is_a_clear_error_without_the_token(
    kube: FakeKube, tmp_path: Path, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "wrong-" + SECRET
    config = kube.write_kubeconfig(tmp_path / "kc", context="fake", token=wrong)
    caplog.set_level(logging.DEBUG)
    reading = await read(source(config, clock, context="fake"))
    assert reading.status is Status.ERROR
    assert reading.error is not None
    assert "credentials rejected" in reading.error
    assert "401" in reading.error
    assert kube.url in reading.error
    assert 'context "fake"' in reading.error
    for text in (reading.error, caplog.text, repr(reading)):
        assert wrong not in text
        assert SECRET not in text
        assert "Bearer" not in text


async def test_forbidden_names_verb_resource_and_namespace(
    kube: FakeKube, kubeconfig: Path, clock: FakeClock
) -> None:
    kube.forbid("list", "pods", "shop")
    reading = await read(source(kubeconfig, clock))
    assert reading.status is Status.ERROR
    assert reading.error is not None
    assert reading.error.startswith('forbidden: cannot list pods in namespace "shop"')
    # The server's own words say who was refused, which is what RBAC needs to be fixed.
    assert 'User "test-user" cannot list resource "pods"' in reading.error
    assert SECRET not in reading.error


async def test_forbidden_elsewhere_does_not_matter(
    kube: FakeKube, kubeconfig: Path, clock: FakeClock
) -> None:
    kube.forbid("list", "pods", "other")
    reading = await read(source(kubeconfig, clock))
    assert reading.ok, reading.error


async def test_unknown_namespace_is_named(kubeconfig: Path, clock: FakeClock) -> None:
    # kube-apiserver lists nothing for a namespace that does not exist; the source asks.
    reading = await read(source(kubeconfig, clock, namespace="shpo"))
    assert reading.error == f'namespace "shpo" not found on {_url(kubeconfig)}'


async def test_server_down_names_the_url(tmp_path: Path, clock: FakeClock) -> None:
    with FakeKube(token=SECRET) as server:
        config = server.write_kubeconfig(tmp_path / "kc")
        url = server.url
    reading = await read(source(config, clock))
    assert reading.status is Status.ERROR
    assert (
        reading.error
        == f"cannot reach {url}: connection refused (is the API server up, is the port right?)"
    )


async def test_unreachable_port_never_opened(tmp_path: Path, clock: FakeClock) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with FakeKube() as server:
        config = server.write_kubeconfig(tmp_path / "kc", server=f"https://127.0.0.1:{port}")
    reading = await read(source(config, clock))
    assert reading.error is not None
    assert reading.error.startswith(f"cannot reach https://127.0.0.1:{port}: connection refused")


async def test_timeout_names_server_and_limit(
    kube: FakeKube, kubeconfig: Path, clock: FakeClock
) -> None:
    release = kube.stall()
    try:
        reading = await read(source(kubeconfig, clock, timeout=0.3))
    finally:
        release.set()
    assert reading.error == f"no answer from {kube.url} within 0.3s"


async def test_unknown_context_is_named(kubeconfig: Path, clock: FakeClock) -> None:
    reading = await read(source(kubeconfig, clock, context="prod-eu"))
    assert reading.status is Status.ERROR
    assert reading.error is not None
    assert 'context "prod-eu" not found' in reading.error
    assert "contexts: fake" in reading.error


async def test_no_kubeconfig_and_not_in_cluster(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    missing = tmp_path / "nope" / "config"
    reading = await read(source(missing, clock))
    assert reading.error is not None
    assert reading.error.startswith(f"no kubeconfig found (looked in {missing})")


async def test_kubeconfig_without_current_context(tmp_path: Path, clock: FakeClock) -> None:
    config = tmp_path / "kc"
    config.write_text(json.dumps({"apiVersion": "v1", "kind": "Config", "clusters": []}))
    reading = await read(source(config, clock))
    assert reading.error is not None
    assert reading.error.startswith(f"kubeconfig {config} defines no contexts")


def test_importing_the_source_does_not_import_kubernetes() -> None:
    # The first frame must not wait for the kubernetes package; it loads on the first read.
    code = (
        "import sys, cockpit.sources.kube.pods, cockpit.core.podstatus; "
        "sys.exit('kubernetes' in sys.modules)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ---- the fake server itself --------------------------------------------------------------------


def _get(url: str, token: str | None) -> tuple[int, dict[str, object]]:
    context = ssl.create_default_context(cadata=tls_material().ca_pem.decode())
    request = urllib.request.Request(url)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_fake_server_speaks_status_and_list_metadata(kube: FakeKube) -> None:
    code, body = _get(f"{kube.url}/api/v1/namespaces/shop/pods", "nope")
    assert code == 401
    assert body == {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": "Unauthorized",
        "reason": "Unauthorized",
        "code": 401,
    }
    code, body = _get(f"{kube.url}/api/v1/pods?labelSelector=app%3Dweb", SECRET)
    assert code == 200
    assert body["kind"] == "PodList"
    metadata = body["metadata"]
    assert isinstance(metadata, dict) and int(metadata["resourceVersion"]) > 0
    items = body["items"]
    assert isinstance(items, list)
    assert [(i["metadata"]["namespace"], i["metadata"]["name"]) for i in items] == [
        ("other", "other-0"),
        ("shop", "web-a"),
        ("shop", "web-b"),
    ]
    code, body = _get(f"{kube.url}/api/v1/namespaces/shop/pods/web-b", SECRET)
    assert (code, body["kind"], body["metadata"]["name"]) == (200, "Pod", "web-b")  # type: ignore[index]
    code, body = _get(f"{kube.url}/api/v1/namespaces/shop/pods/ghost", SECRET)
    assert (code, body["reason"], body["message"]) == (404, "NotFound", 'pods "ghost" not found')
    code, body = _get(f"{kube.url}/api/v1/namespaces/ghost", SECRET)
    assert (code, body["message"]) == (404, 'namespaces "ghost" not found')


def test_fake_server_paginates_like_apiserver(kube: FakeKube) -> None:
    seen: list[str] = []
    url = f"{kube.url}/api/v1/namespaces/shop/pods?limit=3"
    code, body = _get(url, SECRET)
    while True:
        assert code == 200
        seen += [i["metadata"]["name"] for i in body["items"]]  # type: ignore[attr-defined]
        token = body["metadata"].get("continue")  # type: ignore[attr-defined]
        if not token:
            break
        code, body = _get(f"{url}&continue={token}", SECRET)
    assert seen == ["api-0", "report-1", "web-a", "web-b"]


@pytest.mark.parametrize(
    ("selector", "labels", "expected"),
    [
        ("a=b", {"a": "b"}, True),
        ("a=b", {"a": "c"}, False),
        ("a!=b", {}, True),
        ("a in (b,c)", {"a": "c"}, True),
        ("a notin (b,c)", {"a": "c"}, False),
        ("a notin (b,c)", {}, True),
        ("a", {"a": ""}, True),
        ("!a", {"a": ""}, False),
        ("a=b, c in (d)", {"a": "b", "c": "d"}, True),
    ],
)
def test_selector_semantics(selector: str, labels: dict[str, str], expected: bool) -> None:
    assert selector_matches(parse_selector(selector), labels) is expected


def test_bad_selector_is_rejected() -> None:
    with pytest.raises(ValueError, match="unable to parse"):
        parse_selector("a in b")


# ---- the real kubectl ---------------------------------------------------------------------------


def test_real_kubectl_reads_the_fake_server(
    kube: FakeKube, kubeconfig: Path, tmp_path: Path, clock: FakeClock
) -> None:
    kubectl = require_tool("kubectl")
    # Enough pods that kubectl pages through them with continue tokens (chunk size 50).
    kube.add(*(pod(f"bulk-{i:03d}", namespace="shop", created=CREATED) for i in range(120)))
    base = [kubectl, "--kubeconfig", str(kubeconfig), "--cache-dir", str(tmp_path / "cache")]
    result = subprocess.run(
        [*base, "get", "pods", "-o", "json", "--chunk-size", "50"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert SECRET not in result.stderr
    listed = json.loads(result.stdout)
    kubectl_names = [item["metadata"]["name"] for item in listed["items"]]
    assert all(item["kind"] == "Pod" for item in listed["items"])

    reading = asyncio.run(read(source(kubeconfig, clock)))
    assert reading.ok, reading.error
    assert kubectl_names == [r[0] for r in rows(reading)]
    assert len(kubectl_names) == 124

    selected = subprocess.run(
        [*base, "get", "pods", "-l", "app in (web)", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert selected.returncode == 0, selected.stderr
    assert [i["metadata"]["name"] for i in json.loads(selected.stdout)["items"]] == [
        "web-a",
        "web-b",
    ]


def _url(kubeconfig: Path) -> str:
    return str(json.loads(kubeconfig.read_text())["clusters"][0]["cluster"]["server"])


async def test_untrusted_certificate_is_explained(
    kube: FakeKube, tmp_path: Path, clock: FakeClock
) -> None:
    config = tmp_path / "kc"
    config.write_text(json.dumps(kubeconfig_dict(kube.url, SECRET, "fake", "shop")))
    reading = await read(source(config, clock))
    assert reading.error is not None
    assert reading.error.startswith(f"TLS error talking to {kube.url}: certificate not trusted")
    assert "certificate-authority" in reading.error


async def test_plain_http_to_a_tls_port_is_explained(
    kube: FakeKube, tmp_path: Path, clock: FakeClock
) -> None:
    plain = kube.url.replace("https://", "http://")
    config = kube.write_kubeconfig(tmp_path / "kc", server=plain)
    reading = await read(source(config, clock))
    assert reading.error is not None
    assert reading.error == (
        f"connection to {plain} broke: the server closed the connection without answering "
        "(is the URL http:// where the server wants https://?)"
    )


def deployment(
    name: str, *, replicas: int, updated: int, available: int, total: int, deadline: bool = False
) -> dict[str, object]:
    conditions = []
    if deadline:
        conditions.append(
            {"type": "Progressing", "status": "False", "reason": "ProgressDeadlineExceeded"}
        )
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "namespace": "shop", "generation": 3,
                     "labels": {"app": "web"},
                     "annotations": {"deployment.kubernetes.io/revision": "5"}},
        "spec": {"replicas": replicas, "template": {"spec": {"containers": [
            {"name": "app", "image": "registry.example.com/shop/web:v1.9.0"}]}}},
        "status": {"observedGeneration": 3, "replicas": total, "updatedReplicas": updated,
                   "readyReplicas": available, "availableReplicas": available,
                   "conditions": conditions},
    }  # fmt: skip


async def test_deployments_come_with_kubectl_rollout_status(
    kube: FakeKube, kubeconfig: Path, clock: FakeClock
) -> None:
    kube.add(
        deployment("web", replicas=4, updated=1, available=3, total=5),
        deployment("api", replicas=2, updated=2, available=2, total=2),
        deployment("jobs", replicas=2, updated=1, available=1, total=2, deadline=True),
    )
    reading = await read(source(kubeconfig, clock))
    assert isinstance(reading.detail, PodList)
    rows = {w.name: w for w in reading.detail.workloads}
    assert rows["api"].rolled_out and rows["api"].revision == 5 and rows["api"].image == "v1.9.0"
    web = rows["web"]
    assert (web.desired, web.current, web.updated, web.available) == (4, 5, 1, 3)
    assert not web.rolled_out and web.rollout == "1 out of 4 new replicas have been updated"
    assert rows["jobs"].rollout == 'deployment "jobs" exceeded its progress deadline'


async def test_pods_still_show_when_deployments_are_forbidden(
    kube: FakeKube, kubeconfig: Path, clock: FakeClock
) -> None:
    kube.add(deployment("web", replicas=1, updated=1, available=1, total=1))
    kube.forbid("list", "deployments")
    reading = await read(source(kubeconfig, clock))
    assert reading.error is None and isinstance(reading.detail, PodList)
    assert reading.detail.rows and reading.detail.workloads == ()


# ---- the server's words -------------------------------------------------------------------------


@dataclass
class _ApiException:
    """What the client raises for an HTTP error: the status, its reason phrase and the body."""

    status: int
    reason: str
    body: bytes


_TEXT = st.text(max_size=60)


@settings(max_examples=300, deadline=None)
@given(
    code=st.sampled_from([400, 401, 403, 404, 409, 410, 422, 429, 500, 503]),
    reason=_TEXT,
    message=_TEXT,
    kind=st.one_of(st.none(), st.sampled_from(["namespaces", "pods", "deployments"]), _TEXT),
    name=_TEXT,
    verb=st.sampled_from(["get", "list", "watch", "patch"]),
)
def test_any_status_becomes_one_terminal_safe_line_that_guesses_nothing(
    code: int, reason: str, message: str, kind: str | None, name: str, verb: str
) -> None:
    status: dict[str, object] = {"kind": "Status", "code": code, "reason": reason}
    status["message"] = message
    if kind is not None:
        status["details"] = {"kind": kind, "name": name}
    src = source(None, FakeClock(), namespace="shop")
    src.server = "https://api.example:6443"
    said = src._api_message(_ApiException(code, "Phrase", json.dumps(status).encode()), verb)
    assert said and "\n" not in said and is_terminal_safe(said)
    # A namespace is named missing only when the Status says a namespace is what is missing.
    if kind != "namespaces":
        assert 'namespace "shop" not found' not in said
    elif code == 404:
        assert said.startswith('namespace "') and said.endswith("not found on " + src.server)
