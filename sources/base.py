"""The protocol every source implements, and the clock they share."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from cockpit.model import Reading

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


@runtime_checkable
class Source(Protocol):
    """A polled source. `read` returns a Reading; failures may raise, the scheduler turns
    them into error readings, but a source that can explain a failure better should return
    `Reading.failure(...)` with a message a person can act on."""

    panel: str

    async def read(self) -> Reading: ...

    async def aclose(self) -> None: ...


@runtime_checkable
class Backfilling(Protocol):
    """A source that can fill a panel's trend line once at start (e.g. `query_range`)."""

    async def backfill(self) -> list[Reading]: ...
