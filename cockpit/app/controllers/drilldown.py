"""Drill-downs from the dashboard: a panel's chart over a window, the firing alerts in full,
and a pod's detail followed like `kubectl logs -f`.

`DrillDownController` belongs to `CockpitApp` and needs `DrillDownHost` of it. What a source
can add (a range history, pod detail) is asked of its type (`RangeHistory`, `DescribesPods`);
without it the chart shows what this cockpit saw since it started, and the pod screen says so.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from textual.screen import Screen

from cockpit.app.controllers.host import KeepsRecord, RunsWork, ShowsScreens
from cockpit.core.model import FiringAlert, PanelState, Reading
from cockpit.sources.base import DescribesPods, RangeHistory, Source

if TYPE_CHECKING:
    from cockpit.screens.chart import ChartScreen

# The chart and pod screens are imported where they are opened: none is needed for the
# first frame.

POD_FOLLOW_INTERVAL = 2.0
# Enough of the record to mark a chart's window with what happened in it.
CHART_EVENTS = 2000


class DrillDownHost(ShowsScreens, RunsWork, KeepsRecord, Protocol):
    """What the drill-downs need from the app that owns them."""

    @property
    def states(self) -> Mapping[str, PanelState]: ...

    @property
    def screen(self) -> Screen[object]: ...

    @property
    def screen_stack(self) -> list[Screen[Any]]: ...

    def now(self) -> datetime: ...

    def source_for(self, panel: str) -> Source | None: ...


class DrillDownController:
    """Opens the screens behind a panel and keeps them filled while they are open."""

    def __init__(self, host: DrillDownHost) -> None:
        self._host = host

    # ---- charts -------------------------------------------------------------------------

    def open_chart(self, panel: str) -> None:
        from cockpit.core.charts import DEFAULT_WINDOW
        from cockpit.screens.chart import ChartScreen

        state = self._host.states.get(panel)
        if state is None:
            return
        screen = ChartScreen(panel, state.title, DEFAULT_WINDOW)
        self._host.push_screen(screen)
        self._load_chart(screen, DEFAULT_WINDOW)

    def window_changed(self, window: float) -> None:
        from cockpit.screens.chart import ChartScreen

        screen = self._host.screen
        if isinstance(screen, ChartScreen):
            self._load_chart(screen, window)

    def _load_chart(self, screen: ChartScreen, window: float) -> None:
        from cockpit.core.charts import build_chart

        host = self._host
        state = host.states[screen.panel]
        source = host.source_for(screen.panel)

        async def load() -> None:
            readings: list[Reading] = []
            error = ""
            if isinstance(source, RangeHistory):
                try:
                    async with asyncio.timeout(max(10.0, state.interval)):
                        readings = await source.history(window)
                except Exception as exc:  # the chart says so; the dashboard is unaffected
                    error = f"history unavailable: {exc or type(exc).__name__}"
            if not readings:
                # No range API (or it failed): what this cockpit saw since it started.
                readings = state.recent_readings()
            events = []
            recorder = host.recorder
            if recorder is not None and recorder.incident is not None:
                with contextlib.suppress(Exception):
                    events = await recorder.events(limit=CHART_EVENTS)
            data = build_chart(
                state.title, state.measures, readings, events, host.now(), window, error
            )
            if screen.is_attached:
                screen.show(data)

        # Exclusive: a newer window's chart wins over one still loading.
        host.run_load(load, "chart", f"chart {screen.panel}", exclusive=True)

    # ---- alerts ---------------------------------------------------------------------------

    def open_alerts(self, panel: str) -> None:
        from cockpit.screens.alerts import AlertsScreen

        state = self._host.states.get(panel)
        if state is not None:
            self._host.push_screen(AlertsScreen(self._firing(state), self._host.now()))

    def alerts_changed(self, state: PanelState) -> None:
        """A new alerts reading: the full list, if it is open, follows it."""
        from cockpit.screens.alerts import AlertsScreen

        stack = self._host.screen_stack
        top = stack[-1] if stack else None
        if isinstance(top, AlertsScreen):
            top.show_alerts(self._firing(state), self._host.now())

    def _firing(self, state: PanelState) -> tuple[FiringAlert, ...]:
        # The view keeps the last good list through a failed read, as the panel does.
        detail = state.view(self._host.now()).detail
        return tuple(a for a in detail or () if isinstance(a, FiringAlert))

    # ---- pod detail ----------------------------------------------------------------------

    def open_pod(self, name: str) -> None:
        from cockpit.screens.pod_detail import PodDetailScreen

        source = self._host.source_for("pods")
        screen = PodDetailScreen(name)
        self._host.push_screen(screen)
        if not isinstance(source, DescribesPods):
            screen.show_error("details are not available from this source")
            return

        async def follow() -> None:
            # Like `kubectl logs -f`, but by polling the tail: nothing streams on the loop,
            # and leaving the screen ends it.
            while screen.is_attached:
                try:
                    async with asyncio.timeout(15):
                        detail = await source.pod_detail(name)
                except Exception as error:
                    text = getattr(error, "message", None) or str(error) or type(error).__name__
                    screen.show_error(text)
                else:
                    screen.show(detail)
                await asyncio.sleep(POD_FOLLOW_INTERVAL)

        # Cancelled on quit, never awaited; a newer pod's screen replaces an older follow.
        self._host.run_follow(follow, "pod", name, exclusive=True)
