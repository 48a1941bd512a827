"""A source that comes back is shown within one interval of its return: no backoff hides a
recovery. Against a real Prometheus frozen with SIGSTOP and thawed with SIGCONT, and against the
fake API server behind a proxy that refuses and then passes again. Nothing here is timed: the
assertions count reads and compare when they started with the moment of the return."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cockpit.core.model import PanelState, Reading, Status
from cockpit.runtime.scheduler import Scheduler
from cockpit.sources.base import utc_now
from cockpit.sources.http.prometheus import PrometheusClient, PrometheusLatency
from cockpit.sources.kube.pods import KubernetesPods
from cockpit.sources.kube.watch import WatchTiming
from tests.integration.test_prometheus_source import LATENCY, P50, P95, PromServer, prometheus
from tests.support.fakekube import FakeKube, pod
from tests.support.faultproxy import FaultProxy
from tests.support.kube_fixtures import CREATED, LIMIT, pods_source

pytestmark = pytest.mark.slow
__all__ = ["prometheus"]  # the module-scoped real Prometheus fixture

INTERVAL = 1.0
TIMEOUT = 1.0
# Failed reads of the pods panel before the API server returns: each made the watch retry, so
# by then its own backoff is 50 ms × 2^12 and more.
FAILURES = 13
# A thawed Prometheus has a backlog of scrapes to catch up on: its first answer may be slower.
PROM_TIMEOUT = 2.0


@dataclass(frozen=True)
class Delivered:
    reading: Reading
    at: float  # loop time of delivery


class Panel:
    """What the dashboard keeps for one panel, fed by the scheduler; tests wait on it."""

    def __init__(self, panel: str, title: str, source: object) -> None:
        measures = getattr(source, "measures", ())
        self.state = PanelState(panel, title, measures, INTERVAL)
        self.delivered: list[Delivered] = []
        self._changed = asyncio.Event()

    def __call__(self, reading: Reading) -> None:
        self.state.apply(reading)
        self.delivered.append(Delivered(reading, asyncio.get_running_loop().time()))
        self._changed.set()

    def shown(self) -> Status:
        """The panel's status as drawn when its latest reading arrived (on the source's clock)."""
        latest = self.state.latest
        return self.state.view(latest.observed_at if latest is not None else utc_now()).status

    async def until(self, condition: Callable[[], bool]) -> None:
        async with asyncio.timeout(LIMIT):
            while not condition():
                self._changed.clear()
                await self._changed.wait()

    def since(self, t: float) -> list[Delivered]:
        return [d for d in self.delivered if d.at >= t]


@pytest.fixture
def thawed(prometheus: PromServer) -> Iterator[PromServer]:
    """The server, continued on the way out whatever the test did to it."""
    try:
        yield prometheus
    finally:
        os.kill(prometheus.process.pid, signal.SIGCONT)


async def test_a_frozen_prometheus_is_shown_again_within_an_interval_of_its_return(
    thawed: PromServer,
) -> None:
    client = PrometheusClient(thawed.url, timeout=PROM_TIMEOUT)
    source = PrometheusLatency("latency", LATENCY, client, P50, P95)
    panel = Panel("latency", "Latency", source)
    scheduler = Scheduler(panel, seed=7)
    runner = scheduler.add(source, INTERVAL, PROM_TIMEOUT)
    scheduler.start()
    loop = asyncio.get_running_loop()
    try:
        await panel.until(lambda: any(d.reading.ok for d in panel.delivered))
        assert panel.shown() not in (Status.ERROR, Status.STALE, Status.UNKNOWN)
        os.kill(thawed.process.pid, signal.SIGSTOP)
        frozen_at = loop.time()
        # Several failed reads in a row: long enough for any backoff to have grown.
        await panel.until(lambda: sum(not d.reading.ok for d in panel.since(frozen_at)) >= 3)
        assert panel.shown() in (Status.ERROR, Status.STALE)
        assert panel.state.latest is not None and panel.state.latest.error
        # However many failures: the next read is never more than one interval away.
        assert runner.stats.next_delay <= INTERVAL
        os.kill(thawed.process.pid, signal.SIGCONT)
        resumed_at = loop.time()
        await panel.until(lambda: any(d.reading.ok for d in panel.since(resumed_at)))
    finally:
        await scheduler.stop()
        await source.aclose()
    after = panel.since(resumed_at)
    first_good = next(i for i, d in enumerate(after) if d.reading.ok)
    # At most the read that was already hanging at the return fails; the next one, started
    # within one interval, shows the server again.
    assert first_good <= 1, [d.reading.error for d in after]
    assert panel.shown() not in (Status.ERROR, Status.STALE, Status.UNKNOWN)


@pytest.fixture
def kube() -> Iterator[FakeKube]:
    with FakeKube(tls=False) as server:
        server.add(pod("web-a", namespace="shop", created=CREATED))
        yield server


@pytest.fixture
def proxy(kube: FakeKube) -> Iterator[FaultProxy]:
    parts = urlsplit(kube.url)
    with FaultProxy((parts.hostname or "127.0.0.1", parts.port or 80)) as fault:
        yield fault


def names(reading: Reading | None) -> set[str]:
    detail = getattr(reading, "detail", None)
    return {row.name for row in getattr(detail, "rows", ())}


async def test_an_api_server_back_is_shown_within_an_interval_despite_a_long_watch_backoff(
    kube: FakeKube, proxy: FaultProxy, tmp_path: Path
) -> None:
    kubeconfig = kube.write_kubeconfig(tmp_path / "kc", namespace="shop", server=proxy.url)
    # A backoff that doubles from 50 ms up to ten minutes: after the failures below it is well
    # past a minute, far longer than the test may take; only the reads can cut it short.
    source: KubernetesPods = pods_source(
        kubeconfig,
        timeout=TIMEOUT,
        watch=WatchTiming(stream_seconds=30, first_retry=0.05, max_retry=600.0),
    )
    panel = Panel("pods", "Pods", source)
    scheduler = Scheduler(panel, seed=11)
    runner = scheduler.add(source, INTERVAL, TIMEOUT)
    scheduler.start()
    loop = asyncio.get_running_loop()
    try:
        await panel.until(lambda: "web-a" in names(panel.state.latest))
        watch = source.pods_watch
        assert watch is not None
        await panel.until(lambda: watch.counts.watches > 0)
        # Every open connection is dropped and every new one refused, as by a crashed server.
        proxy.switch("refuse")
        failed_at = loop.time()
        await panel.until(lambda: sum(not d.reading.ok for d in panel.since(failed_at)) >= FAILURES)
        assert panel.shown() in (Status.ERROR, Status.STALE)
        kube.add(pod("web-b", namespace="shop", created=CREATED))
        proxy.switch("pass")
        back_at = loop.time()
        await panel.until(
            lambda: any(d.reading.ok and "web-b" in names(d.reading) for d in panel.since(back_at))
        )
    finally:
        await scheduler.stop()
        await source.aclose()
    after = panel.since(back_at)
    first_good = next(i for i, d in enumerate(after) if d.reading.ok)
    # The first read after the return has the watch retry at once (not in five minutes); the
    # read after it, half an interval later, shows the server back.
    assert first_good <= 2, [d.reading.error for d in after]
    assert runner.stats.consecutive_failures == 0
    assert panel.shown() is Status.OK
