"""Soak: the demo runs on a real clock for a bounded time (SOAK_SECONDS, 30 s by default; the
benchmark runs it longer) while screens are opened and closed; memory and the number of asyncio
tasks are sampled and must show no growth trend."""

from __future__ import annotations

import asyncio
import os
import statistics
from pathlib import Path

import pytest

from cockpit.app.cockpit_app import CockpitApp
from cockpit.runtime.wiring import Runtime

pytestmark = pytest.mark.slow

SOAK_SECONDS = float(os.environ.get("SOAK_SECONDS", "30"))
WARM_UP = 5.0
# Allowance for allocator noise and caches that fill once; a leak per second of refresh at
# 0.5 s intervals over the run would exceed it.
RSS_GROWTH_LIMIT = 24 * 1024 * 1024


def rss_bytes() -> int:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE")


async def test_demo_soak_has_no_growth_in_memory_or_tasks(tmp_path: Path) -> None:
    app = CockpitApp(Runtime.for_demo(db=tmp_path / "t.db", refresh=0.5))
    samples: list[tuple[int, int]] = []
    async with app.run_test(size=(100, 30)) as pilot:
        loop = asyncio.get_running_loop()
        start = loop.time()
        step = 0
        while loop.time() - start < SOAK_SECONDS:
            # Churn the UI as a person would: the timeline, the presenter, back.
            keys = [("t",), ("escape",), ("z",), ("z",), ("n", "escape")][step % 5]
            await pilot.press(*keys)
            await pilot.pause(1.0)
            step += 1
            if loop.time() - start >= WARM_UP:
                samples.append((rss_bytes(), len(asyncio.all_tasks())))
    assert len(samples) >= 6, "the soak ran too briefly to judge"
    third = max(2, len(samples) // 3)
    first, last = samples[:third], samples[-third:]
    rss_growth = statistics.mean(s[0] for s in last) - statistics.mean(s[0] for s in first)
    assert rss_growth < RSS_GROWTH_LIMIT, f"RSS grew by {rss_growth / 1e6:.1f} MB"
    assert max(s[1] for s in last) <= max(s[1] for s in first) + 2, samples
