"""The pods table, like `kubectl get pods -o wide`, with counts by status above it.

Updates are keyed diffs: rows are added, changed cell by cell, or removed, and the cursor stays
on the pod it was on. A refresh costs what changed, not the table's size: a row is formatted
again only when its pod changed or when one of its ages (AGE, last restart) may show another
text, which a queue ordered by that time says (an hour-old pod's AGE changes once a minute).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import overload

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.content import Content
from textual.coordinate import Coordinate
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.widgets import DataTable, Input, Static
from textual.widgets.data_table import RowKey

from cockpit.core.model import PanelView, PodList, PodRow, Status, WorkloadRow
from cockpit.core.podstatus import PodRank, pod_rank, rank_changes_at, status_rank
from cockpit.core.units import short_age, short_age_next_change
from cockpit.widgets.panel_frame import PanelFrame
from cockpit.widgets.panel_text import STATUS_STYLE, age_label, error_line
from cockpit.widgets.quiet_table import QuietTable
from cockpit.widgets.theme_styles import on_theme_change

COLUMNS = ("NAME", "READY", "STATUS", "RESTARTS", "AGE", "NODE")
# Fixed widths for the short columns, so a pod turning CrashLoopBackOff never reflows the table.
WIDTHS: dict[str, int | None] = {
    "NAME": None,
    "READY": 5,
    "STATUS": 17,
    "RESTARTS": 14,
    "AGE": 6,
    "NODE": None,
}
# On a narrow screen RESTARTS drops "ago" and the second unit (`3 (16s)`, `12 (3m)`), so NAME,
# READY, STATUS, RESTARTS and AGE fit in 80 columns with a pod name of kubectl's usual length.
NARROW_RESTARTS = 9
CELL_PADDING = 2  # DataTable's one column of padding either side of a cell
SCROLLBAR = 2  # the table's vertical scrollbar, when the rows overflow

SORTS = ("status", "name", "age", "restarts")


@dataclass(frozen=True, slots=True)
class PodColumns:
    """Which columns the table shows and how RESTARTS is written, for the width it has."""

    node: bool = True
    narrow: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        return COLUMNS if self.node else COLUMNS[:-1]

    def width(self, column: str) -> int | None:
        if column == "RESTARTS" and self.narrow:
            return NARROW_RESTARTS
        return WIDTHS[column]


WIDE = PodColumns()


def fit_columns(width: int, name_width: int, node_width: int) -> PodColumns:
    """The widest layout whose columns fit in `width` cells (the panel's inside), given the
    longest pod and node names. The long form of RESTARTS goes first, then NODE; NAME, READY,
    STATUS, RESTARTS and AGE always stay (the table scrolls sideways if even they do not fit)."""
    room = width - SCROLLBAR - name_width - CELL_PADDING

    def fixed(layout: PodColumns) -> int:
        return sum(
            (layout.width(c) or 0) + CELL_PADDING for c in layout.names if c not in ("NAME", "NODE")
        )

    node = node_width + CELL_PADDING
    for layout in (WIDE, PodColumns(narrow=True)):
        if fixed(layout) + node <= room:
            return layout
    return PodColumns(node=False, narrow=fixed(WIDE) > room)


def sort_key(sort: str, row: PodRow, now: datetime) -> tuple[object, ...]:
    """Where `row` goes under `sort`; the name breaks ties so the order is stable between reads.
    Status is the worst first (see `cockpit.core.podstatus.pod_rank`), age the youngest, restarts
    the
    most."""
    if sort == "status":
        return (pod_rank(row, now), row.name)
    if sort == "age":
        return (-row.created_at.timestamp(), row.name)
    if sort == "restarts":
        return (-row.restarts, row.name)
    return (row.name,)


def _short_ago(seconds: float) -> str:
    """`short_age`'s first unit: 3m12s → 3m."""
    text = short_age(seconds)
    end = next((i + 1 for i, ch in enumerate(text) if not ch.isdigit()), len(text))
    return text[:end]


def pod_cells(
    row: PodRow,
    now: datetime,
    warn_style: Style | str = "",
    crit_style: Style | str = "",
    layout: PodColumns = WIDE,
) -> tuple[str | Text, ...]:
    restarts = str(row.restarts)
    if row.last_restart_at is not None and row.restarts:
        ago = (now - row.last_restart_at).total_seconds()
        restarts += f" ({_short_ago(ago)})" if layout.narrow else f" ({short_age(ago)} ago)"
    # DataTable renders Rich text, so status colours come resolved from the theme. The colour
    # says the same as the sort: `status_rank` decides both.
    rank = status_rank(row.status, row.ready)
    if rank is PodRank.HEALTHY:
        status: str | Text = row.status
    elif rank is PodRank.PENDING:
        status = Text(row.status, style=warn_style)
    else:
        status = Text(row.status, style=crit_style)
    # The cluster's words go in as Text: a `str` cell is Rich markup to DataTable. (The
    # model made them terminal-safe already.)
    cells: tuple[str | Text, ...] = (
        Text(row.name, end=""),
        row.ready,
        status,
        restarts,
        short_age((now - row.created_at).total_seconds()),
    )
    if layout.node:
        cells += (Text(row.node, end="") if row.node else "<none>",)
    return cells


def _ages_change_at(row: PodRow, now: float) -> float:
    """The Unix time at which one of the row's age texts (AGE, the last restart's "ago") or its
    rank (a recent restart ages out) may change, given the time `now` it was formatted at."""
    created = row.created_at.timestamp()
    due = created + short_age_next_change(now - created)
    if row.last_restart_at is not None and row.restarts:
        restarted = row.last_restart_at.timestamp()
        due = min(due, restarted + short_age_next_change(now - restarted))
    ranked = rank_changes_at(row)
    if ranked is not None and ranked.timestamp() > now:
        due = min(due, ranked.timestamp())
    return due


def counts_line(pods: PodList) -> Content:
    counts = pods.counts()
    if not counts:
        return Content.styled("no pods match", "$text-muted")
    styles = {
        PodRank.FAILING: STATUS_STYLE[Status.CRIT],
        PodRank.PENDING: STATUS_STYLE[Status.WARN],
    }
    parts: list[Content | str] = [Content.styled(f"{len(pods.rows)} pods", "bold")]
    for status, n in counts.items():
        style = styles.get(status_rank(status), "")
        parts += ["  ", Content.styled(f"{status} {n}", style)]
    return Content.assemble(*parts)


def workload_line(w: WorkloadRow) -> Content:
    """`kubectl get deploy` columns and the rollout state, in one line (state first: it is
    what a narrow screen must not cut)."""
    state = (
        Content.styled(f"{Status.OK.symbol} rolled out", STATUS_STYLE[Status.OK])
        if w.rolled_out
        else Content.styled(f"{Status.STALE.symbol} rolling out", "$warning bold")
    )
    short = "deploy" if w.kind == "deployment" else "sts"
    detail = f" ({w.rollout})" if w.rollout else ""
    return Content.assemble(
        (f"{short}/{w.name} ", "bold"),
        state,
        f"  {w.available}/{w.desired} available · {w.updated} up-to-date · {w.current} pods  ",
        (f"rev {w.revision} {w.image}{detail}", "$text-muted"),
    )


class _OneLineRows(Sequence[tuple[RowKey, int]]):
    """DataTable's map from a line of the table to (row, line within the row), for a table whose
    rows are all one line high: answered per lookup, where DataTable rebuilds it as a list of
    every row after each change (tens of milliseconds for 10,000 pods)."""

    def __init__(self, table: DataTable[str | Text]) -> None:
        self._table = table

    def __len__(self) -> int:
        return self._table.row_count

    @overload
    def __getitem__(self, y: int) -> tuple[RowKey, int]: ...

    @overload
    def __getitem__(self, y: slice) -> list[tuple[RowKey, int]]: ...

    def __getitem__(self, y: int | slice) -> tuple[RowKey, int] | list[tuple[RowKey, int]]:
        if isinstance(y, slice):
            return [self[i] for i in range(*y.indices(len(self)))]
        if y < 0:
            y += len(self)
        if not 0 <= y < len(self):
            raise IndexError(y)
        return self._table._row_locations.get_key(y), 0

    def clear(self) -> None:
        return None  # nothing is kept


class PodsTable(QuietTable):
    """Every row is one line high (pods are added with the default height), which lets a row's
    place on screen be its index rather than a sum over the rows above it."""

    class Scrolled(Message):
        """The rows in view changed: the panel's "N of M" follows."""

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        if round(old_value) != round(new_value):
            self.post_message(self.Scrolled())

    def rows_in_view(self) -> tuple[int, int]:
        """(first, last) rows on screen, counted from 1; (0, 0) for an empty table."""
        if not self.row_count:
            return 0, 0
        height = self.scrollable_content_region.height - self._header_lines()
        first = min(self.row_count, round(self.scroll_y) + 1)
        return first, min(self.row_count, first + max(height, 1) - 1)

    @property
    def _y_offsets(self) -> _OneLineRows:  # type: ignore[override]
        return _OneLineRows(self)

    def _header_lines(self) -> int:
        return self.header_height if self.show_header else 0

    def _get_row_region(self, row_index: int) -> Region:
        if not self.is_valid_row_index(row_index):
            return Region(0, 0, 0, 0)
        width = sum(c.get_render_width(self) for c in self.columns.values())
        width += self._row_label_column_width
        return Region(0, row_index + self._header_lines(), max(self.size.width, width), 1)

    def _get_fixed_offset(self) -> Spacing:
        columns = self.ordered_columns[: self.fixed_columns]
        left = sum(c.get_render_width(self) for c in columns) + self._row_label_column_width
        return Spacing(self._header_lines() + min(self.fixed_rows, self.row_count), 0, 0, left)

    def _get_cell_region(self, coordinate: Coordinate) -> Region:
        if not self.is_valid_coordinate(coordinate):
            return Region(0, 0, 0, 0)
        row_index, column_index = coordinate
        columns = self.ordered_columns
        x = sum(c.get_render_width(self) for c in columns[:column_index])
        x += self._row_label_column_width
        width = columns[column_index].get_render_width(self)
        return Region(x, row_index + self._header_lines(), width, 1)

    def _update_dimensions(self, new_rows: Iterable[RowKey]) -> None:
        """Column widths for new rows from the cells' text length. DataTable measures every
        new cell through Rich (~0.1 ms each): a second of frozen UI for 10,000 pods. Pod cells
        are one-line strings or Text, so their length is their width. Rows with labels or auto
        height (none here) take DataTable's own path. (DataTable internals; Textual is pinned.)"""
        keys = [k for k in new_rows if k in self._row_locations]
        rows = [self.rows[k] for k in keys]
        if any(row.label is not None or row.auto_height for row in rows):
            super()._update_dimensions(keys)
            return
        auto = [c for c in self.ordered_columns if c.auto_width]
        for key in keys:
            values = self._data[key]
            for column in auto:
                value = values.get(column.key, "")
                width = cell_len(value.plain if isinstance(value, Text) else str(value))
                column.content_width = max(column.content_width, width)
        data_width = sum(column.get_render_width(self) for column in self.columns.values())
        header = self.header_height if self.show_header else 0
        self.virtual_size = Size(
            data_width + self._row_label_column_width, self._total_row_height + header
        )
        self._redraw_if_widths_changed()


class PodSelected(Message):
    """Enter on a pod row: the user wants its details."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name


class PodsPanel(PanelFrame):
    """`/` filters the table k9s-style (name, status or node contains the text); esc clears.
    The rows come worst first (failing, on their way, recently restarted, then the rest); the
    sort key cycles status → name → age → restarts, and the subtitle says which is in force.
    The title says which rows are in view ("1–5 of 50") when not all of them are."""

    def __init__(self, panel: str, title: str) -> None:
        super().__init__(panel, title)
        self.panel_title = title
        self.sort = SORTS[0]
        self.pod_columns = WIDE
        self._keys: dict[str, tuple[object, ...]] = {}  # each shown row's place under the sort
        self._longest = (0, 0)  # the longest pod and node names the layout was fitted to
        self._measured: PodList | None = None
        self.filter_text = ""
        self._filter = Input(placeholder="filter pods: name, status or node", id="pod-filter")
        # Hidden until `/`: it must not take the focus (and the keys) while it is not shown.
        self._filter.can_focus = False
        self._last_view: tuple[PanelView, datetime] | None = None
        self._counts = Static("", id="pod-counts")
        self._error = Static("", id="pod-error")
        self.table = PodsTable(cursor_type="row", zebra_stripes=False, id="pods-table")
        self._last_counts = ""
        self._cells: dict[str, tuple[str, ...]] = {}
        self._rows: dict[str, PodRow] = {}  # what each shown row was made from
        self._due: list[tuple[float, str]] = []  # (when an age text may change, pod name)
        self._due_at: dict[str, float] = {}  # the live entry per pod; older ones are skipped
        self._drawn: tuple[str, str, datetime] | None = None  # styles and time of the last diff

    def compose(self) -> ComposeResult:
        yield self._counts
        yield self._error
        yield self._filter
        yield self.table

    def on_mount(self) -> None:
        self._add_columns()
        self._error.display = False
        self._filter.display = False
        on_theme_change(self, self._recolour)

    def _recolour(self) -> None:
        # The rows see the new styles differ from the ones they were drawn with: all redrawn.
        if self._last_view is not None:
            self.show(*self._last_view)

    def _add_columns(self) -> None:
        for label in self.pod_columns.names:
            self.table.add_column(label, key=label, width=self.pod_columns.width(label))

    def cycle_sort(self) -> None:
        self.sort = SORTS[(SORTS.index(self.sort) + 1) % len(SORTS)]
        self._drawn = None  # every row's place is computed again
        if self._last_view is not None:
            self.show(*self._last_view)
        # A new order is read from its top, as after `kubectl get pods --sort-by`.
        if self.table.row_count:
            self.table.settle_dimensions()
            self.table.move_cursor(row=0, animate=False)
            self.table.scroll_home(animate=False, immediate=True)

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        """Choose the columns for the panel's width; a change rebuilds the table (rare: a
        resize, or a longer name than any before)."""
        width = self.size.width
        if not width:
            return
        layout = fit_columns(width, *self._longest)
        if layout == self.pod_columns:
            self._show_extent()
            return
        self.pod_columns = layout
        cursor = self._cursor_key()
        self.table.clear(columns=True)
        self._add_columns()
        self._cells.clear()
        self._rows.clear()
        self._keys.clear()
        self._due.clear()
        self._due_at.clear()
        self._drawn = None
        if self._last_view is not None:
            self.show(*self._last_view)
        if cursor is not None and cursor in self._cells:
            self.table.move_cursor(row=self.table.get_row_index(cursor), animate=False)

    @on(PodsTable.Scrolled)
    def _show_extent(self) -> None:
        """The title names the rows in view when the table cannot show them all."""
        title: Content = Content(self.panel_title)
        first, last = self.table.rows_in_view()
        if last and (first > 1 or last < self.table.row_count):
            title = Content.assemble(
                title, (f" · {first}–{last} of {self.table.row_count}", "$text-muted")
            )
        if title.plain != Content(self.border_title or "").plain:
            self.border_title = title

    def open_filter(self) -> None:
        self._filter.can_focus = True
        self._filter.display = True
        self._filter.value = self.filter_text
        self._filter.focus()

    @on(Input.Changed, "#pod-filter")
    def _filter_changed(self, message: Input.Changed) -> None:
        self.filter_text = message.value.strip()
        if self._last_view is not None:
            self.show(*self._last_view)

    @on(Input.Submitted, "#pod-filter")
    def _filter_done(self) -> None:
        self.table.focus()
        if not self.filter_text:
            self._close_filter()

    def _close_filter(self) -> None:
        self._filter.display = False
        self._filter.can_focus = False

    @on(DataTable.RowSelected)
    def _row_selected(self, message: DataTable.RowSelected) -> None:
        if message.row_key.value:
            self.post_message(PodSelected(message.row_key.value))

    def key_escape(self) -> None:
        if self._filter.display:
            self._filter.value = ""
            self._close_filter()
            self.table.focus()

    def show(self, view: PanelView, now: datetime) -> None:
        self._last_view = (view, now)
        self.show_status(view.status, f"sorted by {self.sort} · {age_label(view)}")
        err = error_line(view)
        self._error.display = err is not None
        if err is not None:
            self._error.update(err)
        pods = view.detail if isinstance(view.detail, PodList) else None
        if pods is None:
            self._counts.update(
                Content.styled("waiting for the first list…", "$text-muted") if err is None else ""
            )
            return
        lines = [counts_line(pods), *(workload_line(w) for w in pods.workloads)]
        if self.filter_text:
            needle = self.filter_text.lower()
            shown = tuple(
                r
                for r in pods.rows
                if needle in r.name.lower()
                or needle in r.status.lower()
                or needle in r.node.lower()
            )
            lines.append(
                Content.styled(
                    f'filter "{self.filter_text}": {len(shown)} of {len(pods.rows)} pods '
                    "(esc clears)",
                    "$accent",
                )
            )
            pods = PodList(shown, pods.workloads)
        counts = Content("\n").join(lines)
        if counts.plain != self._last_counts:
            relayout = counts.plain.count("\n") != self._last_counts.count("\n")
            self._last_counts = counts.plain
            self._counts.update(counts, layout=relayout)
        if self._measure(pods):
            self._fit()  # shows the view again in the new layout
            return
        self._apply(pods, now)
        self._show_extent()

    def _measure(self, pods: PodList) -> bool:
        """Whether a name longer than the layout was fitted to arrived (names only grow
        here: a layout that flips back and forth as pods come and go would be worse)."""
        if pods is self._measured:
            return False
        self._measured = pods
        name = max((len(r.name) for r in pods.rows), default=0)
        node = max((len(r.node) for r in pods.rows), default=0)
        longest = (max(name, self._longest[0]), max(node, self._longest[1]))
        if longest == self._longest:
            return False
        self._longest = longest
        width = self.size.width
        return bool(width) and fit_columns(width, *longest) != self.pod_columns

    def _apply(self, pods: PodList, now: datetime) -> None:
        table = self.table
        cursor_key = self._cursor_key()
        # Rich cells know no theme variables: the colours come from the theme itself.
        theme = self.app.current_theme
        warn, crit = f"bold {theme.warning}", f"bold {theme.error}"
        # Another theme, or a clock that went back: every row is formatted again, and with
        # another theme every coloured cell is written again (its text is the same).
        last = self._drawn
        restyled = last is not None and last[:2] != (warn, crit)
        everything = last is None or restyled or now < last[2]
        self._drawn = (warn, crit, now)
        wanted = {row.name: row for row in pods.rows}
        gone = [n for n in self._cells if n not in wanted]
        for name in gone:
            del self._cells[name]
            del self._rows[name]
            del self._keys[name]
            self._due_at.pop(name, None)
        columns, layout, sort = self.pod_columns.names, self.pod_columns, self.sort
        moved = False
        changed: list[tuple[str, str, str | Text]] = []
        new_rows: list[tuple[str, tuple[str | Text, ...]]] = []
        stamp = now.timestamp()
        todo = [
            (name, row)
            for name, row in wanted.items()
            if everything or ((before := self._rows.get(name)) is not row and before != row)
        ]
        if not everything:
            # Rows whose ages may read differently now; each is taken once per refresh.
            while self._due and self._due[0][0] <= stamp:
                due, name = heapq.heappop(self._due)
                if self._due_at.get(name) == due and name in wanted:
                    todo.append((name, wanted[name]))
        for name, row in todo:
            key = sort_key(sort, row, now)
            if self._keys.get(name) != key:
                self._keys[name] = key
                moved = True
            cells = pod_cells(row, now, warn, crit, layout)
            plain = tuple(c.plain if isinstance(c, Text) else c for c in cells)
            old = self._cells.get(name)
            if old is None:
                new_rows.append((name, cells))
            elif old != plain or restyled:
                for column, value, before_text in zip(columns, cells, old, strict=True):
                    text = value.plain if isinstance(value, Text) else value
                    coloured = isinstance(value, Text) and bool(value.style)
                    if text == before_text and not (restyled and coloured):
                        continue
                    if layout.width(column) is None:
                        table.update_cell(name, column, value, update_width=True)
                    else:
                        changed.append((name, column, value))
            self._cells[name] = plain
            self._rows[name] = row
            due = _ages_change_at(row, stamp)
            self._due_at[name] = due
            heapq.heappush(self._due, (due, name))
        if len(self._due) > 4 * len(self._due_at) + 64:
            # Entries of replaced or removed rows pile up; keep only the live ones.
            self._due = [(due, name) for name, due in self._due_at.items()]
            heapq.heapify(self._due)
        table.append_rows(new_rows)
        if gone or moved:
            # Removed rows out, new and changed ones in their places: one sort (keys kept per
            # row, computed only for the rows that changed) and one rebuild of the row order.
            table.reorder(sorted(self._keys, key=self._keys.__getitem__), gone)
        # One update for a whole watch batch: row by row would be quadratic in the table size.
        table.set_cells(changed)
        if cursor_key is not None and cursor_key in self._cells:
            table.settle_dimensions()
            table.move_cursor(row=table.get_row_index(cursor_key), animate=False)

    def _cursor_key(self) -> str | None:
        table = self.table
        if not table.row_count:
            return None
        try:
            key: RowKey = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        except Exception:
            return None
        return key.value
