"""The protocol every source implements, the capabilities some add, and the clock they share.

A capability is a Protocol checked with `isinstance` where it is used: the scheduler and the
app ask "can this source backfill / give history / describe a pod / retry a watch now?" of
the type, never by looking an attribute up by name.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol, runtime_checkable

from cockpit.core.model import Reading
from cockpit.core.pod_detail import PodDetail

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


@runtime_checkable
class RangeHistory(Protocol):
    """A source that can read a panel's past over a window (seconds) for its chart."""

    async def history(self, seconds: float) -> list[Reading]: ...


@runtime_checkable
class DescribesPods(Protocol):
    """A source that can say what `kubectl describe pod` and `kubectl logs` would."""

    async def pod_detail(self, name: str) -> PodDetail: ...


@runtime_checkable
class Watching(Protocol):
    """A source kept current by a watch stream rather than by polling: the scheduler reads
    its copy at the panel's interval, and a manual refresh asks the stream to reconnect now
    instead of waiting out its backoff."""

    def retry_now(self) -> None: ...
