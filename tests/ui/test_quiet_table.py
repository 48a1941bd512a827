"""The quiet table draws exactly what DataTable draws: same segments, same styles, same mouse
metadata for each cell's current place, while rendering a moved row's cells only once."""

from __future__ import annotations

import itertools

from rich.style import Style
from rich.text import Text
from textual.app import App, ComposeResult
from textual.widgets import DataTable

from cockpit.widgets.quiet_table import QuietTable

ROWS = [
    ("checkout-7d9f-abcde", "1/1", "Running", "0", "3h", "node-a"),
    ("checkout-7d9f-fghij", "0/1", Text("CrashLoopBackOff", style="bold red"), "4 (15s ago)",
     "2m37s", "node-b"),
    ("orders-db-0", "1/1", Text.assemble(("Run", "green"), ("ning", "italic")), "12", "40d",
     "a-node-name-long-enough-to-be-cut-off-by-the-column"),
    ("weird [not markup]", "0/0", "Pending", "0", "1s", "<none>"),
]  # fmt: skip


class Probe(App[None]):
    def compose(self) -> ComposeResult:
        table = QuietTable(cursor_type="row")
        for name in ("NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE"):
            table.add_column(name, key=name.lower(), width=14 if name == "NODE" else None)
        for n, row in enumerate(ROWS):
            table.add_row(*row, key=f"r{n}")
        yield table


async def test_every_cell_renders_as_datatable_renders_it() -> None:
    app = Probe()
    async with app.run_test(size=(120, 12)) as pilot:
        await pilot.pause()
        table = app.query_one(QuietTable)
        styles = (Style(), Style(bgcolor="grey11"), Style(color="white", bold=True))
        for row, column, style, cursor, hover in itertools.product(
            range(len(ROWS)), range(6), styles, (False, True), (False, True)
        ):
            width = table.ordered_columns[column].get_render_width(table)
            ours = table._render_cell(row, column, style, width, cursor, hover)
            theirs = DataTable._render_cell(table, row, column, style, width, cursor, hover)
            assert ours == theirs, (row, column, style, cursor, hover)


async def test_a_row_that_moved_keeps_its_cells_but_reports_its_new_place() -> None:
    app = Probe()
    async with app.run_test(size=(120, 12)) as pilot:
        await pilot.pause()
        table = app.query_one(QuietTable)
        width = table.ordered_columns[0].get_render_width(table)
        before = table._render_cell(3, 0, Style(), width)
        table.reorder(["r1", "r2", "r3"], gone=["r0"])  # the row above it is gone
        await pilot.pause()
        after = table._render_cell(2, 0, Style(), width)
        assert "".join(s.text for s in after[0]) == "".join(s.text for s in before[0])
        assert {s.style.meta["row"] for s in after[0] if s.style} == {2}
        assert after == DataTable._render_cell(table, 2, 0, Style(), width)
        table.set_cell("r3", "name", "renamed")
        assert "renamed" in "".join(s.text for s in table._render_cell(2, 0, Style(), width)[0])
