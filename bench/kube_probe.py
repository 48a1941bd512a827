"""One cockpit-side measurement for kube_bench: read a namespace's pods through the real client
(as the pods panel does) and fill the real pods table with them, headless. Prints JSON.

    python bench/kube_probe.py KUBECONFIG NAMESPACE
"""

from __future__ import annotations

import asyncio
import json
import sys
import time


async def main(kubeconfig: str, namespace: str) -> dict[str, float]:
    from textual.app import App, ComposeResult

    from cockpit.config.schema import PodsPanel, panel_measures
    from cockpit.core.model import PanelState, PodList
    from cockpit.sources.kube.pods import KubernetesPods
    from cockpit.widgets.pods_panel import PodsPanel as PodsWidget

    measures = panel_measures("pods", PodsPanel(source="kubernetes"))
    source = KubernetesPods(
        "pods", measures, namespace=namespace, kubeconfig=kubeconfig, timeout=120.0
    )
    started = time.perf_counter()
    reading = await source.read()
    read_s = time.perf_counter() - started
    await source.aclose()
    if reading.error or not isinstance(reading.detail, PodList):
        raise SystemExit(f"read failed: {reading.error}")
    count = len(reading.detail.rows)
    state = PanelState("pods", "Pods", measures, 5.0)
    state.apply(reading)

    class Probe(App[None]):
        def compose(self) -> ComposeResult:
            yield PodsWidget("pods", "Pods")

    app = Probe()
    async with app.run_test(size=(120, 40)) as pilot:
        widget = app.query_one(PodsWidget)
        fill_started = time.perf_counter()
        widget.show(state.view(reading.observed_at), reading.observed_at)
        await pilot.pause()
        fill_s = time.perf_counter() - fill_started
        shown = widget.table.row_count
    return {"pods": count, "shown": shown, "read_s": read_s, "table_s": fill_s}


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2]))))
