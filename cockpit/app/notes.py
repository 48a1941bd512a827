"""`cockpit notes`: the incident timeline alone — no config, no cluster, no network.

For the laptop on a train, the second terminal in a war room, or the scribe who only writes.
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from textual.binding import Binding, BindingType

from cockpit.app.controllers.incident import INCIDENT_BINDINGS, IncidentControls
from cockpit.core.records import utc_now
from cockpit.incident.recorder import STATUS_EVERY
from cockpit.screens.help import HelpScreen
from cockpit.screens.timeline import TimelineScreen
from cockpit.themes import DEFAULT_THEME, THEMES, stylesheet_path


class NotesApp(IncidentControls):
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
        super().__init__()
        self._init_incident_controls()
        self._db_path = db_path
        self._incident = incident
        self._actor = actor
        self._status_every = status_every
        for item in THEMES.values():
            self.register_theme(item)
        self.theme = theme if theme in self.available_themes else DEFAULT_THEME

    def now(self) -> datetime:
        return utc_now()

    def on_mount(self) -> None:
        self.install_signal_handlers()
        self.timeline_screen = TimelineScreen(standalone=True)
        self.push_screen(self.timeline_screen)
        self.set_interval(1.0, self.refresh_timeline_title, name="clock")
        task = asyncio.create_task(self._open())
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)

    async def _open(self) -> None:
        # Reading the record is worth it even where it cannot be written (a read-only mount).
        recorder = await self.open_timeline(
            self._db_path, actor=self._actor, status_every=self._status_every, read_only_ok=True
        )
        if recorder is None or not self._incident:
            return
        try:
            await recorder.attach(self._incident)
        except Exception as error:
            self.notify(str(error), severity="error", timeout=15)
        self.timeline_changed()

    async def on_unmount(self) -> None:
        await self.close_timeline()

    def action_help(self) -> None:
        keys = [
            (self.get_key_display(b), b.description or b.action)
            for b in [*self.BINDINGS, *TimelineScreen.BINDINGS]
            if isinstance(b, Binding)
        ]
        self.push_screen(HelpScreen(keys))
