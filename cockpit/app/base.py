"""What every cockpit app shares: themes, the `[keys]` keymap, safe notices, signals, the crash
report, and one policy for background work.

Background work is named, and sorted by what quitting owes it:

- writes (`Writes`): timeline entries in flight. Quitting waits for them before the store
  closes: a note or a breach that was being saved is never cut off. These are the one kind of
  work that is not a Textual worker, because Textual (8.x) cancels every worker as soon as
  the app's message loop ends, before `Unmount` is dispatched: at unmount, where the store is
  closed, a write run as a worker would already be cut off.
- loads (`load:*`): reads that fill a screen from the record, a file or a source (backfills,
  charts, phases, runbooks). Quitting cancels them; `settle()` waits for them, so a screenshot
  or a test sees the screen as the record is.
- follows (`follow:*`): open-ended watches (a pod's detail, a rollout, the wait for the first
  readings). Quitting cancels them; nothing waits for them.
- dialogues (any other group): a worker waiting on a person, such as an action's confirmation.

Everything but the writes is a named Textual worker in a group, so quitting, `settle()` and a
test can find it. An orderly quit cancels the workers through Textual; a hang-up, which leaves
without Textual's shutdown, cancels the loads and follows itself (`cancel_background`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import threading
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import App
from textual.notifications import SeverityLevel
from textual.worker import Worker

from cockpit.core.safe_text import terminal_safe
from cockpit.themes import DEFAULT_THEME, THEMES

log = logging.getLogger(__name__)

LOAD_GROUP = "load:"
FOLLOW_GROUP = "follow:"
SHUTDOWN = "shutdown"
# How long a hung-up cockpit waits for writes in flight before leaving anyway.
HANGUP_GRACE = 5.0

# An entry to write, as a coroutine (`recorder.note(...)`).
Work = Coroutine[Any, Any, object]
# What a worker runs: called when the worker starts, so a worker cancelled before it started
# leaves no coroutine behind that was never awaited.
Job = Callable[[], Awaitable[object]]


@dataclass
class CrashNotice(Exception):
    """What the terminal shows after a crash: one line and where the full report is."""

    error: BaseException
    report: str

    def __rich__(self) -> Text:
        return Text.assemble(
            ("cockpit crashed: ", "bold red"),
            # The message may quote outside text (a name, a server's words).
            f"{type(self.error).__name__}: {terminal_safe(str(self.error))}\n",
            f"The full report is in {self.report}\n",
        )


class Writes:
    """Timeline writes in flight, as named tasks: started, then drained before the store closes.

    A small set of its own rather than workers (see the module's opening): Textual cancels
    its workers before the app's `Unmount`, and a write must outlive that moment."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[object]] = set()

    def start(self, job: Job, name: str) -> asyncio.Task[object]:
        async def run() -> object:
            return await job()

        task = asyncio.create_task(run(), name=name)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[object]) -> None:
        self._tasks.discard(task)
        # Expected failures are told where they happen (`write_in_background`); this is for
        # the unexpected, which would otherwise vanish with the task.
        if not task.cancelled() and (error := task.exception()) is not None:
            log.warning("%s failed: %s", task.get_name(), error, exc_info=error)

    def pending(self) -> list[asyncio.Task[object]]:
        return [task for task in self._tasks if not task.done()]

    async def drain(self) -> None:
        """Return once no write is in flight (a write may start another)."""
        while pending := self.pending():
            await asyncio.gather(*pending, return_exceptions=True)


