"""Names the API server would refuse never reach it: a table of bad names through every way
into an action (the command line with and without --dry-run, the keys in the cockpit, runbook
steps) and bad namespaces, selectors and contexts through the paths that need no config, each
against the fake API server, which counts every connection and request it receives.

Why on the wire: the client joins names into URL paths, so `deploy/.` once scaled a Deployment
named `scale`. What matters is what the server saw, not what a function returned.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from textual.widgets import Input, OptionList

from cockpit.app.cockpit_app import CockpitApp
from cockpit.cli.main import main
from cockpit.config.schema import Config
from cockpit.core.safe_text import is_terminal_safe
from cockpit.runbooks.actions import command_to_action
from cockpit.runtime.wiring import Runtime
from cockpit.screens.actions import ScaleForm, WorkloadPicker
from cockpit.sources.kube.pods import KubeError
from tests.integration.test_kube_actions import web
from tests.support.fakekube import FakeKube
from tests.support.fakekube.apps import install
from tests.support.kube_fixtures import pods_source
from tests.support.screen_text import wait_for

# (name, words of the rule the message must name)
BAD_NAMES = [
    pytest.param(".", "may not be '.' or '..'", id="dot"),
    pytest.param("..", "may not be '.' or '..'", id="dotdot"),
    pytest.param("a/b", "may not contain '/'", id="slash"),
    pytest.param("a%2e", "may not contain '%'", id="percent"),
    pytest.param("Upper", "DNS-1123 subdomain", id="upper-case"),
    pytest.param("-web", "DNS-1123 subdomain", id="leading-dash"),
    pytest.param("a" * 254, "at most 253 characters", id="254-chars"),
    pytest.param("web\x1b[2J", "DNS-1123 subdomain", id="escape"),
    pytest.param("web\x00", "DNS-1123 subdomain", id="nul"),
    pytest.param("we b", "DNS-1123 subdomain", id="space"),
    pytest.param(" web", "DNS-1123 subdomain", id="leading-space"),
    pytest.param("web\n", "DNS-1123 subdomain", id="newline"),
    pytest.param("ｗｅｂ", "DNS-1123 subdomain", id="full-width"),
    pytest.param("", "may not be empty", id="empty"),
]
BAD_NAME_VALUES = [p.values[0] for p in BAD_NAMES]

BAD_NAMESPACES = [
    pytest.param(".", "may not be '.' or '..'", id="dot"),
    pytest.param("..", "may not be '.' or '..'", id="dotdot"),
    pytest.param("a/b", "may not contain '/'", id="slash"),
    pytest.param("sh%6fp", "may not contain '%'", id="percent"),
    pytest.param("Shop", "DNS-1123 label", id="upper-case"),
    pytest.param("-shop", "DNS-1123 label", id="leading-dash"),
    pytest.param("shop.eu", "DNS-1123 label", id="dot-inside"),
    pytest.param("s" * 64, "at most 63 characters", id="64-chars"),
    pytest.param("shop\x1b]0;x\x07", "DNS-1123 label", id="escape"),
    pytest.param(" shop", "DNS-1123 label", id="leading-space"),
    pytest.param("ｓｈｏｐ", "DNS-1123 label", id="full-width"),
    pytest.param("", "may not be empty", id="empty"),
]

BAD_SELECTORS = [
    pytest.param("((((", id="parens"),
    pytest.param("app=web,", id="trailing-comma"),
    pytest.param("app in (web", id="unclosed"),
    pytest.param("app=we b", id="space-in-value"),
    pytest.param("app=web\x1b[2J", id="escape"),
    pytest.param("App!!=x", id="double-bang"),
    pytest.param("k" * 64 + "=v", id="long-key"),
]

BAD_CONTEXTS = [
    pytest.param("", "may not be empty", id="empty"),
    pytest.param("prod\x1b]0;pwned\x07", "control characters", id="escape"),
    pytest.param("prod\n", "control characters", id="newline"),
    pytest.param("p" * 1025, "at most 1024 characters", id="1025-chars"),
]


@dataclass
class Cluster:
    server: FakeKube
    kubeconfig: Path
    db: Path

    def cockpit(self, *args: str) -> Result:
        return CliRunner().invoke(main, [*args, "--db", str(self.db)])


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    with FakeKube() as server:
        install(server)
        server.add(web(3))
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        monkeypatch.delenv("COCKPIT_DB", raising=False)
        yield Cluster(server, kubeconfig, tmp_path / "timeline.db")


def refused(result: Result, *words: str) -> None:
    """Exit 2, no traceback, the rule named, nothing raw on the terminal."""
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.stderr, result.stderr
    assert is_terminal_safe(result.stderr, multiline=True)


ACTIONS = [
    pytest.param(["scale", "{target}", "7"], id="scale"),
    pytest.param(["restart", "{target}"], id="restart"),
    pytest.param(["rollback", "{target}"], id="rollback"),
]


# ---- the command line ----------------------------------------------------------------------


@pytest.mark.parametrize("dry_run", [False, True], ids=["yes", "dry-run"])
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(("name", "rule"), BAD_NAMES)
def test_a_bad_name_on_the_command_line_sends_nothing(
    cluster: Cluster, name: str, rule: str, action: list[str], dry_run: bool
) -> None:
    args = [a.replace("{target}", f"deploy/{name}") for a in action]
    result = cluster.cockpit(*args, "-n", "shop", "--dry-run" if dry_run else "--yes")
    refused(result, "invalid deployment name", rule)
    assert cluster.server.wire() == (0, [])


def test_the_issue_case_scales_nothing_and_names_the_rule(cluster: Cluster) -> None:
    """`deploy/.` once reached `…/deployments/scale`: a Deployment named `scale` grew."""
    cluster.server.add(stored("scale"))
    result = cluster.cockpit("scale", "deploy/.", "7", "--yes", "-n", "shop")
    refused(result, "invalid deployment name \".\": a name may not be '.' or '..'")
    assert cluster.server.wire() == (0, [])


@pytest.mark.parametrize(("namespace", "rule"), BAD_NAMESPACES)
def test_a_bad_namespace_on_the_command_line_sends_nothing(
    cluster: Cluster, namespace: str, rule: str
) -> None:
    result = cluster.cockpit("scale", "deploy/web", "7", "-n", namespace, "--yes")
    refused(result, "-n/--namespace: invalid namespace name", rule)
    assert cluster.server.wire() == (0, [])


@pytest.mark.parametrize(("context", "rule"), BAD_CONTEXTS)
def test_a_bad_context_on_the_command_line_sends_nothing(
    cluster: Cluster, context: str, rule: str
) -> None:
    result = cluster.cockpit("restart", "deploy/web", "--context", context, "-n", "shop", "-y")
    refused(result, "--context: invalid context name", rule)
    assert cluster.server.wire() == (0, [])


def test_a_context_the_kubeconfig_lacks_is_named_with_the_file(cluster: Cluster) -> None:
    result = cluster.cockpit("restart", "deploy/web", "--context", "prod:eu/1", "-y")
    refused(result, f'context "prod:eu/1" not found in kubeconfig {cluster.kubeconfig}')
    assert cluster.server.wire() == (0, [])


@pytest.mark.parametrize(("namespace", "rule"), BAD_NAMESPACES[:6])
def test_a_bad_namespace_in_the_kubeconfig_context_sends_nothing(
    cluster: Cluster, tmp_path: Path, namespace: str, rule: str
) -> None:
    """No -n and no config: kubectl's default is the context's namespace, from a file."""
    odd = cluster.server.write_kubeconfig(tmp_path / "odd", namespace=namespace or "x")
    if not namespace:
        odd.write_text(odd.read_text().replace('"namespace": "x"', '"namespace": "Shop Floor"'))
        rule = "DNS-1123 label"
    result = CliRunner(env={"KUBECONFIG": str(odd)}).invoke(
        main, ["restart", "deploy/web", "--yes", "--db", str(cluster.db)]
    )
    refused(result, "invalid namespace name", rule)
    assert cluster.server.wire() == (0, [])


def test_a_good_name_does_reach_the_server(cluster: Cluster) -> None:
    """The other side of the table: the same command with a good name is sent."""
    result = cluster.cockpit("scale", "deploy/web", "7", "-n", "shop", "--yes")
    assert result.exit_code == 0, result.output
    connections, requests = cluster.server.wire()
    assert connections >= 1
    assert ("PATCH", "/apis/apps/v1/namespaces/shop/deployments/web/scale") in requests


# ---- runbook steps -----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "rule"), BAD_NAMES)
def test_a_runbook_command_with_a_bad_name_is_no_action(name: str, rule: str) -> None:
    """It stays a command to copy: nothing the cockpit would preview or send."""
    for argv in (
        ["kubectl", "-n", "shop", "scale", f"deployment/{name}", "--replicas=7"],
        ["kubectl", "-n", "shop", "scale", "deployment", name, "--replicas=7"],
        ["kubectl", "-n", "shop", "rollout", "restart", f"deploy/{name}"],
        ["kubectl", "-n", "shop", "rollout", "undo", f"deploy/{name}"],
    ):
        assert command_to_action(argv, namespace="shop", context="fake") is None, argv
    good = ["kubectl", "-n", "shop", "rollout", "restart", "deploy/web"]
    assert command_to_action(good, namespace="shop", context="fake") is not None


@pytest.mark.parametrize(("namespace", "rule"), BAD_NAMESPACES)
def test_a_runbook_command_with_a_bad_namespace_or_context_is_no_action(
    namespace: str, rule: str
) -> None:
    argv = ["kubectl", "-n", namespace, "rollout", "restart", "deploy/web"]
    assert command_to_action(argv, namespace="shop", context="fake") is None
    helm = ["helm", "rollback", "web", "3", "-n", namespace]
    assert command_to_action(helm, namespace="shop") is None
    for context, _ in (p.values for p in BAD_CONTEXTS):
        argv = ["kubectl", "--context", context, "rollout", "restart", "deploy/web"]
        assert command_to_action(argv, namespace="shop") is None
        helm = ["helm", "rollback", "web", "--kube-context", context]
        assert command_to_action(helm, namespace="shop") is None


# ---- the keys in the cockpit ---------------------------------------------------------------


_OBJECT_PATH = re.compile(r"/(deployments|statefulsets|replicasets|pods)/[^/?]*")


def object_requests(requests: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Requests about one object (a read, a dry run, a change), as opposed to the lists and
    watches that keep the panels current."""
    return [(m, p) for m, p in requests if m != "GET" or _OBJECT_PATH.search(p.split("?")[0])]


