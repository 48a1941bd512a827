"""Faults on the wire between the cockpit and a real Prometheus: refused, hung, cut mid-answer,
slow. Each panel says what is wrong, the rest of the cockpit keeps answering keys, and the panel
recovers by itself when the fault clears."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cockpit.app.cockpit_app import CockpitApp
from cockpit.config.schema import Config
from cockpit.core.model import Status
from cockpit.runtime.wiring import Runtime
from cockpit.sources.http.prometheus import PrometheusClient, PrometheusValue
from tests.integration.test_prometheus_source import ERRORS, P50, P95, RATIO, PromServer, prometheus
from tests.support.faultproxy import FaultProxy
from tests.support.screen_text import screen_lines, screen_text, wait_for

pytestmark = pytest.mark.slow
__all__ = ["prometheus"]  # the module-scoped real Prometheus fixture


@pytest.fixture
def proxy(prometheus: PromServer) -> Iterator[FaultProxy]:
    parts = urlsplit(prometheus.url)
    with FaultProxy((parts.hostname or "127.0.0.1", parts.port or 9090)) as fault:
        yield fault


@pytest.mark.parametrize(
    ("mode", "words"),
    [
        ("refuse", ("closed", "disconnected", "refused", "reset", "cannot reach")),
        ("blackhole", ("timed out", "slow", "no answer")),
        ("cut", ("cut", "closed", "incomplete", "invalid", "not json", "disconnected")),
    ],
)
async def test_each_fault_reads_as_an_error_and_the_next_read_recovers(
    proxy: FaultProxy, mode: str, words: tuple[str, ...]
) -> None:
    client = PrometheusClient(proxy.url, timeout=1.0)
    source = PrometheusValue("error_rate", RATIO, client, ERRORS, "error_ratio")
    try:
        good = await source.read()
        assert good.error is None and good.status in (Status.OK, Status.WARN, Status.CRIT)
        proxy.switch(mode)
        bad = await source.read()
        assert bad.status is Status.ERROR and bad.error
        assert any(w in bad.error.lower() for w in words), bad.error
        proxy.switch("pass")
        again = await source.read()
        assert again.error is None and again.values == pytest.approx(good.values, rel=0.5)
    finally:
        await source.aclose()


async def test_a_slow_answer_within_the_timeout_is_still_a_good_reading(
    proxy: FaultProxy,
) -> None:
    proxy.switch("delay", delay=0.3)
    client = PrometheusClient(proxy.url, timeout=5.0)
    source = PrometheusValue("error_rate", RATIO, client, ERRORS, "error_ratio")
    try:
        reading = await source.read()
        assert reading.error is None
    finally:
        await source.aclose()



async def test_a_hung_prometheus_never_delays_a_key_and_the_panel_recovers(
    proxy: FaultProxy, tmp_path: Path
) -> None:
    config = Config.model_validate(
        {
            "prometheus": {"url": proxy.url, "timeout": "1s"},
            "panels": {
                "latency": {"p50_query": P50, "p95_query": P95, "interval": "1s"},
                "error_rate": {"query": ERRORS, "interval": "1s"},
            },
        }
    )
    proxy.switch("blackhole")
    app = CockpitApp(Runtime.build(config, db=tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.states["latency"].latest is not None)
        assert app.states["latency"].latest is not None
        assert app.states["latency"].latest.status is Status.ERROR
        await wait_for(pilot, lambda: "! " in screen_text(app))
        # While every read hangs, a key is answered in the next frame.
        await pilot.press("p")
        await pilot.pause()
        assert "PAUSED" in screen_lines(app)[0]
        await pilot.press("p")
        proxy.switch("pass")
        await wait_for(
            pilot,
            lambda: app.states["latency"].latest is not None
            and app.states["latency"].latest.error is None,
        )
        await wait_for(pilot, lambda: " ms " in screen_text(app) and "! " not in screen_text(app))
