"""The Textual application: wires sources, scheduler and state to the dashboard.

Only this module knows both sides. Sources start after the first frame is drawn; every reading
arrives as a message, updates `PanelState` and re-renders one panel. The incident record, the
actions, the runbooks and the phases are controllers the app owns (`controllers/`); the keys
are the app's thin `action_*` methods that hand over to them, and whatever changes the record
says so with a `TimelineChanged` message, which the header, the timeline screen, the
presenter and the phases follow.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker

from cockpit.app.base import CockpitBase, Work
from cockpit.app.controllers.actions import ACTION_BINDINGS, ActionController
from cockpit.app.controllers.alerts import AlertRecords
from cockpit.app.controllers.drilldown import DrillDownController
from cockpit.app.controllers.incident import INCIDENT_BINDINGS, IncidentController
from cockpit.app.controllers.phases import PHASE_BINDINGS, PhaseController
from cockpit.app.controllers.runbooks import RUNBOOK_BINDINGS, RunbookController
from cockpit.app.keys import HELP_BUILTINS, HELP_TEXT, PALETTE_IDS, footer_order
from cockpit.app.messages import BackfillArrived, ReadingArrived, TimelineChanged
from cockpit.config.keymap import BINDING_IDS
from cockpit.core.mitigation import ClusterActions
from cockpit.core.model import HeaderInfo, PanelState, Reading
from cockpit.incident.breaches import BreachTracker, SloChange, first_bad_at
from cockpit.incident.recorder import Recorder
from cockpit.runtime.scheduler import Scheduler
from cockpit.runtime.wiring import (
    Runtime,
    SourceSet,
    Where,
    build_sources,
    effective_where,
    settle_where,
)
from cockpit.screens.dashboard import DashboardScreen
from cockpit.screens.help import HelpScreen
from cockpit.screens.presenter import RECENT, PresenterScreen
from cockpit.screens.timeline import EditRequested, PinToggled, TimelineQuery
from cockpit.sources.base import Backfilling, Source
from cockpit.themes import THEMES, stylesheet_path
from cockpit.widgets.alerts_panel import AlertsRequested
from cockpit.widgets.header import where_text
from cockpit.widgets.metric_panel import ChartRequested
from cockpit.widgets.pods_panel import PodSelected

if TYPE_CHECKING:
    # Not needed for the first frame: the chart screen brings in plotext, the runbook pane
    # and model their parsing.
    from cockpit.runbooks.model import Runbook
    from cockpit.screens.chart import ChartWindowChanged
    from cockpit.screens.runbook import RunbookCommandChosen, StepToggled

log = logging.getLogger(__name__)

# Reading the kubeconfig should take milliseconds; a hung file system must not keep the panels
# from starting (they then report the kubeconfig themselves).
WHERE_LIMIT = 5.0
RUNBOOKS_AFTER = 1.0
RUNBOOKS_LATEST = 5.0


class CockpitApp(CockpitBase):
    TITLE = "incident-cockpit"
    # The effective context is one of `production_contexts`: every screen says so from this.
    production: reactive[bool] = reactive(False)
    CSS_PATH = stylesheet_path()
    ENABLE_COMMAND_PALETTE = True

    BINDINGS: ClassVar[list[BindingType]] = footer_order(
        [
            Binding("q", "quit", "Quit", id="app.quit"),
            Binding("p", "toggle_pause", "Pause", id="refresh.pause"),
            Binding("r", "refresh_now", "Refresh", id="refresh.now"),
            Binding("tab", "app.focus_next", "Next panel", show=False, id="focus.next"),
            Binding(
                "shift+tab", "app.focus_previous", "Prev panel", show=False, id="focus.previous"
            ),
            *INCIDENT_BINDINGS,
            *ACTION_BINDINGS,
            *RUNBOOK_BINDINGS,
            *PHASE_BINDINGS,
            Binding("z", "presenter", "Presenter", id="app.presenter"),
            Binding("T", "next_theme", "Theme", show=False, id="app.theme"),
            Binding("question_mark", "help", "Keys", id="app.help"),
            # Textual's ctrl+p, plus the k9s habit of `:` for the command line. (Declaring
            # this replaces Textual's own palette binding, so both keys are listed here.)
            Binding(
                "ctrl+p", "command_palette", "Palette", show=False, priority=True, id="app.palette"
            ),
            # Not a priority binding: a `:` typed into a note must stay in the note.
            Binding("colon", "command_palette", "Palette", show=False, id="app.palette_colon"),
        ]
    )

    def __init__(
        self,
        runtime: Runtime,
        *,
        sources_factory: Callable[[Runtime], SourceSet] = build_sources,
        start_sources: bool = True,
    ) -> None:
        super().__init__(theme=runtime.theme)
        self.runtime = runtime
        self._sources_factory = sources_factory
        self._start_sources = start_sources
        self.states: dict[str, PanelState] = {
            spec.panel: PanelState(spec.panel, spec.title, spec.measures, spec.interval)
            for spec in runtime.specs
        }
        self.dashboard = DashboardScreen(runtime.specs)
        # The measure people watch per panel (its kind says): the presenter's big number, and
        # the trend line of the kinds that draw one.
        self.presenter = PresenterScreen(
            [(s.panel, s.title, s.headline) for s in runtime.specs if s.headline]
        )
        self._trend_of = {s.panel: s.trend for s in runtime.specs if s.trend}
        self.scheduler: Scheduler | None = None
        self.source_set: SourceSet | None = None
        # Set once the sources are built and started: the cluster's actions are known then.
        self.sources_started = asyncio.Event()
        # Until the kubeconfig has been read the header shows what was configured, or "…".
        self._where_known = False
        self.incident_controls = IncidentController(self)
        self.action_controls = ActionController(self)
        self.runbook_controls = RunbookController(self, self.action_controls)
        self.phase_controls = PhaseController(self)
        # Alerts are recorded one by one (firing / resolved), not as an SLO of their own.
        self.breaches = BreachTracker(
            [(s.panel, s.title, s.measures) for s in runtime.specs if s.breaches]
        )
        self.alert_records = AlertRecords(self)
        self.drilldowns = DrillDownController(self)
        self._backfills: dict[str, Worker[object]] = {}
        # SLO changes confirmed while the timeline is still opening (a slow disk, a busy
        # machine): written once it is open, instead of being lost. None once it is open.
        self._held_slo: list[SloChange] | None = []
        self.apply_keys(runtime.config.keys)

    # ---- what the controllers see of the app ----------------------------------------------

    @property
    def recorder(self) -> Recorder | None:
        return self.incident_controls.recorder

    @property
    def timeline_problem(self) -> str:
        return self.incident_controls.timeline_problem

    @property
    def actions(self) -> ClusterActions | None:
        return self.action_controls.actions

    @property
    def runbooks(self) -> list[Runbook] | None:
        return self.runbook_controls.runbooks

    def write_in_background(self, work: Work, what: str) -> None:
        self.incident_controls.write_in_background(work, what)

    def show_rollout(self, message: str | None, done: bool, failed: bool = False) -> None:
        self.dashboard.show_rollout(message, done, failed)

    def header_changed(self) -> None:
        self._render_header()

    def now(self) -> datetime:
        return self.runtime.clock()

    def panel_values(self) -> Mapping[str, str]:
        from cockpit.runtime.snapshot import measure_name, rows

        now = self.now()
        views = [state.view(now) for state in self.states.values() if state.latest is not None]
        return {measure_name(r.panel, r.measure): f"{r.value} {r.status}" for r in rows(views)}

    def incident_defaults(self) -> tuple[str, str]:
        incident = self.runtime.config.incident
        return incident.title, incident.severity

    # ---- lifecycle ----------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(self.dashboard)
        if self.runtime.demo:  # no kubeconfig to read: known from the first frame
            self._where_settled(effective_where(self.runtime))
        elif self.runtime.context:  # a context named on the command line is known already
            self.production = self.runtime.production_for(self.runtime.context)
        self._render_all()
        self.set_interval(1.0, self._tick, name="clock")
        # After the first frame: start-up time is the time to a useful screen. The sources
        # start once the kubeconfig says where they point, so they go where the header says.
        self.call_after_refresh(self._find_where)
        # The timeline file is opened after the first frame too, in a thread: a slow disk or a
        # locked file never delays the dashboard.
        self.call_after_refresh(self._start_timeline)
        # Runbooks are read in a thread once the first readings are in (start_sources), or a
        # moment after the first frame without sources: parsing holds the GIL in bursts, and
        # the first readings matter more than a key nobody has pressed yet.
        if not self._start_sources:
            self.set_timer(RUNBOOKS_AFTER, self.runbook_controls.start, name="runbooks")

    def _start_timeline(self) -> None:
        # With the writes: quitting waits for it, so the file is never left open behind us.
        self.run_write(self._open_timeline, "open the timeline")

    async def _open_timeline(self) -> None:
        try:
            await self._open_and_declare()
        finally:
            held, self._held_slo = self._held_slo or [], None
            if self.recorder is not None:
                for change in held:
                    self.write_in_background(self._record_slo(change), "an SLO change")

    async def _open_and_declare(self) -> None:
        settings = self.runtime.config.timeline
        recorder = await self.incident_controls.open_timeline(
            self.runtime.timeline_path,
            actor=settings.actor,
            status_every=settings.status_every,
            throwaway=self.runtime.timeline_throwaway,
            clock=self.runtime.clock,
        )
        if recorder is None or recorder.incident is not None or not self.runtime.demo:
            return
        # The demo opens on its incident already declared, as a real one would be by now.
        incident = self.runtime.config.incident
        started = self.source_set.incident_started() if self.source_set else None
        try:
            await recorder.declare(incident.title, incident.severity, started_at=started)
        except Exception as error:  # the demo still runs without its record
            log.warning("could not declare the demo incident: %s", error)
        self.post_message(TimelineChanged())

    def _find_where(self) -> None:
        if self._where_known:
            self._where_found()
            return
        self.run_load(self._read_where, "where", "read the kubeconfig")

    async def _read_where(self) -> None:
        try:
            async with asyncio.timeout(WHERE_LIMIT):
                where = await asyncio.to_thread(effective_where, self.runtime)
        except Exception as error:  # the configured values stay; the panels say what is wrong
            log.info("could not settle the context from the kubeconfig: %s", error)
            where = Where(self.runtime.context, self.runtime.namespace)
        self._where_settled(where)
        self._render_header()
        self._where_found()

    def _where_settled(self, where: Where) -> None:
        settle_where(self.runtime, where)
        self._where_known = True
        context = self.runtime.context
        self.production = bool(context) and self.runtime.production_for(context)

    def _where_found(self) -> None:
        if self._start_sources:
            self.start_sources()

    @property
    def where_label(self) -> str:
        """`context/namespace` as the header shows it; "…" for what is not known yet."""
        runtime = self.runtime
        known = self._where_known
        context = runtime.context if known or runtime.context else "…"
        namespace = runtime.namespace if known or runtime.namespace_chosen else "…"
        return where_text(context, namespace)

    def start_sources(self) -> None:
        if self.scheduler is not None:
            return
        self.source_set = self._sources_factory(self.runtime)
        self.scheduler = Scheduler(self._deliver, clock=self.runtime.clock)
        for source, spec in self.source_set.sources:
            self.scheduler.add(source, spec.interval, spec.timeout)
            if isinstance(source, Backfilling):
                self._backfills[spec.panel] = self.run_load(
                    partial(self._backfill, spec.panel, source, spec.timeout),
                    "backfill",
                    f"backfill {spec.panel}",
                )
        self.scheduler.start()
        self.action_controls.actions = self.source_set.actions
        self.sources_started.set()
        self._render_header()
        self.run_follow(self._runbooks_after_first_readings, "first-readings", "runbooks")

    async def _runbooks_after_first_readings(self) -> None:
        assert self.scheduler is not None
        firsts = [runner.first_delivered.wait() for runner in self.scheduler.runners.values()]
        # A source that hangs delays the runbooks by RUNBOOKS_LATEST at most; sources that
        # answer at once (the demo) leave the first frame its moment.
        started = asyncio.get_running_loop().time()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(RUNBOOKS_LATEST):
                await asyncio.gather(*firsts)
        waited = asyncio.get_running_loop().time() - started
        if waited < RUNBOOKS_AFTER:
            self.set_timer(RUNBOOKS_AFTER - waited, self.runbook_controls.start, name="runbooks")
        else:
            self.runbook_controls.start()

    async def _backfill(self, panel: str, source: Backfilling, limit: float) -> None:
        try:
            async with asyncio.timeout(max(limit, 5.0)):
                readings = await source.backfill()
        except Exception as exc:  # a trend line is a nicety; its failure must cost nothing else
            log.info("backfill of %s failed: %s", panel, exc)
            return
        if readings:
            self.post_message(BackfillArrived(panel, readings))

    async def stop_reading(self) -> None:
        if self.scheduler is not None:
            await self.scheduler.stop()

    async def close_record(self) -> None:
        await self.incident_controls.close()

    def _deliver(self, reading: Reading) -> None:
        self.post_message(ReadingArrived(reading))

    # ---- state → screen -----------------------------------------------------------------

    def on_reading_arrived(self, message: ReadingArrived) -> None:
        state = self.states.get(message.reading.panel)
        if state is None:
            return
        state.apply(message.reading)
        self._render_panel(state)
        change = self.breaches.feed(message.reading)
        if change is not None and self._held_slo is not None:
            self._held_slo.append(change)
        elif change is not None and self.recorder is not None:
            self.write_in_background(self._record_slo(change), "an SLO change")
        if message.reading.panel == "alerts":
            self.alert_records.reading_arrived(message.reading)
            self.drilldowns.alerts_changed(state)

    async def _record_slo(self, change: SloChange) -> None:
        if change.breached:
            # Date the breach by the data: the panel's history, once its backfill has come in
            # (bounded by the backfill's own timeout), tells when the CRIT run really began.
            pending = self._backfills.get(change.panel)
            if pending is not None and not pending.is_finished:
                with contextlib.suppress(Exception):
                    # Shielded: this write giving up must not cancel the backfill.
                    await asyncio.shield(pending.wait())
            # The backfill's message may still be queued: its readings are read directly.
            state = self.states[change.panel]
            first = first_bad_at(state.recent_readings(), change.occurred_at)
            change = replace(change, occurred_at=first)
        if self.recorder is not None:
            await self.recorder.record_slo(change)

    def on_backfill_arrived(self, message: BackfillArrived) -> None:
        state = self.states.get(message.panel)
        if state is not None:
            state.backfill(message.readings)
            self._render_panel(state)

    @property
    def paused(self) -> bool:
        return self.scheduler is not None and self.scheduler.paused

    def _render_panel(self, state: PanelState) -> None:
        key = self._trend_of.get(state.panel)
        trend = state.history.values(key) if key else []
        view = state.view(self.now(), self.paused)
        self.dashboard.show_panel(view, trend, self.now())
        if self.presenter.is_attached:
            self.presenter.show_panel(view)

    def _render_all(self) -> None:
        self._render_header()
        for state in self.states.values():
            self._render_panel(state)

    def _render_header(self) -> None:
        now = self.now()
        runtime, known = self.runtime, self._where_known
        info = HeaderInfo(
            context=runtime.context if known or runtime.context else "…",
            namespace=runtime.namespace if known or runtime.namespace_chosen else "…",
            now=now,
            production=self.production,
            read_only=self.runtime.read_only,
            paused=self.paused,
            timeline_problem=self.timeline_problem,
        )
        recorder = self.recorder
        if recorder is None or recorder.incident is None:
            # Until one is declared in the timeline, the config's [incident] is the label.
            configured = self.runtime.config.incident
            started = self.source_set.incident_started() if self.source_set else None
            info = replace(
                info,
                incident_title=configured.title,
                severity=configured.severity if configured.title else "",
                incident_started=started,
            )
        else:
            incident = recorder.incident
            reminder = recorder.reminder(now)
            info = replace(
                info,
                incident_title=incident.title,
                severity=incident.severity.value,
                incident_started=incident.started_at,
                incident_status=incident.status.value,
                update_due_in=reminder.due_in if reminder else None,
            )
            phase, over = self.phase_controls.phase_header(now)
            info = replace(info, phase=phase, phase_over=over)
        self.dashboard.show_header(info)
        if self.presenter.is_attached:
            self.presenter.show_header(info)

    # ---- the incident record ------------------------------------------------------------

    def on_timeline_changed(self, _message: TimelineChanged) -> None:
        self.phase_controls.refresh()
        self._render_header()
        self.incident_controls.refresh_timeline_view()
        self._refresh_presenter_events()

    def _refresh_presenter_events(self) -> None:
        recorder = self.recorder
        if recorder is None or not self.presenter.is_attached:
            return

        async def load() -> None:
            try:
                events = await recorder.events(limit=RECENT)
            except Exception as error:  # the big numbers matter more than the list
                log.info("presenter timeline: %s", error)
                return
            self.presenter.show_recent(events)

        self.run_load(load, "presenter", "presenter events", exclusive=True)

    def on_timeline_query(self, _message: TimelineQuery) -> None:
        self.incident_controls.refresh_timeline_view()

    def on_edit_requested(self, message: EditRequested) -> None:
        self.incident_controls.edit_requested(message)

    def on_pin_toggled(self, message: PinToggled) -> None:
        self.incident_controls.pin_toggled(message)

    def on_step_toggled(self, message: StepToggled) -> None:
        self.runbook_controls.step_toggled(message)

    def on_runbook_command_chosen(self, message: RunbookCommandChosen) -> None:
        self.runbook_controls.command_chosen(message)

    def _tick(self) -> None:
        # Ages and the clock move every second even when no reading arrives: that is how a
        # panel turns visibly stale instead of showing a silent old number.
        self._render_all()
        self.incident_controls.refresh_timeline_title()

    # ---- drill-downs: a panel's chart, its alerts in full, a pod's detail --------------------

    def on_chart_requested(self, message: ChartRequested) -> None:
        self.drilldowns.open_chart(message.panel)

    def on_chart_window_changed(self, message: ChartWindowChanged) -> None:
        self.drilldowns.window_changed(message.window)

    def on_alerts_requested(self, message: AlertsRequested) -> None:
        self.drilldowns.open_alerts(message.panel)

    def on_pod_selected(self, message: PodSelected) -> None:
        self.drilldowns.open_pod(message.name)

    def source_for(self, panel: str) -> Source | None:
        if self.source_set is None:
            return None
        return next((src for src, spec in self.source_set.sources if spec.panel == panel), None)

    # ---- keys handed to the controllers ----------------------------------------------------

    def action_note(self) -> None:
        self.incident_controls.note()

    def action_declare(self) -> None:
        self.incident_controls.declare()

    def action_status_update(self) -> None:
        self.incident_controls.status_update()

    def action_timeline(self) -> None:
        self.incident_controls.open_timeline_screen()

    def action_pick_incident(self) -> None:
        self.incident_controls.pick_incident()

    def action_scale(self) -> None:
        self.action_controls.scale()

    def action_restart(self) -> None:
        self.action_controls.restart()

    def action_rollback(self) -> None:
        self.action_controls.rollback()

    def action_open_runbook(self) -> None:
        self.runbook_controls.open_for_panel()

    def action_mark_phase(self) -> None:
        self.phase_controls.mark_phase()

    # ---- actions ------------------------------------------------------------------------

    def action_toggle_pause(self) -> None:
        if self.scheduler is None:
            return
        if self.scheduler.paused:
            self.scheduler.resume()
            self.notify("Refresh resumed")
        else:
            self.scheduler.pause()
            self.notify("Refresh paused: numbers will turn stale. Press p to resume.")
        self._render_all()

    def action_refresh_now(self) -> None:
        if self.scheduler is None:
            return
        if self.scheduler.paused:
            self.notify("Refresh is paused; press p to resume.", severity="warning")
            return
        self.scheduler.refresh_now()

    def get_system_commands(self, screen: Screen[object]) -> Iterable[SystemCommand]:
        """Every cockpit key is also a palette command, named by what it does."""
        yield from super().get_system_commands(screen)
        for binding in self.BINDINGS:
            if not isinstance(binding, Binding) or binding.id not in PALETTE_IDS:
                continue
            title = BINDING_IDS[binding.id]
            action = binding.action
            yield SystemCommand(
                title[:1].upper() + title[1:],
                f"key: {self.get_key_display(binding)}",
                partial(self.call_later, self.run_action, action),
            )

    def action_presenter(self) -> None:
        if self.presenter.is_attached:
            return
        self.push_screen(self.presenter)
        self._render_all()
        self._refresh_presenter_events()

    def action_next_theme(self) -> None:
        names = [name for name in THEMES if name in self.available_themes]
        current = names.index(self.theme) if self.theme in names else -1
        self.theme = names[(current + 1) % len(names)]
        self.notify(f"Theme: {self.theme}")

    def action_help(self) -> None:
        # From the live bindings: what the screen answers to now, after any [keys] rebinding.
        keys = []
        seen = set()
        for active in self.screen.active_bindings.values():
            binding = active.binding
            # The cockpit's keys (they all have ids), focus and the palette; Textual's other
            # built-ins (ctrl+c copy, ctrl+q) are not the cockpit's to explain.
            ours = binding.id is not None or binding.action in HELP_BUILTINS
            if not ours or binding.key in seen:
                continue
            seen.add(binding.key)
            text = HELP_TEXT.get(binding.id or "") or binding.description or binding.action
            keys.append((self.get_key_display(binding), text))
        self.push_screen(HelpScreen(keys))
