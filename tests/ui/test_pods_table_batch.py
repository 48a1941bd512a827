"""A watch batch on the pods table: hundreds of pods changed, new and gone in one reading. The
table must end up exactly as a fresh fill would show it (order, every cell), with the cursor
still on the pod it was on."""

from __future__ import annotations

from datetime import timedelta

from rich.text import Text
from textual.app import App, ComposeResult

from cockpit.config.schema import PodsPanel, panel_measures
from cockpit.core.model import PanelState, PodList, PodRow, Reading, Status
from cockpit.core.units import short_age, short_age_next_change
from cockpit.widgets.pods_panel import COLUMNS, pod_cells, sort_key
from cockpit.widgets.pods_panel import PodsPanel as PodsWidget
from tests.conftest import T0

CREATED = T0 - timedelta(hours=3)
COUNT = 2_000


def healthy(i: int) -> PodRow:
    return PodRow(f"web-{i:05d}", "1/1", "Running", 0, CREATED + timedelta(seconds=i), "node-a")


def crashing(i: int) -> PodRow:
    return PodRow(
        f"web-{i:05d}", "0/1", "CrashLoopBackOff", 3, CREATED, "node-b", T0 - timedelta(minutes=2)
    )


class Probe(App[None]):
    def compose(self) -> ComposeResult:
        yield PodsWidget("pods", "Pods")


def table_text(widget: PodsWidget) -> list[tuple[str, ...]]:
    table = widget.table
    return [
        tuple(c.plain if isinstance(c, Text) else str(c) for c in table.get_row_at(i))
        for i in range(table.row_count)
    ]


async def test_a_batch_leaves_the_table_as_a_fresh_fill_would() -> None:
    measures = panel_measures("pods", PodsPanel())
    state = PanelState("pods", "Pods", measures, 5.0)
    before = {f"web-{i:05d}": healthy(i) for i in range(COUNT)}
    after = dict(before)
    for i in range(0, 1200, 2):  # 600 pods start crashing
        after[f"web-{i:05d}"] = crashing(i)
    for i in range(1, 400, 2):  # 200 pods are gone
        del after[f"web-{i:05d}"]
    for k in range(200):  # 200 new pods, sorting between the others
        after[f"web-{k * 7:05d}a"] = PodRow(f"web-{k * 7:05d}a", "0/1", "Pending", 0, T0)
    app = Probe()
    async with app.run_test(size=(100, 30)) as pilot:
        widget = app.query_one(PodsWidget)
        for rows in (before, after):
            if rows is after:
                # The person was looking at a pod that stays.
                widget.table.move_cursor(row=widget.table.get_row_index("web-01500"))
            detail = PodList(tuple(sorted(rows.values(), key=lambda r: r.name)))
            reading = Reading("pods", T0, {"pods": float(len(rows))}, Status.OK, detail=detail)
            state.apply(reading)
            widget.show(state.view(T0), T0)
            await pilot.pause()
        expected = [
            tuple(c.plain if isinstance(c, Text) else c for c in pod_cells(row, T0))
            # Worst first: the crashing pods, then the pending ones, then the running.
            for row in sorted(after.values(), key=lambda r: sort_key("status", r, T0))
        ]
        assert [e[2] for e in expected[:600]] == ["CrashLoopBackOff"] * 600
        assert len(COLUMNS) == len(expected[0])
        assert table_text(widget) == expected
        cursor_row = widget.table.get_row_at(widget.table.cursor_row)
        assert str(cursor_row[0]) == "web-01500"
        # The scrollable height follows the new number of rows (the scrollbar is right).
        assert widget.table.virtual_size.height == len(after) + 1
        assert "CrashLoopBackOff" in " ".join(line for line in _screen(app))


def _screen(app: App[None]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


async def test_ages_move_on_with_the_clock_without_a_change_to_the_pods() -> None:
    # Pods of every age, some restarted: seconds, minutes, hours and days tick differently.
    measures = panel_measures("pods", PodsPanel())
    state = PanelState("pods", "Pods", measures, 5.0)
    ages = [5, 100, 590, 605, 3_000, 7 * 3600 + 59, 9 * 3600, 3 * 86400, 30 * 86400]
    rows = tuple(
        PodRow(
            f"pod-{n:02d}",
            "1/1",
            "Running",
            n % 3,
            T0 - timedelta(seconds=age),
            "node-a",
            T0 - timedelta(seconds=age // 2) if n % 3 else None,
        )
        for n, age in enumerate(ages)
    )
    app = Probe()
    async with app.run_test(size=(100, 30)) as pilot:
        widget = app.query_one(PodsWidget)
        for later in (0, 1, 59, 3_600, 86_400, 86_401):
            now = T0 + timedelta(seconds=later)
            reading = Reading("pods", now, {"pods": 9.0}, Status.OK, detail=PodList(rows))
            state.apply(reading)
            widget.show(state.view(now), now)
            await pilot.pause()
            expected = [
                tuple(c.plain if isinstance(c, Text) else c for c in pod_cells(row, now))
                for row in sorted(rows, key=lambda r: sort_key("status", r, now))
            ]
            assert table_text(widget) == expected, later


def test_short_age_never_changes_before_the_time_it_names() -> None:
    for start in [0, 1.5, 119, 599.2, 600, 3_599, 10_799, 28_799, 28_800, 172_799, 691_199, 1e8]:
        until = short_age_next_change(start)
        assert until > start
        text = short_age(start)
        step = (until - start) / 50
        assert all(short_age(start + k * step) == text for k in range(50)), start


async def test_a_row_drawn_before_its_names_are_measured_is_drawn_again_in_full() -> None:
    # The screen may be painted between a reading's rows arriving and the idle moment when the
    # table measures them (a busy machine makes that likely): NAME is as wide as its header
    # then. Once measured, the rows must show the whole name, not stay cut to four cells.
    measures = panel_measures("pods", PodsPanel())
    state = PanelState("pods", "Pods", measures, 5.0)
    rows = tuple(healthy(i) for i in range(3))
    app = Probe()
    async with app.run_test(size=(100, 30)) as pilot:
        widget = app.query_one(PodsWidget)
        state.apply(Reading("pods", T0, {"pods": 3.0}, Status.OK, detail=PodList(rows)))
        widget.show(state.view(T0), T0)
        # Painted before the measuring: what a busy machine's frame timer may do.
        early = [widget.table.render_line(y).text for y in range(1, 4)]
        assert all("web-0000" not in line for line in early)
        await pilot.pause()
        screen = "\n".join(_screen(app))
        assert all(row.name in screen for row in rows), screen
