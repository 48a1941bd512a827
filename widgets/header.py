"""The one-line header: context/namespace, incident, UTC clock, PRODUCTION, READ-ONLY and PAUSED
badges; and the PRODUCTION bar of the screens that have no header."""

from __future__ import annotations

from textual.content import Content
from textual.reactive import Reactive
from textual.widgets import Static

from cockpit.core.model import HeaderInfo
from cockpit.core.units import format_clock, format_elapsed

# Where the cockpit points is never cut to `-/d…`; only a name longer than this is shortened.
WHERE_CAP = 32
PRODUCTION_BADGE = " PRODUCTION "
PRODUCTION_STYLE = "reverse bold $error"
# What gives way on a narrow screen, in order, once the title is gone: the clock's seconds, the
# phase's time box, the status word, the countdown to the next update (not once it is due), the
# phase. The context, namespace, severity, incident clock and badges always stay.
_LEVELS = 7


def where_text(context: str, namespace: str, cap: int = WHERE_CAP) -> str:
    """`context/namespace`, whole up to `cap` characters; past it the namespace keeps its
    start and the context its end (what tells `…cluster/prod-eu` from `…cluster/prod-us`)."""
    context = context or "-"
    text = f"{context}/{namespace}"
    if len(text) <= cap:
        return text
    half = cap // 2
    ns = namespace if len(namespace) <= half else namespace[: half - 1] + "…"
    room = cap - len(ns) - 1
    ctx = context if len(context) <= room else "…" + context[len(context) - room + 1 :]
    return f"{ctx}/{ns}"


def render_header(info: HeaderInfo, width: int = 200) -> Content:
    lead: list[Content | str | tuple[str, str]] = []
    if info.production:
        lead += [(PRODUCTION_BADGE, PRODUCTION_STYLE), " "]
    lead.append((where_text(info.context, info.namespace), "bold"))
    where = Content.assemble(*lead)
    if not info.incident_title:
        right = _right(info, seconds=True)
        if where.cell_length + 36 + right.cell_length > width:
            right = _right(info, seconds=False)
        left = Content.assemble(where, ("  no incident declared (D declares)", "$text-muted"))
        return _fit(left, right, width)
    for level in range(_LEVELS):
        right = _right(info, seconds=level < 2)
        middle = _middle(info, level)
        room = width - right.cell_length - 1 - where.cell_length - middle.cell_length
        if level == 0:
            title = f" {info.incident_title}"
            if room >= 2:  # at least " …": the title is there, only cut
                return _fit(Content.assemble(where, middle, _ellipsize(title, room)), right, width)
            continue
        if room >= 0:
            return _fit(Content.assemble(where, middle), right, width)
    # Narrower than anything sensible: the end of the incident part is cut, never the place.
    return _fit(Content.assemble(where, _middle(info, _LEVELS)), _right(info, False), width)


def _right(info: HeaderInfo, seconds: bool) -> Content:
    badges: list[Content | str | tuple[str, str]] = []
    if info.paused:
        badges += [(" PAUSED ", "reverse"), " "]
    if info.read_only:
        badges += [(" READ-ONLY ", "reverse bold"), " "]
    if info.timeline_problem:
        # The reason was notified in full; the badge keeps saying notes will not be kept.
        badges += [(" NO TIMELINE ", "reverse bold $error"), " "]
    clock = format_clock(info.now)
    badges.append(clock if seconds else clock[:5] + clock[8:])  # 14:02:09 UTC → 14:02 UTC
    return Content.assemble(*badges)


def _middle(info: HeaderInfo, level: int) -> Content:
    fixed: list[Content | str | tuple[str, str]] = ["  ", (f" {info.severity} ", "reverse bold")]
    if info.incident_started is not None:
        elapsed = (info.now - info.incident_started).total_seconds()
        fixed.append((f" T+{format_elapsed(elapsed)}", "bold"))
    if info.incident_status and level < 4:
        fixed.append(f" {info.incident_status.upper()}")
    if info.update_due_in is not None and (level < 5 or info.update_due_in <= 0):
        fixed.append(" ")
        fixed.append(reminder_badge(info.update_due_in))
    if info.phase and (level < 6 or info.phase_over):
        # Over its box it says OVER in reverse video: the word carries it, not the colour.
        phase = info.phase if level < 3 or info.phase_over else info.phase.split("/", 1)[0]
        style = "reverse bold $error" if info.phase_over else "$text-muted"
        fixed.append(" ")
        fixed.append(Content.styled(f" {phase} " if info.phase_over else phase, style))
    return Content.assemble(*fixed)


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


class ProductionBar(Static):
    """` PRODUCTION  context/namespace ` across the top of a screen without the header, shown
    while the app's `production` flag is set: every screen says it from the same flag."""

    DEFAULT_CSS = """
    ProductionBar { display: none; dock: top; height: 1; }
    ProductionBar.-on { display: block; }
    """

    def __init__(self) -> None:
        super().__init__("", classes="production-bar")

    def on_mount(self) -> None:
        if isinstance(getattr(type(self.app), "production", None), Reactive):
            self.watch(self.app, "production", self._show, init=True)

    def _show(self, production: bool) -> None:
        self.set_class(production, "-on")
        if production:
            where = getattr(self.app, "where_label", "")
            self.update(
                Content.assemble(
                    (PRODUCTION_BADGE, PRODUCTION_STYLE),
                    " ",
                    (str(where), "bold"),
                    ("  actions here need the object's name typed", "$text-muted"),
                )
            )
