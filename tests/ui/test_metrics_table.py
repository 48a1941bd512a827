"""The metrics table ([[panels.custom]]) shows each row's words in full: a value, threshold, age
or trend wider than what the row first held widens its column instead of being cut."""

from __future__ import annotations

from textual.app import App, ComposeResult

from cockpit.core.model import Measure, PanelView, Status, Threshold
from cockpit.themes import stylesheet_path
from cockpit.widgets.metrics_table import MetricsTable
from tests.support.screen_text import screen_lines, wait_for

QUEUE = Measure("value", "value", "count", Threshold(crit=500, warn=200))
SHARE = Measure("value", "value", "ratio", Threshold(crit=0.05))


class Host(App[None]):
    CSS_PATH = stylesheet_path()

    def compose(self) -> ComposeResult:
        yield MetricsTable([("queue", "orders queue"), ("share", "5xx share"), ("bad", "broken")])


def row(app: App[None], title: str) -> str:
    return next(line for line in screen_lines(app) if title in line)


async def test_wide_cells_are_shown_in_full() -> None:
    app = Host()
    async with app.run_test(size=(120, 8)) as pilot:
        table = app.query_one(MetricsTable)
        await wait_for(pilot, lambda: table.table.row_count == 3)
        trend = [float(v) for v in range(12)]
        table.show(
            PanelView("queue", "orders queue", (QUEUE,), Status.CRIT, {"value": 812}, 1.0,
                      None, False), trend,
        )  # fmt: skip
        table.show(
            PanelView("share", "5xx share", (SHARE,), Status.OK, {"value": 0.03}, 130.0,
                      None, True), trend,
        )  # fmt: skip
        table.show(
            PanelView("bad", "broken", (QUEUE,), Status.ERROR, {}, None,
                      "bad query: unexpected end of input", False), [],
        )  # fmt: skip
        await wait_for(pilot, lambda: "unexpected end of input" in row(app, "broken"))
        queue, share = row(app, "orders queue"), row(app, "5xx share")
        assert "812" in queue and "✗ CRIT" in queue and "< 500" in queue
        assert "▁▁▂▂▃▄▄▅▆▆▇█" in queue  # twelve readings, twelve bars
        assert "3.00 %" in share and "◌ STALE" in share and "STALE 130s" in share
        assert "! bad query: unexpected end of input" in row(app, "broken")
