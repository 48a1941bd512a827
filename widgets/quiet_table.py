"""A DataTable that repaints one row when one cell changes: values that tick every second
(ages, numbers) must not repaint the whole table, or every second costs a screenful of bytes
over SSH. It also takes a watch batch (hundreds of rows changed or gone at once) in time
linear in the table's size, where one call per row would be quadratic, and repaints rows that
only moved without rendering their cells again. Uses DataTable internals; Textual is pinned."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from itertools import zip_longest

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual._two_way_dict import TwoWayDict
from textual.widgets import DataTable
from textual.widgets.data_table import CellKey, ColumnKey, Row, RowKey

# Finding a row's place on screen costs time linear in the table's size, so beyond this many
# changed rows one repaint of the whole (visible) table is cheaper than one per row.
ROW_REPAINT_LIMIT = 20
# Rendered cells kept by content: a screenful of rows several times over.
CELL_CACHE_LIMIT = 4096


def content_key(value: object) -> Hashable | None:
    """What a cell shows, as a key; None for what this table does not cache (other renderables)."""
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, Text):
        return ("text", value.plain, value.style, tuple(value.spans), value.justify,
                value.overflow, value.no_wrap, value.end)  # fmt: skip
    return None


class QuietTable(DataTable[str | Text]):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._cells_by_content: dict[Hashable, list[list[Segment]]] = {}
        self._measured_widths: tuple[int, ...] = ()

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        super()._update_dimensions(new_rows)
        self._redraw_if_widths_changed()

    def _redraw_if_widths_changed(self) -> None:
        """DataTable keeps rendered rows by its update counter, not by column widths, and
        measures new cells only when idle: a row painted in between (a busy machine makes that
        likely) would keep its old width, a pod name cut to its header's four cells, until the
        next change of data. New widths are a change."""
        widths = tuple(column.get_render_width(self) for column in self.ordered_columns)
        if widths != self._measured_widths:
            self._measured_widths = widths
            self._update_count += 1
            self.refresh()

    def _render_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool = False,
        hover: bool = False,
    ) -> list[list[Segment]]:
        """DataTable renders every visible cell again after any change, because its cache is
        keyed by an update counter and the row's index. When a watch batch adds or removes rows
        above the screen, every visible row moves but few change. Here a one-line cell is
        rendered once per content and style, and only the row/column mouse metadata is put on
        for its current place."""
        if row_index < 0 or column_index < 0:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        row_key = self._row_locations.get_key(row_index)
        row = self.rows.get(row_key) if row_key is not None else None
        column_key = self._column_locations.get_key(column_index)
        if row is None or row_key is None or column_key is None or row.height != 1:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        content = content_key(self._data[row_key].get(column_key))
        if content is None:
            return super()._render_cell(row_index, column_index, base_style, width, cursor, hover)
        fixed = row_index < self.fixed_rows or column_index < self.fixed_columns
        key = (content, base_style, width, cursor, hover, fixed, self._show_hover_cursor,
               self._pseudo_class_state, self.show_cursor, self.cell_padding)  # fmt: skip
        lines = self._cells_by_content.get(key)
        if lines is None:
            lines = self._render_plain_cell(row_index, column_index, base_style, width,
                                            cursor, hover, fixed)  # fmt: skip
            if len(self._cells_by_content) >= CELL_CACHE_LIMIT:
                self._cells_by_content.clear()
            self._cells_by_content[key] = lines
        place = Style.from_meta({"row": row_index, "column": column_index})
        return [[Segment(text, style + place if style else place, control)
                 for text, style, control in line] for line in lines]  # fmt: skip

    def _render_plain_cell(
        self,
        row_index: int,
        column_index: int,
        base_style: Style,
        width: int,
        cursor: bool,
        hover: bool,
        fixed: bool,
    ) -> list[list[Segment]]:
        """DataTable's own cell rendering for a one-line row, without the place metadata."""
        from rich.padding import Padding
        from textual.renderables.styled import Styled

        _, cells = self._get_row_renderables(row_index)
        component_style, post_style = self._get_styles_to_render_cell(
            False, False, fixed, hover, cursor, self.show_cursor, self._show_hover_cursor,
            self.cursor_foreground_priority == "css", self.cursor_background_priority == "css",
        )  # fmt: skip
        options = self.app.console_options.update_dimensions(width, 1).update(no_wrap=True)
        return self.app.console.render_lines(
            Styled(
                Padding(cells[column_index], (0, self.cell_padding)),
                pre_style=base_style + component_style,
                post_style=post_style,
            ),
            options,
        )

    def _update_column_widths(self, updated_cells: set[CellKey]) -> None:
        """DataTable measures cells updated with `update_width` when it is next idle, but lines
        drawn before that are cached under the same update count: a column that grew would
        still be drawn at its old width, its new text cut. A new count draws them again."""
        super()._update_column_widths(updated_cells)
        self._update_count += 1
        self.refresh()

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

    def append_rows(self, rows: Sequence[tuple[str, Sequence[str | Text]]]) -> None:
        """`add_row` for each (key, cells), one-line rows, with the bookkeeping DataTable does
        per row (cursor, update counter, idle check) done once for all of them."""
        if not rows:
            return
        columns = [column.key for column in self.ordered_columns]
        start = self.row_count
        for offset, (key, cells) in enumerate(rows):
            row_key = RowKey(key)
            if row_key in self._row_locations or len(cells) > len(columns):
                raise ValueError(f"append_rows: bad row {key!r}")
            self._row_locations[row_key] = start + offset
            self._data[row_key] = dict(zip_longest(columns, cells))
            self.rows[row_key] = Row(row_key, 1, None, False)
            self._new_rows.add(row_key)
        self._require_update_dimensions = True
        self.cursor_coordinate = self.cursor_coordinate
        if start == 0 and self.columns and self.show_cursor and self.cursor_type != "none":
            self._highlight_cursor()  # a cell to highlight exists now, as add_row announces
        self._update_count += 1
        self.check_idle()

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
