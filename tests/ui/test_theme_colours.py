"""Every colour on every screen comes from the theme: a colour written into a widget ("yellow",
"#ff0000", a plot's own palette) ignores the light, high-contrast and colour-blind themes.

Each screen is opened on the demo, as a person would (keys, Enter on a focused panel), under
every theme the app offers, and the cells the terminal would be sent are read back: every
foreground and background colour must be one the theme defines (its CSS variables, with black
and white for Textual's automatic contrast text) or a blend Textual makes of those (a colour
with alpha over the one beneath, `dim`, a sparkline's gradient). A literal colour is neither,
and the failure names the theme, the screen, the widget and the text it was drawn on.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.color import Color as RichColor
from rich.text import Text
from textual.app import App, ComposeResult
from textual.color import Color
from textual.command import CommandPalette
from textual.content import Content
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Input, Static, TextArea

from cockpit.app.cockpit_app import CockpitApp
from cockpit.config.schema import demo_config
from cockpit.core.model import Measure, PanelView, Status, Threshold
from cockpit.runtime.wiring import Runtime
from cockpit.screens.actions import ConfirmAction, HistoryScreen, ScaleForm
from cockpit.screens.alerts import AlertsScreen
from cockpit.screens.chart import ChartScreen
from cockpit.screens.event_detail import EventDetailScreen
from cockpit.screens.help import HelpScreen
from cockpit.screens.incident_forms import DeclareForm, IncidentPicker, NoteForm, StatusForm
from cockpit.screens.phase_picker import PhasePicker
from cockpit.screens.pod_detail import PodDetailScreen
from cockpit.screens.presenter import PresenterScreen
from cockpit.screens.runbook import ConfirmStep, RunbookScreen
from cockpit.screens.timeline import TimelineScreen
from cockpit.themes import THEMES, stylesheet_path
from cockpit.widgets.metrics_table import MetricsTable
from tests.conftest import FakeClock
from tests.support.screen_text import screen_text, wait_for

RGB = tuple[int, int, int]
# How far (RGB distance) a blend may be from the exact line between its two colours: Textual
# rounds each channel, and a blend over a blend rounds twice.
ROUNDING = 3.0


# ---- which colours a theme accounts for --------------------------------------------------


def theme_colours(app: App[object]) -> set[RGB]:
    """The colours the running theme defines: every CSS variable that is a colour, and black and
    white (an `auto` colour is the contrast text Textual picks, one of the two)."""
    colours: set[RGB] = {(0, 0, 0), (255, 255, 255)}
    for value in app.theme_variables.values():
        try:
            colours.add(Color.parse(value).rgb)
        except Exception:  # "auto 87%", "transparent", …: not a colour of their own
            continue
    return colours


def _on_blend(colour: RGB, a: RGB, b: RGB) -> bool:
    """Whether `colour` is `a` blended towards `b` (any amount), within rounding."""
    span = [y - x for x, y in zip(a, b, strict=True)]
    length = sum(d * d for d in span)
    offset = [c - x for c, x in zip(colour, a, strict=True)]
    if length == 0:
        return math.dist(colour, a) <= ROUNDING
    t = max(0.0, min(1.0, sum(o * d for o, d in zip(offset, span, strict=True)) / length))
    nearest = [x + t * d for x, d in zip(a, span, strict=True)]
    return math.dist(colour, nearest) <= ROUNDING


def unaccounted(seen: Iterable[RGB], defined: set[RGB]) -> set[RGB]:
    """The colours that are neither defined by the theme nor reached from defined colours by
    blending one over another (layer by layer: a muted text over a tinted bar over the screen)."""
    known = set(defined)
    todo = {c for c in seen if c not in known}
    while todo:
        reached = {
            c for c in todo if any(_on_blend(c, a, b) for a in known for b in known if a <= b)
        }
        if not reached:
            return todo
        known |= reached
        todo -= reached
    return set()


# ---- what the terminal would be sent -----------------------------------------------------


@dataclass(frozen=True)
class Sighting:
    widget: str
    text: str


def rendered_colours(app: App[object]) -> dict[RGB, Sighting]:
    """Every foreground and background colour of the current screen's cells, with the first
    widget and text it was drawn on."""
    seen: dict[RGB, Sighting] = {}
    screen = app.screen
    for y, strip in enumerate(screen._compositor.render_strips()):
        x = 0
        for segment in strip:
            style = segment.style
            if style is not None:
                # A foreground on blank cells draws nothing (unless reversed or lined).
                drawn = segment.text.strip() or style.reverse or style.underline or style.strike
                for colour in (style.color if drawn else None, style.bgcolor):
                    if colour is None or colour.is_default:
                        continue
                    rgb = _rgb(colour)
                    if rgb not in seen:
                        seen[rgb] = Sighting(_widget_at(screen, x, y), segment.text.strip())
            x += segment.cell_length
    return seen


def _rgb(colour: RichColor) -> RGB:
    triplet = colour.get_truecolor()
    return (triplet.red, triplet.green, triplet.blue)


def _widget_at(screen: Screen[object], x: int, y: int) -> str:
    try:
        widget, _ = screen.get_widget_at(x, y)
    except Exception:
        return "?"
    return type(widget).__name__ + (f"#{widget.id}" if widget.id else "")


@dataclass
class Findings:
    problems: list[str]

    def check(self, app: App[object], where: str) -> None:
        seen = rendered_colours(app)
        for rgb in sorted(unaccounted(seen, theme_colours(app))):
            sighting = seen[rgb]
            self.problems.append(
                f"{app.theme} · {where}: #{rgb[0]:02x}{rgb[1]:02x}{rgb[2]:02x} "
                f"on {sighting.widget} {sighting.text[:40]!r}"
            )


def theme_applied(app: App[object]) -> bool:
    expected = app.current_theme.to_color_system().generate()
    return all(app.theme_variables.get(name) == expected[name] for name in ("background", "error"))


def only_theme_colours(app: App[object]) -> bool:
    return not unaccounted(rendered_colours(app), theme_colours(app))


async def check_after_theme_change(
    pilot: Pilot[None], app: App[object], found: Findings, where: str
) -> None:
    """The theme was just changed: what is on screen is drawn again, a moment later (first the
    stylesheet takes the new theme's variables, then widgets hear of it)."""
    await wait_for(pilot, lambda: theme_applied(app))
    with contextlib.suppress(AssertionError):  # the check says which colours stayed behind
        await wait_for(pilot, lambda: only_theme_colours(app))
    found.check(app, where)


# ---- every screen, opened as a person would ----------------------------------------------


async def _open(pilot: Pilot[None], app: CockpitApp, kind: type, *keys: str) -> None:
    await pilot.press(*keys)
    await wait_for(pilot, lambda: isinstance(app.screen, kind))
    await pilot.pause()


async def _back_to_dashboard(pilot: Pilot[None], app: CockpitApp) -> None:
    await wait_for(pilot, lambda: app.screen is app.dashboard)


async def _settled(pilot: Pilot[None], app: CockpitApp) -> None:
    await wait_for(pilot, lambda: app.recorder and app.recorder.incident and app.actions)
    await wait_for(
        pilot, lambda: "5 firing" in screen_text(app) and screen_text(app).count("checkout-") >= 4
    )
    await wait_for(pilot, lambda: app.runbooks is not None)
    await app.settle()
    await pilot.pause()


async def walk_every_screen(pilot: Pilot[None], app: CockpitApp, found: Findings) -> None:
    await _settled(pilot, app)
    found.check(app, "dashboard")

    await _open(pilot, app, HelpScreen, "question_mark")
    found.check(app, "help")
    await pilot.press("escape")
    await _back_to_dashboard(pilot, app)

    await _open(pilot, app, PresenterScreen, "z")
    await wait_for(pilot, lambda: "Alert firing" in screen_text(app))
    found.check(app, "presenter")
    await pilot.press("z")
    await _back_to_dashboard(pilot, app)

    # The forms, each also leaving an entry of its kind for the timeline and the chart.
    await _open(pilot, app, NoteForm, "n")
    await pilot.press(*"rolled back to v1.8.2")
    found.check(app, "note form")
    await pilot.press("ctrl+e")
    await wait_for(pilot, lambda: bool(app.screen.query(TextArea)))
    await pilot.press("end", "enter", *"second line")
    await wait_for(pilot, lambda: "second line" in screen_text(app))
    found.check(app, "note editor")
    await pilot.press("ctrl+s")
    await _back_to_dashboard(pilot, app)

    await _open(pilot, app, CommandPalette, "ctrl+p")
    await pilot.press(*"rollout")
    await wait_for(pilot, lambda: "Rollout undo" in screen_text(app))
    found.check(app, "command palette")
    await pilot.press("escape")
    await _back_to_dashboard(pilot, app)

    await _open(pilot, app, StatusForm, "u")
    await pilot.press(*"rollback under way")
    found.check(app, "status form")
    await pilot.press("enter")
    await _back_to_dashboard(pilot, app)

    # D on a declared incident says how to declare another: a notification.
    await pilot.press("D")
    await wait_for(pilot, lambda: "Already on" in screen_text(app))
    found.check(app, "notification")

    await _open(pilot, app, IncidentPicker, "i")
    found.check(app, "incident picker")
    await _open(pilot, app, DeclareForm, "end", "enter")
    found.check(app, "declare form")
    await pilot.press("escape")
    await _back_to_dashboard(pilot, app)

    await _open(pilot, app, PhasePicker, "m")
    found.check(app, "phase picker")
    await pilot.press("escape")
    await _back_to_dashboard(pilot, app)

    await _open(pilot, app, HistoryScreen, "U")
    found.check(app, "rollout history")
    await pilot.press("escape")
    await _back_to_dashboard(pilot, app)

    await _open(pilot, app, ScaleForm, "s")
    app.screen.query_one(Input).value = "6"
    found.check(app, "scale form")
    await _open(pilot, app, ConfirmAction, "enter")
    await wait_for(pilot, lambda: "dry run passed" in screen_text(app))
    found.check(app, "action confirmation")
    await pilot.press("y")
    await _back_to_dashboard(pilot, app)

    await _open(pilot, app, RunbookScreen, "b")
    found.check(app, "runbook")
    await _open(pilot, app, ConfirmStep, "space")
    found.check(app, "runbook step confirmation")
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(app.screen, RunbookScreen))
    await pilot.press("escape")
    await _back_to_dashboard(pilot, app)

    app.dashboard.query_one("#panel-alerts").focus()
    await _open(pilot, app, AlertsScreen, "enter")
    found.check(app, "alerts")
    await pilot.press("escape")
    await _back_to_dashboard(pilot, app)

    app.dashboard.query_one("#panel-latency").focus()
    await _open(pilot, app, ChartScreen, "enter")
    chart = app.screen
    assert isinstance(chart, ChartScreen)
    await wait_for(pilot, lambda: chart.data is not None and "red line" in screen_text(app))
    await pilot.pause()
    found.check(app, "chart")
    await pilot.press("escape")
    await _back_to_dashboard(pilot, app)

    app.dashboard.query_one("#panel-pods DataTable").focus()
    await _open(pilot, app, PodDetailScreen, "enter")
    await wait_for(pilot, lambda: "Containers" in screen_text(app))
    found.check(app, "pod detail")
    await pilot.press("escape")
    await _back_to_dashboard(pilot, app)

    await _open(pilot, app, TimelineScreen, "t")
    await wait_for(pilot, lambda: "rolled back to v1.8.2" in screen_text(app))
    await pilot.press("up", "P")  # the pinned mark is styled too
    await wait_for(pilot, lambda: "◆" in screen_text(app))
    found.check(app, "timeline")
    await _open(pilot, app, EventDetailScreen, "enter")
    found.check(app, "timeline entry")
    await pilot.press("escape")
    await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
    await pilot.press("escape")
    await _back_to_dashboard(pilot, app)


