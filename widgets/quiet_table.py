"""A DataTable that repaints one row when one cell changes: values that tick every second
(ages, numbers) must not repaint the whole table, or every second costs a screenful of bytes
over SSH. It also takes a watch batch (hundreds of rows changed or gone at once) in time
linear in the table's size, where one call per row would be quadratic. Uses DataTable
internals; Textual is pinned."""

from __future__ import annotations

from collections.abc import Iterable

from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, RowKey

# Finding a row's place on screen costs time linear in the table's size, so beyond this many
# changed rows one repaint of the whole (visible) table is cheaper than one per row.
ROW_REPAINT_LIMIT = 20


class QuietTable(DataTable[str | Text]):
    def set_cell(self, row_key: str, column_key: str, value: str | Text) -> None:
        """Like `update_cell`, but repaints only that row."""
        self.set_cells([(row_key, column_key, value)])

    def set_cells(self, changes: Iterable[tuple[str, str, str | Text]]) -> None:
        """Several `set_cell`s as one update: each changed row repainted, or the table once."""
        rows: set[str] = set()
        for row_key, column_key, value in changes:
            self._data[RowKey(row_key)][ColumnKey(column_key)] = value
            rows.add(row_key)
        if not rows:
            return
        self._update_count += 1
        if len(rows) > ROW_REPAINT_LIMIT:
            self.refresh()
            return
        for row_key in rows:
            self.refresh_row(self.get_row_index(row_key))

    def remove_rows(self, row_keys: Iterable[str]) -> None:
        """Like `remove_row` for each key, with one rebuild of the row order for all of them
        (`remove_row` rebuilds it every time)."""
        gone = {RowKey(key) for key in row_keys}
        if len(gone) <= 1:
            for key in gone:
                self.remove_row(key)
            return
        order = self._row_locations
        kept = [order.get_key(index) for index in range(self.row_count)]
        self.reorder((k for k in kept if k not in gone), gone)

    def reorder(self, order: Iterable[str | RowKey], gone: Iterable[str | RowKey] = ()) -> None:
        """Remove the `gone` rows and put the others in `order` (each remaining key once): a
        watch batch's removals, additions (appended) and sorting in one rebuild of DataTable's
        row index, where remove_row and sort each rebuild it."""
        for key in gone:
            row_key = RowKey(key) if isinstance(key, str) else key
            for column_key in self._data.get(row_key, {}):
                self._updated_cells.discard(CellKey(row_key, column_key))
            del self.rows[row_key]
            del self._data[row_key]
        self._row_locations = TwoWayDict(
            {RowKey(k) if isinstance(k, str) else k: index for index, k in enumerate(order)}
        )
        if len(self._row_locations) != len(self.rows):
            raise ValueError("reorder: the order must name every remaining row once")
        self._require_update_dimensions = True
        self.check_idle()
        # Re-setting the coordinates clamps them to a smaller table, as remove_row does.
        self.cursor_coordinate = self.cursor_coordinate
        self.hover_coordinate = self.hover_coordinate
        self._update_count += 1
        self.refresh()

    def settle_dimensions(self) -> None:
        """Size the rows added since the last idle moment now rather than then. Moving the
        cursor while that is pending scrolls only after the next repaint, which makes a batch
        of new rows cost two repaints of the table instead of one."""
        if self._require_update_dimensions:
            self._require_update_dimensions = False
            new_rows = self._new_rows.copy()
            self._new_rows.clear()
            self._update_dimensions(new_rows)