class CockpitBase(App[None]):
    """The shared ground of `CockpitApp` and `NotesApp`. Subclasses say how to stop reading
    (`stop_reading`) and how to close what they hold (`close_record`); quitting, a SIGTERM and
    a hang-up all end through `wind_down`, in the order that loses nothing."""

    def __init__(self, *, theme: str = DEFAULT_THEME) -> None:
        # Under NO_COLOR, Textual on its own only turns colours grey (true-colour greys are still
        # colour escapes); declaring the colours native makes it drop them all, so the terminal
        # is sent video attributes (bold, reverse) and the words and symbols, no colour.
        super().__init__(ansi_color=True if os.environ.get("NO_COLOR") is not None else None)
        for item in THEMES.values():
            self.register_theme(item)
        self.theme = theme if theme in self.available_themes else DEFAULT_THEME
        # Set once `wind_down` has finished: a hang-up during an orderly quit waits for it.
        self._wound_down: asyncio.Event | None = None
        self.writes = Writes()

    def apply_keys(self, keys: Mapping[str, str]) -> None:
        """The `[keys]` table: binding id → comma-separated keys, spaces around commas allowed."""
        if keys:
            self.set_keymap(
                {
                    binding_id: ",".join(part.strip() for part in spec.split(","))
                    for binding_id, spec in keys.items()
                }
            )

    def notify(
        self,
        message: str,
        *,
        title: str = "",
        severity: SeverityLevel = "information",
        timeout: float | None = None,
        markup: bool = True,
    ) -> None:
        """Every notice, the app's own and its screens' (which call this): they carry server
        messages, names, titles and paths, so each is shown as written — control characters
        as visible stand-ins, brackets as brackets, never as markup."""
        del markup  # no caller's text is markup; a stray "[/b]" in a message must not crash
        super().notify(
            terminal_safe(message, multiline=True),
            title=terminal_safe(title),
            severity=severity,
            timeout=timeout,
            markup=False,
        )

    # ---- background work ------------------------------------------------------------------

    def run_write(self, job: Job, name: str) -> asyncio.Task[object]:
        """A timeline write: drained before the store closes, its failure handled by `job`."""
        return self.writes.start(job, name)

    def run_load(
        self, job: Job, group: str, name: str, *, exclusive: bool = False
    ) -> Worker[object]:
        """A read that fills a screen: cancelled on quit; `exclusive` lets the newest win."""
        return self.run_worker(
            job,
            name=name,
            group=f"{LOAD_GROUP}{group}",
            exclusive=exclusive,
            exit_on_error=False,
        )

    def run_follow(
        self, job: Job, group: str, name: str, *, exclusive: bool = False
    ) -> Worker[object]:
        """An open-ended watch: cancelled on quit, never waited for."""
        return self.run_worker(
            job,
            name=name,
            group=f"{FOLLOW_GROUP}{group}",
            exclusive=exclusive,
            exit_on_error=False,
        )

    def run_dialogue(self, job: Job, group: str, name: str) -> Worker[object]:
        """Work that waits on a person (`push_screen_wait`): one per group at a time."""
        return self.run_worker(job, name=name, group=group, exclusive=True)

    def _loads(self) -> list[Worker[object]]:
        return [
            worker
            for worker in self.workers
            if worker.group.startswith(LOAD_GROUP) and not worker.is_finished
        ]

    async def drain_writes(self) -> None:
        """Return once no timeline write is in flight."""
        await self.writes.drain()

    async def settle(self) -> None:
        """Return once no timeline write and no load is in flight, so the screen shows the
        record as it is (what a screenshot or a test reads; the same app reacts the same way
        on a fast machine and a slow one)."""
        while self.busy:
            # Failures were already said where they happened; here only the waiting counts.
            await asyncio.gather(
                *self.writes.pending(),
                *(worker.wait() for worker in self._loads()),
                return_exceptions=True,
            )

    @property
    def busy(self) -> bool:
        """A timeline write or a load is in flight."""
        return bool(self.writes.pending() or self._loads())

    def cancel_background(self) -> None:
        """Cancel the loads and follows; writes and dialogues are not theirs to cut short."""
        for worker in list(self.workers):
            if worker.group.startswith((LOAD_GROUP, FOLLOW_GROUP)):
                worker.cancel()

    # ---- ending -----------------------------------------------------------------------------

    async def stop_reading(self) -> None:
        """Stop whatever reads the outside world."""

    async def close_record(self) -> None:
        """Close what must be closed last, after the writes are drained."""

    async def wind_down(self) -> None:
        """Stop reading, let the writes finish, then close: the order that loses nothing."""
        if self._wound_down is not None:
            await self._wound_down.wait()
            return
        self._wound_down = asyncio.Event()
        try:
            self.cancel_background()
            await self.stop_reading()
            await self.drain_writes()
            await self.close_record()
        finally:
            self._wound_down.set()

    async def on_unmount(self) -> None:
        await self.wind_down()

    # ---- signals ------------------------------------------------------------------------

    def on_mount(self) -> None:
        # Dispatched after the subclass's own `on_mount` (Textual calls each class's handler).
        self.install_signal_handlers()

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGTERM, self._on_terminate)
        with contextlib.suppress(ValueError):  # not the main thread (tests): nothing to hang up
            # A plain handler, not the loop's: it runs even while the main thread is blocked
            # handing output to Textual's writer thread, which is exactly what a dead terminal
            # causes.
            signal.signal(signal.SIGHUP, lambda signum, _frame: self._on_hangup(loop, signum))

    def _on_terminate(self) -> None:
        log.info("received SIGTERM: exiting")
        self.exit()

    def _on_hangup(self, loop: asyncio.AbstractEventLoop, signum: int) -> None:
        # The terminal is gone (closed SSH, killed tmux). Textual's orderly shutdown would write
        # terminal-restore sequences into a dead pty and can block on them, so: finish what
        # matters (writes in flight, closing the timeline) and leave without the terminal. A
        # watchdog makes sure of the leaving even if the event loop never gets to run again;
        # every acknowledged note is committed already, so nothing is lost either way.
        log.info("received SIGHUP: exiting")
        code = 128 + signum
        watchdog = threading.Timer(HANGUP_GRACE, os._exit, args=(code,))
        watchdog.daemon = True
        watchdog.start()
        loop.call_soon_threadsafe(self._start_hangup_exit, code)

    def _start_hangup_exit(self, code: int) -> None:
        if any(worker.group == SHUTDOWN for worker in self.workers):
            return

        async def leave() -> None:
            await self._exit_without_terminal(code)

        self.run_worker(leave, name="hang-up exit", group=SHUTDOWN)

    async def _exit_without_terminal(self, code: int) -> None:
        try:
            async with asyncio.timeout(HANGUP_GRACE):
                await self.wind_down()
        except TimeoutError:
            log.warning("gave up waiting for shutdown after %ss", HANGUP_GRACE)
        finally:
            logging.shutdown()
            os._exit(code)

    # ---- crashes ------------------------------------------------------------------------

    def _handle_exception(self, error: Exception) -> None:
        from cockpit.runtime.logs import write_crash_report

        try:
            report = str(write_crash_report(error))
        except OSError as exc:
            report = f"(could not write a report: {exc})"
        notice = CrashNotice(error, report)
        notice.__cause__ = error
        super()._handle_exception(notice)