def next_theme(theme: str) -> str:
    names = list(THEMES)
    return names[(names.index(theme) + 1) % len(names)]


@pytest.mark.parametrize("theme", list(THEMES))
async def test_every_screen_draws_only_theme_colours(
    theme: str, clock: FakeClock, tmp_path: Path
) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock, db=tmp_path / "t.db", theme=theme))
    found = Findings([])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        assert app.theme == theme
        await walk_every_screen(pilot, app, found)
    assert not found.problems, "colours the theme does not define:\n" + "\n".join(found.problems)


# ---- the metrics table: only with [[panels.custom]], which the demo does not configure --------

DEPTH = Measure("value", "value", "count", Threshold(crit=500, warn=200))


def metric_view(
    panel: str, status: Status, value: float | None, error: str | None = None, stale: bool = False
) -> PanelView:
    values = {} if value is None else {"value": value}
    return PanelView(panel, panel, (DEPTH,), status, values, 1.0, error, stale)


# One row per way a row can look: every status the table colours.
METRIC_ROWS = {
    "ok": metric_view("ok", Status.OK, 12),
    "warn": metric_view("warn", Status.WARN, 300),
    "crit": metric_view("crit", Status.CRIT, 812),
    "failing": metric_view("failing", Status.ERROR, None, error="bad query"),
    "stale": metric_view("stale", Status.STALE, 150, stale=True),
    "unknown": metric_view("unknown", Status.UNKNOWN, None),
}


