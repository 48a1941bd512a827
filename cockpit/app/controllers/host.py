"""The pieces of an app that controllers ask for by name, as Protocols.

Each controller declares its own host (`IncidentHost`, `ActionHost`, …) from these and what
else it needs; the apps satisfy them structurally. Nothing here is a base class to inherit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from textual.message import Message
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import Worker

from cockpit.app.base import Job, Work
from cockpit.incident.recorder import Recorder

T = TypeVar("T")


class Notifies(Protocol):
    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None: ...


class ShowsScreens(Protocol):
    def push_screen(
        self, screen: Screen[Any], callback: Callable[[Any], None] | None = None
    ) -> Any: ...

    async def push_screen_wait(self, screen: Screen[T]) -> T: ...


class RunsWork(Protocol):
    """The app's task policy (`CockpitBase`): every piece of background work is named."""

    def run_write(self, job: Job, name: str) -> asyncio.Task[object]: ...

    def run_load(
        self, job: Job, group: str, name: str, *, exclusive: bool = False
    ) -> Worker[object]: ...

    def run_follow(
        self, job: Job, group: str, name: str, *, exclusive: bool = False
    ) -> Worker[object]: ...

    def run_dialogue(self, job: Job, group: str, name: str) -> Worker[object]: ...


class KeepsRecord(Protocol):
    """The incident record as the app holds it; changes are announced as `TimelineChanged`."""

    @property
    def recorder(self) -> Recorder | None: ...

    def write_in_background(self, work: Work, what: str) -> None:
        """An automatic entry: never waits on, or breaks, the UI; drained before quitting."""
        ...

    def post_message(self, message: Message) -> bool: ...