def stored(name: str) -> dict[str, object]:
    deployment = web(1)
    deployment["metadata"] = {**deployment["metadata"], "name": name}
    return deployment


def picker_ready(app: CockpitApp) -> bool:
    """The workload picker is on screen with its list mounted (a screen is pushed before its
    children are: under load a test can see the one without the other)."""
    return isinstance(app.screen, WorkloadPicker) and bool(app.screen.query(OptionList))


async def test_keys_on_a_workload_with_a_bad_name_send_nothing_about_it(
    cluster: Cluster, tmp_path: Path
) -> None:
    """A server (or a proxy, or a fake) may list names it would never accept back: scale,
    restart and rollback from the keys refuse them with the rule, before any request."""
    for name in BAD_NAME_VALUES:
        cluster.server.add(stored(name))
    config = Config.model_validate({"panels": {"pods": {"namespace": "shop"}}})
    app = CockpitApp(Runtime.build(config, context="fake", db=tmp_path / "t.db"))
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: app.actions is not None)
        before = len(cluster.server.requests)
        # Every bad name through restart; scale (after its form) and rollback through a few:
        # the three flows build their request in the same place, each is shown to use it.
        steps = [("R", name) for name in BAD_NAME_VALUES] + [
            (key, name) for key in ("s", "U") for name in (".", "a/b", "Upper", "")
        ]
        for key, name in steps:
            app.clear_notifications()
            await pilot.press(key)
            await wait_for(pilot, lambda: picker_ready(app))
            picker = app.screen
            assert isinstance(picker, WorkloadPicker)
            index = next(i for i, w in enumerate(picker.workloads) if w.name == name)
            picker.query_one(OptionList).highlighted = index
            await pilot.press("enter")
            if key == "s":
                await wait_for(pilot, lambda: isinstance(app.screen, ScaleForm))
                app.screen.query_one(Input).value = "7"
                await pilot.press("enter")
            await wait_for(pilot, lambda: len(app._notifications) > 0)
            said = [str(n.message) for n in app._notifications][-1]
            assert "invalid deployment name" in said, said
            assert "\x1b" not in said and "\n" not in said
        assert object_requests(cluster.server.requests[before:]) == []
        # And the keys do reach the server for a good name: the test can see a request.
        await pilot.press("R")
        await wait_for(pilot, lambda: picker_ready(app))
        picker = app.screen
        assert isinstance(picker, WorkloadPicker)
        picker.query_one(OptionList).highlighted = next(
            i for i, w in enumerate(picker.workloads) if w.name == "web"
        )
        await pilot.press("enter")
        await wait_for(pilot, lambda: object_requests(cluster.server.requests[before:]) != [])


