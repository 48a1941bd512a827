"""The one-line header: context/namespace, incident, UTC clock, READ-ONLY and PAUSED badges."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from cockpit.model import HeaderInfo
from cockpit.units import format_clock, format_elapsed


def render_header(info: HeaderInfo, width: int = 200) -> Content:
    where = f"{info.context or '-'}/{info.namespace}"
    badges: list[Content | str | tuple[str, str]] = []
    if info.paused:
        badges += [(" PAUSED ", "reverse"), " "]
    if info.read_only:
        badges += [(" READ-ONLY ", "reverse bold"), " "]
    if info.timeline_problem:
        # The reason was notified in full; the badge keeps saying notes will not be kept.
        badges += [(" NO TIMELINE ", "reverse bold $error"), " "]
    badges.append(format_clock(info.now))
    right = Content.assemble(*badges)
    if not info.incident_title:
        left = Content.assemble(
            (where, "bold"), ("  no incident declared (D declares)", "$text-muted")
        )
        return _fit(left, right, width)
    # What gives way on a narrow screen: first the title, then the context (which cluster this
    # is matters more than the title). Severity, incident clock, badges and UTC clock stay.
    fixed: list[Content | str | tuple[str, str]] = ["  ", (f" {info.severity} ", "reverse bold")]
    if info.incident_started is not None:
        elapsed = (info.now - info.incident_started).total_seconds()
        fixed.append((f" T+{format_elapsed(elapsed)}", "bold"))
    if info.incident_status:
        fixed.append(f" {info.incident_status.upper()}")
    if info.update_due_in is not None:
        fixed.append(" ")
        fixed.append(reminder_badge(info.update_due_in))
    if info.phase:
        # Over its box it says OVER in reverse video: the word carries it, not the colour.
        style = "reverse bold $error" if info.phase_over else "$text-muted"
        fixed.append(" ")
        fixed.append(Content.styled(f" {info.phase} " if info.phase_over else info.phase, style))
    middle = Content.assemble(*fixed)
    room = width - right.cell_length - 1 - middle.cell_length
    title = f" {info.incident_title}"
    where_room = max(4, min(len(where), room))
    where_text = _ellipsize(where, where_room)
    title_text = _ellipsize(title, max(0, room - len(where_text)))
    left = Content.assemble((where_text, "bold"), middle, title_text)
    return _fit(left, right, width)


def reminder_badge(due_in: float) -> Content:
    """The status-update countdown; once due it nags in reverse video with how late it is.
    Written as a duration (`upd in 12m30s`), never `12:30`, which beside the UTC clock reads
    as a time of day."""
    if due_in > 0:
        return Content.styled(f"upd in {countdown(due_in)}", "$text-muted")
    return Content.styled(f" UPDATE DUE +{countdown(-due_in)} ", "reverse bold $warning")


def countdown(seconds: float) -> str:
    """`12m30s`, `1h05m`: a duration, in the units a person says it in."""
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    return f"{whole // 60}m{whole % 60:02d}s"


def _ellipsize(text: str, room: int) -> str:
    if len(text) <= room:
        return text
    return text[: max(0, room - 1)] + "…" if room > 1 else ""


def _fit(left: Content, right: Content, width: int) -> Content:
    room = max(0, width - right.cell_length - 1)
    if left.cell_length > room:
        left = left.truncate(max(0, room - 1)).append("…")
    gap = max(1, width - left.cell_length - right.cell_length)
    return Content.assemble(left, " " * gap, right)


class HeaderBar(Static):
    def __init__(self) -> None:
        super().__init__("", id="header")
        self._info: HeaderInfo | None = None
        self._last = ""

    def show(self, info: HeaderInfo) -> None:
        self._info = info
        self.set_class(info.read_only, "-read-only")
        self._render_now()

    def on_resize(self) -> None:
        self._last = ""
        self._render_now()

    def _render_now(self) -> None:
        if self._info is None:
            return
        width = max(20, self.size.width - 2) if self.size.width else 80
        rendered = render_header(self._info, width)
        # Repaint only when the text changes: every byte counts on a slow SSH link.
        if rendered.plain != self._last:
            self._last = rendered.plain
            self.update(rendered, layout=False)  # always one line: no layout pass needed