class TableHost(App[None]):
    """The metrics table as the dashboard holds it: the cockpit's themes and stylesheet."""

    CSS_PATH = stylesheet_path()

    def __init__(self, theme: str) -> None:
        super().__init__()
        for item in THEMES.values():
            self.register_theme(item)
        self.theme = theme

    def compose(self) -> ComposeResult:
        yield MetricsTable([(panel, panel) for panel in METRIC_ROWS])


@pytest.mark.parametrize("theme", list(THEMES))
async def test_the_metrics_table_draws_only_theme_colours(theme: str) -> None:
    app = TableHost(theme)
    found = Findings([])
    async with app.run_test(size=(100, 12)) as pilot:
        table = app.query_one(MetricsTable)
        await wait_for(pilot, lambda: table.table.row_count == len(METRIC_ROWS))
        for view in METRIC_ROWS.values():
            table.show(view, [1.0, 3.0, 2.0, 5.0])
        await wait_for(pilot, lambda: "! ERROR" in screen_text(app))
        text = screen_text(app)
        for word in ("OK", "WARN", "CRIT", "ERROR", "STALE", "UNKNOWN"):
            assert word in text  # status is said in words; colour only repeats it
        found.check(app, "metrics table")
        app.theme = next_theme(theme)
        await check_after_theme_change(pilot, app, found, f"metrics table, drawn in {theme}")
    assert not found.problems, "colours the theme does not define:\n" + "\n".join(found.problems)


