"""The firing alerts in full: the panel has room for a line each, this screen for everything
Alertmanager said about one — labels, annotations (summary, description) and the runbook URL.

The list stays live while the screen is open (the alerts panel's readings keep arriving); the
highlighted alert stays highlighted by fingerprint while others come and go. The runbook URL is
shown as text, not a link: a terminal link from an alert rule is not the cockpit's to vouch for.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from cockpit.core.model import FiringAlert
from cockpit.core.units import short_age
from cockpit.widgets.outside import safe_block, safe_line

# Annotations shown under their own headings, in this order; the rest follow by name.
NAMED_ANNOTATIONS = ("summary", "description", "runbook_url")


def _utc(moment: datetime) -> str:
    return f"{moment:%Y-%m-%d %H:%M:%S} UTC"


def alert_prompt(alert: FiringAlert, now: datetime) -> Content:
    """One alert's line in the list: severity, name, how long it fires, summary."""
    age = short_age((now - alert.starts_at).total_seconds())
    critical = alert.severity.lower() in ("critical", "page")
    return Content.assemble(
        safe_line(f"{alert.severity[:4]:<4} ", "$error bold" if critical else "$warning"),
        safe_line(alert.name, "bold"),
        f"  {age}  ",
        safe_line(alert.summary, "$text-muted"),
    )


def alert_detail(alert: FiringAlert, now: datetime) -> list[Content]:
    """Everything about one alert, as lines, in the order a person reads before acting on it:
    what and since when, where the runbook is, what it says, which labels it carries."""
    age = short_age((now - alert.starts_at).total_seconds())
    notes = alert.annotations
    lines = [
        Content.assemble(
            safe_line(alert.name, "bold"),
            "  ",
            safe_line(alert.severity),
            (f"  firing since {_utc(alert.starts_at)} ({age})", "$text-muted"),
        ),
        Content.assemble(
            ("Runbook: ", "bold"),
            safe_line(alert.runbook_url) if alert.runbook_url else ("(none given)", "$text-muted"),
        ),
    ]
    if notes.get("summary"):
        lines.append(Content.assemble(("Summary: ", "bold"), safe_line(notes["summary"])))
    labels = sorted(alert.labels.items())
    lines.append(Content.styled("Labels", "bold underline"))
    lines += [Content.assemble(safe_line(k, "$accent"), "=", safe_line(v)) for k, v in labels]
    if not labels:
        lines.append(Content.styled("(none)", "$text-muted"))
    if notes.get("description"):
        lines += [Content.styled("Description", "bold underline"), safe_block(notes["description"])]
    others = sorted(k for k in notes if k not in NAMED_ANNOTATIONS)
    if others:
        lines.append(Content.styled("Other annotations", "bold underline"))
        for key in others:
            lines.append(Content.assemble(safe_line(key, "$accent"), ": ", safe_block(notes[key])))
    lines.append(safe_line(f"fingerprint {alert.fingerprint}", "$text-muted"))
    return lines


class AlertsScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "app.pop_screen", "Back", id="alerts.back"),
    ]

    def __init__(self, alerts: Sequence[FiringAlert], now: datetime) -> None:
        super().__init__(id="alerts")
        self._alerts: tuple[FiringAlert, ...] = ()
        self._now = now
        self._heading = Static("", id="alerts-heading")
        self._list = OptionList(id="alerts-list")
        self._detail = Static("", id="alert-detail-body")
        self._pending = (tuple(alerts), now)

    def compose(self) -> ComposeResult:
        yield self._heading
        yield self._list
        with VerticalScroll(id="alert-detail"):
            yield self._detail
        yield Footer()

    def on_mount(self) -> None:
        self.show_alerts(*self._pending)
        self._list.focus()

    def show_alerts(self, alerts: Sequence[FiringAlert], now: datetime) -> None:
        """The alerts of the latest reading; the highlight stays on the alert it was on."""
        chosen = self.highlighted()
        self._alerts, self._now = tuple(alerts), now
        count = len(self._alerts)
        self._heading.update(
            Content.assemble(
                (f"Firing alerts: {count}" if count else "No alert is firing", "bold"),
                ("   ↑↓ choose · enter shows one · esc back", "$text-muted"),
            )
        )
        self._list.clear_options()
        self._list.add_options(Option(alert_prompt(a, now), id=a.fingerprint) for a in self._alerts)
        if not self._alerts:
            self._detail.update(Content(""))
            return
        index = next(
            (
                i
                for i, a in enumerate(self._alerts)
                if chosen and a.fingerprint == chosen.fingerprint
            ),
            0,
        )
        self._list.highlighted = index
        self._show(self._alerts[index])

    def highlighted(self) -> FiringAlert | None:
        index = self._list.highlighted
        if index is None or not 0 <= index < len(self._alerts):
            return None
        return self._alerts[index]

    def _show(self, alert: FiringAlert) -> None:
        self._detail.update(Content("\n").join(alert_detail(alert, self._now)))

    @on(OptionList.OptionHighlighted, "#alerts-list")
    def _highlighted(self, message: OptionList.OptionHighlighted) -> None:
        alert = self.highlighted()
        if alert is not None:
            self._show(alert)

    @on(OptionList.OptionSelected, "#alerts-list")
    def _selected(self, message: OptionList.OptionSelected) -> None:
        alert = self.highlighted()
        if alert is not None:
            self._show(alert)
            # The detail may be longer than the screen: the keys now scroll it.
            self.query_one("#alert-detail", VerticalScroll).focus()
