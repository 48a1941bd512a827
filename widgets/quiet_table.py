"""A DataTable that repaints one row when one cell changes: values that tick every second
(ages, numbers) must not repaint the whole table, or every second costs a screenful of bytes
over SSH. Uses DataTable internals; Textual is pinned."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import DataTable
from textual.widgets.data_table import ColumnKey, RowKey


class QuietTable(DataTable[str | Text]):
    def set_cell(self, row_key: str, column_key: str, value: str | Text) -> None:
        """Like `update_cell`, but repaints only that row."""
        self._data[RowKey(row_key)][ColumnKey(column_key)] = value
        self._update_count += 1
        self.refresh_row(self.get_row_index(row_key))
