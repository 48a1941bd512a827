"""One cockpit-side measurement for kube_bench's "watch batch": the pods panel lists a namespace
through the real client and fills the real pods table, headless; it then says "ready" on stdout
and waits until its pods watch has applied BATCH events (which kube_bench makes on the server
meanwhile). What is measured is the main thread's share of taking that batch to the screen: the
panel's read (a snapshot of what the watch thread applied), the panel state and the table's
keyed update and repaint. The clock is frozen, so only the batch changes what is shown. Prints
JSON.

    python bench/watch_probe.py KUBECONFIG NAMESPACE BATCH
"""

from __future__ import annotations

import asyncio
import gc
import json
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime

FROZEN = datetime(2026, 11, 24, 14, 2, 0, tzinfo=UTC)


async def until(condition: Callable[[], bool], failure: str, limit: float = 120.0) -> None:
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit(failure)
        await asyncio.sleep(0.005)


async def main(kubeconfig: str, namespace: str, batch: int) -> dict[str, float]:
    from textual.app import App, ComposeResult

    from cockpit.config.schema import PodsPanel, panel_measures
    from cockpit.core.model import PanelState, PodList
    from cockpit.sources.kube.pods import KubernetesPods
    from cockpit.widgets.pods_panel import PodsPanel as PodsWidget

    measures = panel_measures("pods", PodsPanel(source="kubernetes"))
    source = KubernetesPods(
        "pods",
        measures,
        namespace=namespace,
        kubeconfig=kubeconfig,
        timeout=120.0,
        clock=lambda: FROZEN,
    )
    state = PanelState("pods", "Pods", measures, 5.0)

    class Probe(App[None]):
        def compose(self) -> ComposeResult:
            yield PodsWidget("pods", "Pods")

    try:
        reading = await source.read()
        if reading.error or not isinstance(reading.detail, PodList):
            raise SystemExit(f"read failed: {reading.error}")
        before = len(reading.detail.rows)
        app = Probe()
        async with app.run_test(size=(120, 40)) as pilot:
            widget = app.query_one(PodsWidget)
            state.apply(reading)
            widget.show(state.view(FROZEN), FROZEN)
            await pilot.pause()
            watch = source.pods_watch
            assert watch is not None
            await until(lambda: watch.counts.watches >= 1, "the watch never opened")
            # The fill just moved some hundred thousand objects into the oldest generation,
            # which makes a full collection due soon. In the cockpit it runs during the idle
            # refreshes that follow; here the batch comes at once, and would be charged for it.
            gc.collect()
            print("ready", flush=True)
            applied_started = time.perf_counter()
            await until(lambda: watch.counts.events >= batch, "the batch never arrived")
            applied_s = time.perf_counter() - applied_started
            cpu_started, wall_started = time.thread_time(), time.perf_counter()
            reading = await source.read()
            state.apply(reading)
            widget.show(state.view(FROZEN), FROZEN)
            await pilot.pause()
            main_cpu_s = time.thread_time() - cpu_started
            wall_s = time.perf_counter() - wall_started
            shown = widget.table.row_count
    finally:
        await source.aclose()
    assert isinstance(reading.detail, PodList)
    return {
        "pods_before": before,
        "pods_after": len(reading.detail.rows),
        "shown": shown,
        "events": watch.counts.events,
        "lists": watch.counts.lists,
        "main_cpu_s": main_cpu_s,
        "wall_s": wall_s,
        "batch_arrival_s": applied_s,
    }


if __name__ == "__main__":
    result = asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
    print(json.dumps(result), flush=True)
