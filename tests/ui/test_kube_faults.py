"""Faults on the wire between the cockpit and the (fake) Kubernetes API: refused, hung, cut in
the middle of a list or a watch stream, slow. The pods panel says what is wrong, keys are
answered meanwhile, and the panel recovers by itself when the fault clears, with what changed
during the fault."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cockpit.app.cockpit_app import CockpitApp
from cockpit.config.schema import Config
from cockpit.core.model import PodList, Reading
from cockpit.runtime.wiring import Runtime
from cockpit.sources.kube.pods import KubernetesPods
from tests.support.fakekube import FakeKube, pod
from tests.support.faultproxy import FaultProxy
from tests.support.kube_fixtures import CREATED, LIMIT, eventually, pods_source, until
from tests.support.screen_text import screen_lines, screen_text, wait_for

pytestmark = pytest.mark.slow


@pytest.fixture
def kube() -> Iterator[FakeKube]:
    # Plain HTTP behind the proxy, so that "cut after N bytes" cuts the HTTP answer itself
    # rather than a TLS record; the TLS paths are covered in test_kube_pods.
    with FakeKube(tls=False) as server:
        server.add(
            pod("web-a", namespace="shop", created=CREATED),
            pod("web-b", namespace="shop", created=CREATED),
        )
        yield server


@pytest.fixture
def proxy(kube: FakeKube) -> Iterator[FaultProxy]:
    parts = urlsplit(kube.url)
    with FaultProxy((parts.hostname or "127.0.0.1", parts.port or 80)) as fault:
        yield fault


@pytest.fixture
def kubeconfig(tmp_path: Path, kube: FakeKube, proxy: FaultProxy) -> Path:
    return kube.write_kubeconfig(tmp_path / "kc", namespace="shop", server=proxy.url)


def names(reading: Reading) -> set[str]:
    assert isinstance(reading.detail, PodList), reading.error
    return {r.name for r in reading.detail.rows}


def watching(src: KubernetesPods | None) -> bool:
    """Both watch streams are open (their answers' heads have arrived)."""
    if src is None or src.pods_watch is None or src.deployments_watch is None:
        return False
    return src.pods_watch.counts.watches > 0 and src.deployments_watch.counts.watches > 0


@pytest.mark.parametrize(
    ("mode", "cut_after", "expected"),
    [
        # Accepted and closed at once: seen as a reset or a silent close, depending on timing.
        (
            "refuse",
            0,
            (
                "connection to {url} broke: connection reset by the server",
                "connection to {url} broke: the server closed the connection without answering",
            ),
        ),
        ("blackhole", 0, ("no answer from {url} within 1s",)),
        # Through the answer's head and into the body: a list or a watch event cut short.
        ("cut", 300, ("connection to {url} broke: the answer was cut off before its end",)),
    ],
)
async def test_each_fault_is_named_and_the_panel_recovers_with_what_changed(
    kube: FakeKube,
    proxy: FaultProxy,
    kubeconfig: Path,
    mode: str,
    cut_after: int,
    expected: tuple[str, ...],
) -> None:
    src = pods_source(kubeconfig, timeout=1.0)
    try:
        assert names(await src.read()) == {"web-a", "web-b"}
        # The fault meets reconnecting watches, not a request caught in the switch itself.
        await until(lambda: watching(src))
        if cut_after:
            proxy.cut_after = cut_after
        # Every open connection is dropped, the watch streams with them; what they meet when
        # they come back is the fault.
        proxy.switch(mode)
        kube.add(pod("during-fault", namespace="shop", created=CREATED))
        bad = await eventually(src, lambda r: r.error is not None)
        assert bad.error is not None
        assert any(bad.error.startswith(e.format(url=proxy.url)) for e in expected), bad.error
        proxy.switch("pass")
        good = await eventually(src, lambda r: r.ok)
        assert names(good) == {"web-a", "web-b", "during-fault"}
    finally:
        await src.aclose()


async def test_a_panel_that_failed_stays_failed_until_the_whole_state_is_back(
    kube: FakeKube, proxy: FaultProxy, kubeconfig: Path
) -> None:
    src = pods_source(kubeconfig, timeout=1.0)
    try:
        assert names(await src.read()) == {"web-a", "web-b"}
        await until(lambda: watching(src))
        watch = src.pods_watch
        assert watch is not None
        proxy.switch("refuse")
        kube.add(pod("during-fault", namespace="shop", created=CREATED))
        kube.remove("pods", "shop", "web-b")
        await eventually(src, lambda r: r.error is not None)
        opened = watch.counts.watches
        release = kube.hold_watch_events()
        proxy.switch("pass")
        src.retry_now()
        # The resumed stream's head has arrived; what changed during the fault has not.
        await until(lambda: watch.counts.watches > opened)
        held = await src.read()
        assert not held.ok and held.error is not None
        release.set()
        good = await eventually(src, lambda r: r.ok)
        assert names(good) == {"web-a", "during-fault"}
    finally:
        await src.aclose()
    # The whole state came on the resumed watch (its initial events), not by listing again.
    assert watch.counts.replays == 1 and watch.counts.lists == 1
    assert len(kube.list_requests("pods")) == 1


async def test_a_server_without_watch_list_is_listed_again_after_a_shown_failure(
    kube: FakeKube, proxy: FaultProxy, kubeconfig: Path
) -> None:
    kube.watch_list = False
    src = pods_source(kubeconfig, timeout=1.0)
    try:
        assert names(await src.read()) == {"web-a", "web-b"}
        await until(lambda: watching(src))
        proxy.switch("refuse")
        kube.add(pod("during-fault", namespace="shop", created=CREATED))
        kube.remove("pods", "shop", "web-b")
        await eventually(src, lambda r: r.error is not None)
        proxy.switch("pass")
        src.retry_now()
        good = await eventually(src, lambda r: r.ok)
        assert names(good) == {"web-a", "during-fault"}
    finally:
        await src.aclose()
    # Asked once for a watch that starts with the whole state, refused, then listed.
    asked = [p for p in kube.watch_requests("pods") if "sendInitialEvents=true" in p]
    assert len(asked) == 1
    assert len(kube.list_requests("pods")) == 2


async def test_a_watch_stream_dropped_by_the_network_resumes_without_an_error(
    kube: FakeKube, proxy: FaultProxy, kubeconfig: Path
) -> None:
    src = pods_source(kubeconfig, timeout=1.0)
    readings: list[Reading] = []

    async def read_until(name: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + LIMIT
        while not readings or not readings[-1].ok or name not in names(readings[-1]):
            assert loop.time() < deadline, readings[-1]
            readings.append(await src.read())
            await asyncio.sleep(0.01)

    try:
        await read_until("web-a")
        watch = src.pods_watch
        assert watch is not None
        await until(lambda: watching(src))
        kube.add(pod("web-c", namespace="shop", created=CREATED))
        await read_until("web-c")
        # The proxy drops the open stream (as a NAT or load balancer does); the next
        # connection passes again.
        proxy.switch("pass")
        kube.add(pod("web-d", namespace="shop", created=CREATED))
        await read_until("web-d")
    finally:
        await src.aclose()
    assert [r.error for r in readings if not r.ok] == []
    assert watch.counts.broken >= 1 and watch.counts.lists == 1
    assert len(kube.list_requests("pods")) == 1


async def test_a_slow_api_server_within_the_timeout_is_still_a_good_reading(
    kube: FakeKube, proxy: FaultProxy, kubeconfig: Path
) -> None:
    proxy.switch("delay", delay=0.3)
    src = pods_source(kubeconfig, timeout=5.0)
    try:
        reading = await src.read()
        assert reading.ok and names(reading) == {"web-a", "web-b"}
    finally:
        await src.aclose()


@pytest.mark.parametrize("mode", ["blackhole", "refuse"])
async def test_a_failing_api_server_never_delays_a_key_and_the_pods_panel_recovers(
    kube: FakeKube,
    kubeconfig: Path,
    proxy: FaultProxy,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    mode: str,
) -> None:
    monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
    config = Config.model_validate(
        {"panels": {"pods": {"namespace": "shop", "interval": "1s", "timeout": "1s"}}}
    )
    app = CockpitApp(Runtime.build(config, db=tmp_path / "t.db"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: "web-a" in screen_text(app), rounds=1000)
        assert app.source_set is not None
        source = next(s for s, _ in app.source_set.sources if isinstance(s, KubernetesPods))
        await wait_for(pilot, lambda: watching(source), rounds=1000)
        proxy.switch(mode)
        await wait_for(
            pilot,
            lambda: (latest := app.states["pods"].latest) is not None and latest.error is not None,
            rounds=1000,
        )
        await wait_for(pilot, lambda: "! " in screen_text(app))
        # While every request fails or hangs, a key is answered in the next frame.
        await pilot.press("p")
        await pilot.pause()
        assert "PAUSED" in screen_lines(app)[0]
        await pilot.press("p")
        kube.add(pod("web-new", namespace="shop", created=CREATED))
        proxy.switch("pass")
        # The watch may be waiting out a long backoff by now; refresh-now reconnects at once.
        await pilot.press("r")
        await wait_for(
            pilot,
            lambda: "web-new" in screen_text(app) and "! " not in screen_text(app),
            rounds=1500,
        )