# ---- the pods panel and pod detail, without any config ------------------------------------------


@pytest.mark.parametrize(("namespace", "rule"), BAD_NAMESPACES)
async def test_the_pods_panel_refuses_a_bad_namespace_before_any_request(
    cluster: Cluster, namespace: str, rule: str
) -> None:
    src = pods_source(cluster.kubeconfig, timeout=5.0)
    src.namespace = namespace
    try:
        reading = await src.read()
    finally:
        await src.aclose()
    assert reading.error is not None and "invalid namespace name" in reading.error
    assert rule in reading.error and "\x1b" not in reading.error
    assert cluster.server.wire() == (0, [])


@pytest.mark.parametrize("selector", BAD_SELECTORS)
async def test_the_pods_panel_refuses_a_bad_selector_before_any_request(
    cluster: Cluster, selector: str
) -> None:
    src = pods_source(cluster.kubeconfig, timeout=5.0, selector=selector)
    try:
        reading = await src.read()
    finally:
        await src.aclose()
    assert reading.error is not None and reading.error.startswith("invalid label selector")
    assert "\x1b" not in reading.error
    assert cluster.server.wire() == (0, [])


@pytest.mark.parametrize(("context", "rule"), BAD_CONTEXTS[1:])
async def test_the_pods_panel_refuses_a_bad_context_before_any_request(
    cluster: Cluster, context: str, rule: str
) -> None:
    src = pods_source(cluster.kubeconfig, timeout=5.0)
    src.context = context
    try:
        reading = await src.read()
    finally:
        await src.aclose()
    assert reading.error is not None and rule in reading.error
    assert "\x1b" not in reading.error
    assert cluster.server.wire() == (0, [])


@pytest.mark.parametrize(("name", "rule"), BAD_NAMES)
async def test_pod_detail_refuses_a_bad_pod_name_before_any_request(
    cluster: Cluster, name: str, rule: str
) -> None:
    src = pods_source(cluster.kubeconfig, timeout=5.0)
    try:
        with pytest.raises(KubeError) as error:
            await src.pod_detail(name)
    finally:
        await src.aclose()
    assert "invalid pod name" in error.value.message and rule in error.value.message
    assert cluster.server.wire() == (0, [])


@pytest.mark.parametrize(("name", "rule"), BAD_NAMES)
async def test_rollout_history_refuses_a_bad_name_before_any_request(
    cluster: Cluster, name: str, rule: str
) -> None:
    from cockpit.sources.kube.actions import KubeActions

    src = pods_source(cluster.kubeconfig, timeout=5.0)
    try:
        with pytest.raises(KubeError) as error:
            await KubeActions(src, read_only=False).history("deployment", name)
    finally:
        await src.aclose()
    assert rule in error.value.message
    assert cluster.server.wire() == (0, [])
