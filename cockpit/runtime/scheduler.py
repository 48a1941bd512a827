"""Runs every source on its own task: interval, per-read timeout, jittered retries.

A source that hangs or raises only ever affects its own panel: each read runs as a separate task
that the runner abandons (cancels, without waiting) at the timeout, so even a read that ignores
cancellation cannot wedge its runner, let alone another panel or the UI.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from cockpit.core.model import Reading
from cockpit.sources.base import Clock, Source, Watching, utc_now

log = logging.getLogger(__name__)


def retry_delay(interval: float, failures: int, rng: random.Random) -> float:
    """Delay before the next read after `failures` consecutive failures.

    Never longer than one interval: a source that comes back must show on its panel within
    one interval of its return, and a cockpit that retries at its interval asks no more of a
    struggling server than it did while the server was healthy (the in-flight guard keeps a
    hanging read from piling up). What a failure changes is the jitter: retries land anywhere
    in the second half of the interval, so cockpits that failed together do not retry in
    lockstep.
    """
    if failures <= 0:
        return interval
    return interval / 2 + rng.uniform(0, interval / 2)


def watched_delay(interval: float, ok: bool, rng: random.Random) -> float:
    """Delay before the next read of a watched source (its read is a snapshot of watches that
    reconnect by themselves). While it fails, each read makes the watches retry at once rather
    than after their own backoff, and the next read, at most half an interval later, shows
    whether that worked: a return is on screen within one interval."""
    if ok:
        return interval
    return interval / 4 + rng.uniform(0, interval / 4)


@dataclass(slots=True)
class RunnerStats:
    reads: int = 0
    failures: int = 0
    consecutive_failures: int = 0
    next_delay: float = 0.0
    in_flight: bool = False


class SourceRunner:
    """One source's loop. Delivers every reading, good or failed, to `deliver`."""

    def __init__(
        self,
        source: Source,
        interval: float,
        timeout: float,
        deliver: Callable[[Reading], None],
        *,
        clock: Clock = utc_now,
        rng: random.Random | None = None,
        resumed: asyncio.Event,
    ) -> None:
        self.source = source
        self.interval = interval
        self.timeout = timeout
        self.deliver = deliver
        self.clock = clock
        self.rng = rng or random.Random()
        self.stats = RunnerStats()
        self._resumed = resumed
        # Set once the first reading has been delivered: work that can wait (runbooks) starts
        # after the first numbers are on screen.
        self.first_delivered = asyncio.Event()
        self._wake = asyncio.Event()
        self._inflight: asyncio.Task[Reading] | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def panel(self) -> str:
        return self.source.panel

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name=f"source:{self.panel}")

    def wake(self) -> None:
        # A watched source waiting out its own reconnect backoff is asked to retry too.
        if isinstance(self.source, Watching):
            self.source.retry_now()
        self._wake.set()

    async def stop(self) -> None:
        for task in (self._task, self._inflight):
            if task is not None and not task.done():
                task.cancel()
        if self._task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def read_once(self) -> Reading:
        """One read under the timeout; never raises (except cancellation of the caller)."""
        if self._inflight is not None and not self._inflight.done():
            # The previous read is still stuck (it ignored cancellation); do not pile up.
            return Reading.failure(
                self.panel, self.clock(), "previous read still running; source is not responding"
            )
        self.stats.in_flight = True
        task = asyncio.create_task(self.source.read(), name=f"read:{self.panel}")
        self._inflight = task
        try:
            done, _ = await asyncio.wait({task}, timeout=self.timeout)
        except asyncio.CancelledError:
            task.cancel()
            raise
        finally:
            self.stats.in_flight = False
        if not done:
            task.cancel()
            task.add_done_callback(_consume)
            return Reading.failure(self.panel, self.clock(), f"timed out after {self.timeout:g}s")
        try:
            reading = task.result()
        except Exception as exc:  # a source's bug must not take the cockpit down
            log.warning("source %s failed: %s", self.panel, exc, exc_info=log.isEnabledFor(10))
            return Reading.failure(self.panel, self.clock(), _describe(exc))
        if not isinstance(reading, Reading):
            return Reading.failure(
                self.panel, self.clock(), f"source returned {type(reading).__name__}, not a Reading"
            )
        return reading

    async def _loop(self) -> None:
        while True:
            await self._resumed.wait()
            reading = await self.read_once()
            self.stats.reads += 1
            if reading.ok:
                self.stats.consecutive_failures = 0
            else:
                self.stats.failures += 1
                self.stats.consecutive_failures += 1
            try:
                self.deliver(reading)
            except Exception:
                log.exception("delivering a reading of %s failed", self.panel)
            self.first_delivered.set()
            if isinstance(self.source, Watching):
                delay = watched_delay(self.interval, reading.ok, self.rng)
            else:
                delay = retry_delay(self.interval, self.stats.consecutive_failures, self.rng)
            self.stats.next_delay = delay
            self._wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)


def _consume(task: asyncio.Task[Reading]) -> None:
    # Retrieve the abandoned read's outcome so asyncio does not log "exception never retrieved".
    if not task.cancelled():
        task.exception()


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    name = type(exc).__name__
    return f"{name}: {text}" if text else name


class Scheduler:
    """Owns one `SourceRunner` per panel; pause, resume and refresh-now apply to all."""

    def __init__(
        self, deliver: Callable[[Reading], None], *, clock: Clock = utc_now, seed: int | None = None
    ) -> None:
        self.deliver = deliver
        self.clock = clock
        self._rng = random.Random(seed)
        self.runners: dict[str, SourceRunner] = {}
        self._resumed = asyncio.Event()
        self._resumed.set()

    def add(self, source: Source, interval: float, timeout: float) -> SourceRunner:
        runner = SourceRunner(
            source,
            interval,
            timeout,
            self.deliver,
            clock=self.clock,
            rng=random.Random(self._rng.random()),
            resumed=self._resumed,
        )
        self.runners[source.panel] = runner
        return runner

    def start(self) -> None:
        for runner in self.runners.values():
            runner.start()

    @property
    def paused(self) -> bool:
        return not self._resumed.is_set()

    def pause(self) -> None:
        self._resumed.clear()

    def resume(self) -> None:
        self._resumed.set()
        self.refresh_now()

    def refresh_now(self) -> None:
        for runner in self.runners.values():
            runner.wake()

    async def stop(self) -> None:
        await asyncio.gather(*(r.stop() for r in self.runners.values()), return_exceptions=True)
        for runner in self.runners.values():
            # A source's own trouble closing (a dead connection) must not keep the app open.
            with contextlib.suppress(Exception):
                await asyncio.wait_for(runner.source.aclose(), timeout=2)