async def test_a_theme_change_recolours_what_is_already_drawn(
    clock: FakeClock, tmp_path: Path
) -> None:
    """T cycles the theme: cells, rows and plots drawn in the old one are drawn again."""
    app = CockpitApp(Runtime.for_demo(clock=clock, db=tmp_path / "t.db"))
    found = Findings([])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await _settled(pilot, app)
        await pilot.press("n", *"rolled back to v1.8.2", "enter")
        await _back_to_dashboard(pilot, app)
        before = app.theme
        await pilot.press("T")
        assert app.theme != before
        await check_after_theme_change(pilot, app, found, "dashboard")

        await _open(pilot, app, TimelineScreen, "t")
        await wait_for(pilot, lambda: "rolled back to v1.8.2" in screen_text(app))
        await pilot.press("P")
        await wait_for(pilot, lambda: "◆" in screen_text(app))
        await pilot.press("T")
        await check_after_theme_change(pilot, app, found, "timeline")
        await pilot.press("escape")
        await _back_to_dashboard(pilot, app)

        app.dashboard.query_one("#panel-latency").focus()
        await _open(pilot, app, ChartScreen, "enter")
        await wait_for(pilot, lambda: "red line" in screen_text(app))
        await pilot.press("T")
        await check_after_theme_change(pilot, app, found, "chart")
    assert not found.problems, "colours the theme does not define:\n" + "\n".join(found.problems)


class LiteralHost(App[None]):
    """A theme colour and a colour written into the code, side by side."""

    CSS_PATH = stylesheet_path()

    def __init__(self, theme: str) -> None:
        super().__init__()
        for item in THEMES.values():
            self.register_theme(item)
        self.theme = theme

    def compose(self) -> ComposeResult:
        yield Static(Content.styled("from the theme", "$warning bold"), id="themed")
        yield Static(Text("written in", style="bold #ff00ff"), id="literal")


@pytest.mark.parametrize("theme", list(THEMES))
async def test_the_check_catches_a_literal_colour_and_nothing_else(theme: str) -> None:
    app = LiteralHost(theme)
    found = Findings([])
    async with app.run_test(size=(40, 3)) as pilot:
        await wait_for(pilot, lambda: "written in" in screen_text(app))
        found.check(app, "host")
    assert found.problems == [f"{theme} · host: #ff00ff on Static#literal 'written in'"]


@pytest.mark.parametrize("theme", list(THEMES))
async def test_a_production_context_draws_only_theme_colours(
    theme: str, clock: FakeClock, tmp_path: Path
) -> None:
    """The PRODUCTION badge and bar, PAUSED, and the confirmation that asks for the name."""
    config = demo_config()
    config.cockpit.production_contexts.append("dem*")
    app = CockpitApp(
        Runtime.build(config, demo=True, clock=clock, db=tmp_path / "t.db", theme=theme)
    )
    found = Findings([])
    async with app.run_test(size=(120, 40), notifications=True) as pilot:
        await _settled(pilot, app)
        await pilot.press("p")
        await wait_for(pilot, lambda: "PAUSED" in screen_text(app))
        assert "PRODUCTION" in screen_text(app)
        found.check(app, "dashboard, paused")
        await pilot.press("p")
        await wait_for(pilot, lambda: "PAUSED" not in screen_text(app).splitlines()[0])

        await _open(pilot, app, ScaleForm, "s")
        app.screen.query_one(Input).value = "6"
        await _open(pilot, app, ConfirmAction, "enter")
        await wait_for(pilot, lambda: "PRODUCTION context: type" in screen_text(app))
        found.check(app, "production confirmation")
        await pilot.press("escape")
        await _back_to_dashboard(pilot, app)

        await _open(pilot, app, TimelineScreen, "t")
        await wait_for(pilot, lambda: "PRODUCTION" in screen_text(app))
        found.check(app, "timeline")
    assert not found.problems, "colours the theme does not define:\n" + "\n".join(found.problems)
