"""What the pods-panel tests against the fake API server share: the source as the cockpit
builds it, and waits that bound a hang without asserting any speed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from cockpit.config.schema import PodsPanel, panel_measures
from cockpit.core.model import Reading
from cockpit.sources.kube.pods import KubernetesPods
from cockpit.sources.kube.watch import WatchTiming
from tests.conftest import T0, FakeClock

CREATED = T0 - timedelta(hours=1)
# Quick retries keep the suite short; the limit only bounds a hang.
TIMING = WatchTiming(stream_seconds=30, first_retry=0.05, max_retry=0.5)
LIMIT = 20.0


def pods_source(
    kubeconfig: Path,
    *,
    timeout: float,
    selector: str = "",
    watch: WatchTiming = TIMING,
) -> KubernetesPods:
    """The pods panel's source for namespace "shop", on a clock the test moves."""
    return KubernetesPods(
        "pods",
        panel_measures("pods", PodsPanel()),
        namespace="shop",
        selector=selector,
        kubeconfig=str(kubeconfig),
        clock=FakeClock(),
        timeout=timeout,
        watch=watch,
    )


async def eventually(src: KubernetesPods, check: Callable[[Reading], bool]) -> Reading:
    """Read as the scheduler would until `check` holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LIMIT
    while True:
        reading = await src.read()
        if check(reading):
            return reading
        if loop.time() > deadline:
            raise AssertionError(f"never happened; last reading: {reading}")
        await asyncio.sleep(0.02)


async def until(condition: Callable[[], bool]) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + LIMIT
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition never became true")
        await asyncio.sleep(0.02)
