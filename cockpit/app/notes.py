"""`cockpit notes`: the incident timeline alone — no config, no cluster, no network.

For the laptop on a train, the second terminal in a war room, or the scribe who only writes.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType

from cockpit.app.base import CockpitBase
from cockpit.app.controllers.incident import INCIDENT_BINDINGS, IncidentController
from cockpit.app.messages import TimelineChanged
from cockpit.core.records import utc_now
from cockpit.incident.recorder import STATUS_EVERY, Recorder
from cockpit.screens.help import HelpScreen
from cockpit.screens.timeline import EditRequested, PinToggled, TimelineQuery, TimelineScreen
from cockpit.themes import DEFAULT_THEME, stylesheet_path


class NotesApp(CockpitBase):
    TITLE = "incident-cockpit notes"
    CSS_PATH = stylesheet_path()
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="app.quit"),
        *(b for b in INCIDENT_BINDINGS if b.id != "incident.timeline"),
        Binding("question_mark", "help", "Help", id="app.help"),
    ]

    def __init__(
        self,
        db_path: Path | None,
        *,
        incident: str = "",
        actor: str = "",
        status_every: float = STATUS_EVERY,
        theme: str = DEFAULT_THEME,
    ) -> None:
        super().__init__(theme=theme)
        self.incident_controls = IncidentController(self)
        self._db_path = db_path
        self._incident = incident
        self._actor = actor
        self._status_every = status_every

    # ---- what the incident controller sees of the app ---------------------------------------

    @property
    def recorder(self) -> Recorder | None:
        return self.incident_controls.recorder

    def now(self) -> datetime:
        return utc_now()

    def panel_values(self) -> Mapping[str, str]:
        return {}  # no panels here

    def incident_defaults(self) -> tuple[str, str]:
        return "", "SEV3"

    # ---- lifecycle ----------------------------------------------------------------------

    def on_mount(self) -> None:
        screen = TimelineScreen(standalone=True)
        self.incident_controls.timeline_screen = screen
        self.push_screen(screen)
        self.set_interval(1.0, self.incident_controls.refresh_timeline_title, name="clock")
        self.run_write(self._open, "open the timeline")

    async def _open(self) -> None:
        # Reading the record is worth it even where it cannot be written (a read-only mount).
        recorder = await self.incident_controls.open_timeline(
            self._db_path, actor=self._actor, status_every=self._status_every, read_only_ok=True
        )
        if recorder is None or not self._incident:
            return
        try:
            await recorder.attach(self._incident)
        except Exception as error:
            self.notify(str(error), severity="error", timeout=15)
        self.post_message(TimelineChanged())

    async def close_record(self) -> None:
        await self.incident_controls.close()

    # ---- the record and its screen ----------------------------------------------------------

    def on_timeline_changed(self, _message: TimelineChanged) -> None:
        self.incident_controls.refresh_timeline_view()

    def on_timeline_query(self, _message: TimelineQuery) -> None:
        self.incident_controls.refresh_timeline_view()

    def on_edit_requested(self, message: EditRequested) -> None:
        self.incident_controls.edit_requested(message)

    def on_pin_toggled(self, message: PinToggled) -> None:
        self.incident_controls.pin_toggled(message)

    # ---- keys -----------------------------------------------------------------------------

    def action_note(self) -> None:
        self.incident_controls.note()

    def action_declare(self) -> None:
        self.incident_controls.declare()

    def action_status_update(self) -> None:
        self.incident_controls.status_update()

    def action_pick_incident(self) -> None:
        self.incident_controls.pick_incident()

    def action_help(self) -> None:
        keys = [
            (self.get_key_display(b), b.description or b.action)
            for b in [*self.BINDINGS, *TimelineScreen.BINDINGS]
            if isinstance(b, Binding)
        ]
        self.push_screen(HelpScreen(keys))
