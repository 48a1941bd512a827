"""The scheduler: a hanging or failing source only ever affects its own panel."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import pytest

from cockpit.core.model import Reading, Status
from cockpit.runtime.scheduler import Scheduler, retry_delay
from cockpit.sources.base import utc_now


class Counting:
    """A source that answers at once, counting its reads."""

    def __init__(self, panel: str) -> None:
        self.panel = panel
        self.reads = 0

    async def read(self) -> Reading:
        self.reads += 1
        return Reading(self.panel, utc_now(), {"depth": float(self.reads)}, Status.OK)

    async def aclose(self) -> None:
        return None


class Hanging(Counting):
    """A source whose read never returns."""

    async def read(self) -> Reading:
        self.reads += 1
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class Stubborn(Counting):
    """A read that even ignores cancellation, like a wedged client library."""

    def __init__(self, panel: str) -> None:
        super().__init__(panel)
        self.release = asyncio.Event()

    async def read(self) -> Reading:
        self.reads += 1
        while not self.release.is_set():
            try:
                await self.release.wait()
            except asyncio.CancelledError:
                continue
        return Reading(self.panel, utc_now(), {}, Status.OK)


class Failing(Counting):
    async def read(self) -> Reading:
        self.reads += 1
        raise RuntimeError("connection refused (127.0.0.1:9)")


class FailingWatch(Failing):
    """A failing source kept current by a watch stream (it can be asked to reconnect now)."""

    def retry_now(self) -> None:
        return None


class Recorder:
    def __init__(self) -> None:
        self.readings: list[Reading] = []
        self._changed = asyncio.Event()

    def __call__(self, reading: Reading) -> None:
        self.readings.append(reading)
        self._changed.set()

    def of(self, panel: str) -> list[Reading]:
        return [r for r in self.readings if r.panel == panel]

    async def until(self, condition: Callable[[], bool], limit: float = 20.0) -> None:
        async with asyncio.timeout(limit):
            while not condition():
                self._changed.clear()
                await self._changed.wait()


async def test_a_hanging_source_never_delays_another_panel() -> None:
    record = Recorder()
    scheduler = Scheduler(record, seed=1)
    fast, stuck = Counting("queue"), Hanging("latency")
    scheduler.add(fast, interval=0.01, timeout=1.0)
    scheduler.add(stuck, interval=0.01, timeout=0.2)
    scheduler.start()
    try:
        # The fast panel keeps delivering while the stuck one has not answered even once.
        await record.until(lambda: len(record.of("queue")) >= 5)
        assert record.of("latency") == [] or not record.of("latency")[0].ok
        await record.until(lambda: len(record.of("latency")) >= 1)
        failure = record.of("latency")[0]
        assert failure.status is Status.ERROR
        assert failure.error == "timed out after 0.2s"
    finally:
        await scheduler.stop()


async def test_a_read_that_ignores_cancellation_cannot_wedge_its_runner() -> None:
    record = Recorder()
    scheduler = Scheduler(record, seed=1)
    source = Stubborn("latency")
    runner = scheduler.add(source, interval=0.01, timeout=0.05)
    first = await runner.read_once()
    assert first.error == "timed out after 0.05s"
    second = await runner.read_once()
    assert second.error == "previous read still running; source is not responding"
    assert source.reads == 1  # no pile-up of stuck reads
    source.release.set()
    await asyncio.sleep(0)
    await scheduler.stop()


async def test_errors_become_readings_with_the_message_and_are_retried_within_an_interval() -> None:
    record = Recorder()
    scheduler = Scheduler(record, seed=3)
    runner = scheduler.add(Failing("queue"), interval=0.01, timeout=1.0)
    scheduler.start()
    try:
        await record.until(lambda: len(record.of("queue")) >= 3)
    finally:
        await scheduler.stop()
    reading = record.of("queue")[0]
    assert reading.status is Status.ERROR
    assert reading.error == "RuntimeError: connection refused (127.0.0.1:9)"
    assert runner.stats.consecutive_failures >= 3
    # However many failures: the next read comes within one interval (the second half of it).
    assert 0.01 / 2 <= runner.stats.next_delay <= 0.01


async def test_a_watched_source_is_polled_every_half_interval_while_it_fails() -> None:
    # Each read makes its watches retry now; the next read, half an interval on at most, shows
    # whether that worked, so a recovery is on screen within one interval.
    record = Recorder()
    scheduler = Scheduler(record, seed=3)
    source = FailingWatch("pods")
    runner = scheduler.add(source, interval=0.01, timeout=1.0)
    scheduler.start()
    try:
        await record.until(lambda: len(record.of("pods")) >= 4)
    finally:
        await scheduler.stop()
    assert runner.stats.consecutive_failures >= 4
    assert 0.01 / 4 <= runner.stats.next_delay <= 0.01 / 2


async def test_refresh_now_asks_a_watched_source_to_retry_at_once() -> None:
    scheduler = Scheduler(Recorder(), seed=3)
    source = Counting("pods")
    retried: list[bool] = []
    source.retry_now = lambda: retried.append(True)  # type: ignore[attr-defined]
    scheduler.add(source, interval=60, timeout=1.0)
    scheduler.refresh_now()
    assert retried == [True]


def test_retries_never_wait_longer_than_one_interval_and_are_jittered() -> None:
    # A source that comes back shows within one interval of its return, however long it was
    # down: no growing backoff hides a recovery.
    rng = random.Random(42)
    assert retry_delay(5, 0, rng) == 5
    for failures in (1, 2, 5, 40, 10_000):
        assert all(2.5 <= retry_delay(5, failures, rng) <= 5 for _ in range(50))
    jittered = {round(retry_delay(5, 3, rng), 6) for _ in range(20)}
    assert len(jittered) > 1  # jitter: cockpits do not retry in lockstep


async def test_recovery_resets_the_failure_count() -> None:
    record = Recorder()
    scheduler = Scheduler(record, seed=1)

    class Flaky(Counting):
        async def read(self) -> Reading:
            self.reads += 1
            if self.reads <= 2:
                raise OSError("unreachable")
            return Reading(self.panel, utc_now(), {"depth": 1.0}, Status.OK)

    runner = scheduler.add(Flaky("queue"), interval=0.01, timeout=1.0)
    scheduler.start()
    try:
        await record.until(lambda: any(r.ok for r in record.of("queue")), limit=30)
    finally:
        await scheduler.stop()
    assert runner.stats.consecutive_failures == 0
    assert runner.stats.failures == 2


async def test_pause_stops_reads_and_resume_restarts_them() -> None:
    record = Recorder()
    scheduler = Scheduler(record, seed=1)
    source = Counting("queue")
    scheduler.add(source, interval=0.01, timeout=1.0)
    scheduler.start()
    try:
        await record.until(lambda: len(record.readings) >= 2)
        scheduler.pause()
        assert scheduler.paused
        await asyncio.sleep(0.05)  # let a read already under way finish
        count = len(record.readings)
        await asyncio.sleep(0.2)  # twenty intervals: nothing may arrive while paused
        assert len(record.readings) == count
        scheduler.resume()
        await record.until(lambda: len(record.readings) > count)
    finally:
        await scheduler.stop()


async def test_refresh_now_reads_before_the_interval_is_up() -> None:
    record = Recorder()
    scheduler = Scheduler(record, seed=1)
    source = Counting("backup")
    scheduler.add(source, interval=3600, timeout=1.0)
    scheduler.start()
    try:
        await record.until(lambda: len(record.readings) == 1)
        scheduler.refresh_now()
        await record.until(lambda: len(record.readings) == 2)
    finally:
        await scheduler.stop()


@pytest.mark.parametrize("bad", [None, 42])
async def test_a_source_returning_garbage_is_an_error_not_a_crash(bad: object) -> None:
    class Garbage(Counting):
        async def read(self) -> Reading:
            return bad  # type: ignore[return-value]

    scheduler = Scheduler(lambda _: None)
    runner = scheduler.add(Garbage("queue"), interval=1, timeout=1)
    reading = await runner.read_once()
    assert reading.status is Status.ERROR and "not a Reading" in (reading.error or "")


class Closing(Counting):
    """Records its close; `broken` closes with an error, as a dead connection may."""

    def __init__(self, panel: str, closed: list[str], *, broken: bool = False) -> None:
        super().__init__(panel)
        self.closed = closed
        self.broken = broken

    async def aclose(self) -> None:
        self.closed.append(self.panel)
        if self.broken:
            raise OSError("connection reset")


async def test_stop_closes_every_source_even_after_one_fails_to_close() -> None:
    closed: list[str] = []
    scheduler = Scheduler(Recorder(), seed=3)
    scheduler.add(Closing("queue", closed, broken=True), interval=60, timeout=1.0)
    scheduler.add(Closing("latency", closed), interval=60, timeout=1.0)
    scheduler.start()
    await scheduler.stop()
    assert closed == ["queue", "latency"]
