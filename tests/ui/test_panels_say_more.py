"""A panel that cannot show everything says so: "+N more" in its title (or at the end of its
one-line form on a short screen), never a check or an alert cut off unseen."""

from __future__ import annotations

from datetime import timedelta

import pytest
from textual.app import App, ComposeResult
from textual.geometry import Size

from cockpit.app.cockpit_app import CockpitApp, ReadingArrived
from cockpit.core.model import FiringAlert, HealthResult, PanelView, Reading, Status
from cockpit.runtime.wiring import Runtime, build_sources
from cockpit.widgets.health_panel import HealthPanel, health_lines
from tests.conftest import T0, FakeClock
from tests.support.screen_text import screen_lines, screen_text


def failing(n: int) -> HealthResult:
    return HealthResult(f"check-{n}", f"http://svc-{n}/healthz", False, None, "HTTP 503", T0, T0)


def passing(n: int) -> HealthResult:
    return HealthResult(f"ok-{n}", f"http://ok-{n}/healthz", True, 0.012, "200 OK")


def alert(n: int) -> FiringAlert:
    return FiringAlert(
        f"Alert{n:02d}", "warning", f"summary {n}", T0 - timedelta(minutes=n), f"fp{n}"
    )


def health_view(results: list[HealthResult]) -> PanelView:
    return PanelView("health", "Health checks", (), Status.CRIT, {}, 0.0, None, False,
                     detail=tuple(results))  # fmt: skip


def test_three_checks_in_two_rows_say_one_more() -> None:
    lines, hidden = health_lines(health_view([failing(1), failing(2), failing(3)]), Size(40, 2))
    assert [line.plain.split()[1] for line in lines] == ["check-1", "check-2"]
    assert hidden == 1


def test_passing_checks_share_a_line_as_far_as_the_width_goes() -> None:
    view = health_view([failing(1), passing(1), passing(2), passing(3)])
    lines, hidden = health_lines(view, Size(30, 6))
    assert hidden == 0
    assert all(line.cell_length <= 30 for line in lines if "✓" in line.plain)
    assert sum(line.plain.count("✓") for line in lines) == 3  # none cut off the right edge
    lines, hidden = health_lines(view, Size(30, 2))
    assert len(lines) == 2 and hidden == 4 - 1 - lines[1].plain.count("✓") > 0


class Probe(App[None]):
    CSS = "HealthPanel { width: 44; max-height: 4; border: round $primary; }"

    def compose(self) -> ComposeResult:
        yield HealthPanel("health", "Health checks")


async def test_the_panel_title_counts_the_checks_without_a_row() -> None:
    app = Probe()
    async with app.run_test(size=(60, 10)) as pilot:
        panel = app.query_one(HealthPanel)
        panel.show(health_view([failing(1), failing(2), failing(3)]), T0)
        await pilot.pause()
        text = screen_text(app)
        assert "Health checks · +1 more" in text
        assert "check-1" in text and "check-2" in text and "check-3" not in text


async def _dashboard(app: CockpitApp, alerts: int, checks: int) -> None:
    app.source_set = build_sources(app.runtime)
    assert app.source_set is not None
    for source, _ in app.source_set.sources:
        if source.panel not in ("alerts", "health"):
            app.post_message(ReadingArrived(await source.read()))
    firing = tuple(alert(n) for n in range(alerts))
    values = {"firing": float(alerts), "critical": 0.0}
    app.post_message(ReadingArrived(Reading("alerts", T0, values, Status.WARN, detail=firing)))
    results = tuple([failing(n) for n in range(checks)] + [passing(1), passing(2)])
    app.post_message(ReadingArrived(Reading("health", T0, {}, Status.CRIT, detail=results)))


@pytest.mark.parametrize(("alerts", "checks"), [(8, 8), (3, 1)])
async def test_wide_screen_panels_count_what_they_leave_out(
    clock: FakeClock, alerts: int, checks: int
) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock), start_sources=False)
    async with app.run_test(size=(160, 48)) as pilot:
        await _dashboard(app, alerts, checks)
        await pilot.pause()
        text = screen_text(app)
        shown_alerts = sum(f"Alert{n:02d}" in text for n in range(alerts))
        shown_checks = sum(f"check-{n} " in text for n in range(checks))
        if alerts > shown_alerts:
            assert f"Alerts · +{alerts - shown_alerts} more" in text
        else:
            assert "Alerts · +" not in text
        # The two passing checks share a line, or are counted with the rest.
        hidden_checks = checks - shown_checks + (0 if "ok-1" in text and "ok-2" in text else 2)
        if hidden_checks:
            assert f"Health checks · +{hidden_checks} more" in text
        else:
            assert "Health checks · +" not in text
        assert (alerts, checks) == (3, 1) or (shown_alerts, hidden_checks) == (5, 4)


async def test_short_screen_lines_count_what_they_leave_out(clock: FakeClock) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock), start_sources=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await _dashboard(app, 8, 4)
        await pilot.pause()
        line = next(line for line in screen_lines(app) if "Alerts" in line)
        assert "8 firing: Aler" in line  # the worst, as much of it as fits
        alerts_part, health_part = line.split("Health checks")
        assert "+7 more" in alerts_part  # one named, seven counted
        checks = sum(f"check-{n}" in health_part for n in range(4))
        assert checks >= 1 and f"+{6 - checks} more" in health_part
