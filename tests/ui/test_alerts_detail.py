"""Enter on the alerts panel opens the firing alerts; each shows its labels, annotations and
runbook URL. Driven on the demo, as a person would: focus the panel, press enter, move down."""

from __future__ import annotations

from datetime import timedelta

import pytest

from cockpit.app.cockpit_app import CockpitApp, ReadingArrived
from cockpit.core.model import FiringAlert, Reading, Status
from cockpit.runtime.wiring import Runtime, build_sources
from cockpit.screens.alerts import AlertsScreen
from cockpit.sources.demo.simulation import DEMO_RUNBOOKS_URL
from cockpit.widgets.alerts_panel import AlertsPanel
from tests.conftest import T0, FakeClock
from tests.support.screen_text import screen_text, wait_for


async def open_alerts(app: CockpitApp, pilot: object) -> AlertsScreen:
    app.source_set = build_sources(app.runtime)
    assert app.source_set is not None
    for source, _ in app.source_set.sources:
        app.post_message(ReadingArrived(await source.read()))
    panel = app.dashboard.panels["alerts"]
    assert isinstance(panel, AlertsPanel)
    await pilot.pause()  # type: ignore[attr-defined]
    panel.focus()
    await pilot.press("enter")  # type: ignore[attr-defined]
    await wait_for(pilot, lambda: isinstance(app.screen, AlertsScreen))  # type: ignore[arg-type]
    await pilot.pause()  # type: ignore[attr-defined]
    screen = app.screen
    assert isinstance(screen, AlertsScreen)
    return screen


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_enter_opens_the_alerts_and_one_shows_in_full(
    clock: FakeClock, size: tuple[int, int]
) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock), start_sources=False)
    async with app.run_test(size=size) as pilot:
        screen = await open_alerts(app, pilot)
        text = screen_text(app)
        assert "Firing alerts: 5" in text
        # The worst first, highlighted, in full: labels, annotations, the runbook URL as text.
        assert "CheckoutHighErrorRate  critical" in text
        assert f"Runbook: {DEMO_RUNBOOKS_URL}/api-service#high-error-rate" in text
        assert "alertname=CheckoutHighErrorRate" in text and "namespace=shop" in text
        assert "More than 5% of checkout requests have answered 5xx for 2 minutes." in text
        assert "Usually a bad rollout" in text  # the description's second line
        await pilot.press("down")
        await pilot.pause()
        chosen = screen.highlighted()
        assert chosen is not None and chosen.name != "CheckoutHighErrorRate"
        text = screen_text(app)
        assert f"alertname={chosen.name}" in text and chosen.runbook_url in text
        assert "alertname=CheckoutHighErrorRate" not in text
        # A new reading while the screen is open keeps the highlight on the same alert.
        source = next(s for s, _ in app.source_set.sources if s.panel == "alerts")  # type: ignore[union-attr]
        app.post_message(ReadingArrived(await source.read()))
        await pilot.pause()
        assert screen.highlighted() == chosen
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is app.dashboard


async def test_outside_text_in_an_alert_reaches_the_screen_as_stand_ins(
    clock: FakeClock,
) -> None:
    hostile = "\x1b]0;pwned\x07\x1b[2J[link=http://x]click[/][/b]"
    alert = FiringAlert(
        "Evil", "critical", f"sum {hostile}", T0 - timedelta(minutes=1), "fp-evil",
        {"alertname": "Evil", "team": f"t {hostile}"},
        {"description": f"line one {hostile}\nline two", "runbook_url": f"https://x/{hostile}"},
    )  # fmt: skip
    app = CockpitApp(Runtime.for_demo(clock=clock), start_sources=False)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = await open_alerts(app, pilot)
        reading = Reading("alerts", T0, {"firing": 1.0, "critical": 1.0}, Status.CRIT,
                          detail=(alert,))  # fmt: skip
        app.post_message(ReadingArrived(reading))
        await pilot.pause()
        assert screen.highlighted() == alert
        text = screen_text(app)
        assert "\x1b" not in text and "\x07" not in text
        assert "line one ␛]0;pwned" in text and "line two" in text
        assert "[link=http://x]click[/][/b]" in text  # shown as typed, not taken as markup
        assert "team=t ␛]0;pwned" in text and "Runbook: https://x/␛]0;pwned" in text
