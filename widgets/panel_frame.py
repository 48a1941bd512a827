"""The frame every panel shares: border title, status class and the age in the subtitle."""

from __future__ import annotations

from datetime import datetime

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Static

from cockpit.core.model import PanelView, Status
from cockpit.widgets.panel_text import age_label, status_class

_STATUS_CLASSES = tuple(status_class(s) for s in Status)
UNLIMITED = Size(0, 0)  # a panel not laid out yet: every line, none counted away


class PanelFrame(Vertical):
    def __init__(self, panel: str, title: str, id_prefix: str = "panel") -> None:
        super().__init__(id=f"{id_prefix}-{panel}", classes="panel")
        self.panel = panel
        # A configured title is text, not markup: "Queue [prod]" must keep its brackets.
        self.border_title = Content(title)
        self.border_subtitle = "no data yet"

    def show_frame(self, view: PanelView) -> None:
        self.show_status(view.status, age_label(view))

    def show_status(self, status: Status, subtitle: str) -> None:
        # Only on change: a class swap restyles and a subtitle assignment repaints the whole
        # panel even when nothing differs, and this runs every second for every panel.
        wanted = status_class(status)
        if not self.has_class(wanted):
            self.remove_class(*_STATUS_CLASSES)
            self.add_class(wanted)
        if subtitle != self.border_subtitle:
            self.border_subtitle = subtitle


class StripPanel(PanelFrame, can_focus=True):
    """A panel that folds into one line on a short screen (`Screen.-short` in the stylesheet),
    so 80x24 keeps room for the pods table. Both forms are kept current; CSS picks one.

    Both forms are laid out for the room the panel has: its inside width, and as many lines as
    its `max-height` leaves inside the border (the dashboard's grid sizes a row by its content,
    so the stylesheet's limit is the room, not the size of the moment). What does not fit is
    counted: "+2 more" in the border title, or at the end of the strip."""

    def __init__(self, panel: str, title: str) -> None:
        super().__init__(panel, title)
        self.add_class("-strippable")
        self.panel_title = title
        self._body = Static("", classes="body")
        self._strip = Static("", classes="strip")
        self._last = ("", "")
        self._last_view: tuple[PanelView, datetime] | None = None

    def compose(self) -> ComposeResult:
        yield self._body
        yield self._strip

    def render_body(
        self, view: PanelView, now: datetime, room: Size
    ) -> tuple[Content, Content, int]:
        """(the panel's lines, the one-line strip, how many things the lines leave out) for a
        panel with `room` inside (the strip has `room.width`); 0 means no limit."""
        raise NotImplementedError

    def room(self) -> Size:
        limit = self.styles.max_height
        rows = 0
        if limit is not None and limit.is_cells:
            rows = max(int(limit.value) - self.styles.gutter.height, 1)
        return Size(self.size.width, rows)

    def on_resize(self) -> None:
        if self._last_view is not None:
            self.show(*self._last_view)

    def show(self, view: PanelView, now: datetime) -> None:
        self._last_view = (view, now)
        self.show_frame(view)
        body, strip, hidden = self.render_body(view, now, self.room())
        if body.plain != self._last[0]:
            self._body.update(body, layout=body.plain.count("\n") != self._last[0].count("\n"))
        if strip.plain != self._last[1]:
            self._strip.update(strip, layout=False)
        self._last = (body.plain, strip.plain)
        title = Content(self.panel_title)
        if hidden:
            title = Content.assemble(title, " · ", more_line(hidden))
        if title.plain != Content(self.border_title or "").plain:
            self.border_title = title


def more_line(hidden: int) -> Content:
    """What a panel says in place of what it has no room for."""
    return Content.styled(f"+{hidden} more", "$text-muted")


def fit_lines(
    items: list[tuple[Content, int]], room: int, fixed: int = 0
) -> tuple[list[Content], int]:
    """The lines of `items` (a line and how many things it names) that fit in `room` lines
    beside `fixed` other lines, and how many things are left out."""
    if room <= 0 or len(items) + fixed <= room:
        return [line for line, _ in items], 0
    keep = max(room - fixed, 0)
    return [line for line, _ in items[:keep]], sum(count for _, count in items[keep:])


def fit_strip(
    head: list[Content | str | tuple[str, str]], items: list[tuple[Content, int]], width: int
) -> Content:
    """One line: `head`, then as many `items` (a text and how many things it names) as fit in
    `width` cells, with "+N more" for the rest. Width 0: everything."""
    line = Content.assemble(*head)
    for index, (item, _) in enumerate(items):
        candidate = Content.assemble(line, " ", item) if index else Content.assemble(line, item)
        rest = sum(count for _, count in items[index + 1 :])
        reserve = len(f" +{rest} more") if rest else 0
        if width and candidate.cell_length + reserve > width:
            if index == 0:
                # The worst item is shown even when cut: a bare "+3 more" would hide it.
                cut = max(width - reserve, line.cell_length + 2)
                line = candidate.truncate(cut, ellipsis=True)
                return Content.assemble(line, more_line(rest).pad_left(1)) if rest else line
            hidden = sum(count for _, count in items[index:])
            return Content.assemble(line, " ", more_line(hidden))
        line = candidate
    return line
