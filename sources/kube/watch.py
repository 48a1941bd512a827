"""List once, then watch: a keyed copy of one kind of Kubernetes object kept current in a thread.

This is client-go's reflector pattern, small: list (which gives a resourceVersion), then watch
from that version and apply each ADDED / MODIFIED / DELETED event to a dict keyed by
namespace/name. BOOKMARK events only move the version forward. When a stream ends (the server's
`timeoutSeconds`) the watch resumes from the last version seen; when it breaks, it resumes after
a backoff; when the server says the version is too old (410 Gone, as an HTTP status or as an
ERROR event carrying a `Status`), the next step is one fresh list that replaces the copy.

While a failure is shown, the copy may be missing what changed meanwhile, and a resumed stream
cannot say when its backlog is over: the error stays until a state known to be complete
arrives. The resumed watch asks for one (`sendInitialEvents`: every current object, then a
bookmark marked as the end of them, which replaces the copy at once); a server or client that
cannot do that gets one fresh list instead.

The blocking calls are given as callables (so this module knows nothing of the `kubernetes`
package or of Textual) and run in one daemon thread per reflector. Readers take `snapshot()`,
which copies references under a lock and costs microseconds, never a request.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from cockpit.core.safe_text import terminal_safe

log = logging.getLogger(__name__)

T = TypeVar("T")
JSON = Mapping[str, Any]

# The annotation on the bookmark that ends a watch's initial events (KEP-3157, "watch-list").
INITIAL_EVENTS_END = "k8s.io/initial-events-end"
# What a server answers to watch parameters it does not take: 422 Invalid (resourceVersionMatch
# on a watch, before watch-list; sendInitialEvents with the feature off), or 400.
_REFUSED_PARAMETERS = (400, 422)


class WatchFailure(Exception):
    """A list or watch that failed, already worded for a person; `code` is the HTTP status when
    the server answered (410 means: list again)."""

    def __init__(self, message: str, code: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class NoInitialEvents(WatchFailure):
    """The server refused a watch that starts with the whole state; a list must do instead."""


class StreamBroke(WatchFailure):
    """An accepted watch stream that ended in a transport error rather than by the server's
    timeout; `progressed` says whether it delivered anything first."""

    def __init__(self, message: str, progressed: bool) -> None:
        super().__init__(message)
        self.progressed = progressed


class Watcher(Protocol):
    """Opens a watch from `version` that the server ends after `seconds`; with `initial_events`
    it starts with every current object, then a bookmark annotated `INITIAL_EVENTS_END`."""

    def __call__(self, version: str, seconds: int, initial_events: bool) -> EventStream: ...


class EventStream(Protocol):
    """An open watch: iterating yields decoded events; `close` may be called from another
    thread to end a blocked read."""

    def __iter__(self) -> Iterator[JSON]: ...

    def close(self) -> None: ...


@dataclass(frozen=True, slots=True)
class WatchTiming:
    # Asked of the server as timeoutSeconds; client-go picks 5-10 minutes, so do we.
    stream_seconds: int = 300
    first_retry: float = 0.5
    max_retry: float = 30.0


@dataclass(slots=True)
class WatchCounts:
    """What the reflector did, for tests and the benchmark."""

    lists: int = 0
    watches: int = 0
    events: int = 0
    expired: int = 0  # 410s that led to a fresh list
    replays: int = 0  # copies replaced by a watch's initial events, after a shown failure
    broken: int = 0  # streams that ended in a transport error


@dataclass(frozen=True, slots=True)
class Snapshot(Generic[T]):
    version: int  # changes whenever the items do; equal versions mean equal items
    items: tuple[T, ...]
    synced: bool  # a list has succeeded at least once
    error: str | None  # why the copy may be behind right now; None when the watch is healthy


def object_key(obj: JSON) -> str:
    meta = obj.get("metadata") or {}
    return f"{meta.get('namespace', '')}/{meta.get('name', '')}"


class Reflector(Generic[T]):
    """Keeps `convert(object)` for every object the server has, by list + watch."""

    def __init__(
        self,
        name: str,
        *,
        lister: Callable[[], tuple[Iterable[JSON], str]],
        watcher: Watcher,
        convert: Callable[[JSON], T],
        timing: WatchTiming | None = None,
        rng: random.Random | None = None,
        initial_events: bool = True,
    ) -> None:
        self.name = name
        self.timing = timing or WatchTiming()
        self.counts = WatchCounts()
        self._lister = lister
        self._watcher = watcher
        self._convert = convert
        self._rng = rng or random.Random()
        self._lock = threading.Lock()
        self._items: dict[str, T] = {}
        self._version = 0
        self._synced = False
        self._error: str | None = None
        self._resource_version = ""
        # Whether a watch may ask for the whole state first; off for good once refused.
        self._initial_events = initial_events
        self._attempted = threading.Event()  # set once the first list has succeeded or failed
        self._stop = threading.Event()
        self._wake = threading.Event()  # cuts a backoff short: stop, or a person asked to retry
        self._stream: EventStream | None = None
        self._thread: threading.Thread | None = None

    # ---- used from any thread -----------------------------------------------------------------

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._run, name=f"watch:{self.name}", daemon=True
            )
            self._thread.start()

    def wait_first(self, timeout: float) -> bool:
        """Block until the first list is done either way; False if it is still going."""
        return self._attempted.wait(timeout)

    def snapshot(self) -> Snapshot[T]:
        with self._lock:
            return Snapshot(self._version, tuple(self._items.values()), self._synced, self._error)

    @property
    def resource_version(self) -> str:
        return self._resource_version

    def retry_now(self) -> None:
        """End the current backoff wait, if any: the next attempt starts at once."""
        self._wake.set()

    def retry_if_failing(self) -> bool:
        """`retry_now` when the copy is behind because of a failure; True if so. The backoff
        spares a struggling server; a reader that calls this at its own interval caps it, so
        a server that is back is seen by that reader's next look, however long the backoff."""
        with self._lock:
            failing = self._error is not None
        if failing:
            self._wake.set()
        return failing

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        self._wake.set()
        stream = self._stream
        if stream is not None:
            stream.close()
        if self._thread is not None:
            self._thread.join(timeout)

    # ---- the worker thread ------------------------------------------------------------------

    def _run(self) -> None:
        failures = 0
        while not self._stop.is_set():
            try:
                if not self._resource_version or (self._behind() and not self._initial_events):
                    self._list()
                started = time.monotonic()
                progressed = self._watch()
                failures = 0
                if time.monotonic() - started < self.timing.first_retry and not progressed:
                    # A stream the server ends at once must not become a busy loop.
                    self._pause(self.timing.first_retry)
            except WatchFailure as exc:
                if self._stop.is_set():
                    break
                if exc.code == 410 or isinstance(exc, NoInitialEvents):
                    if exc.code == 410:
                        self.counts.expired += 1
                    log.info("watch %s: %s; listing again", self.name, exc.message)
                    self._resource_version = ""
                    continue
                # Proxies and load balancers cut long streams: the first break after a healthy
                # stream is resumed quietly; only a failure to get going again is shown.
                quiet = isinstance(exc, StreamBroke) and (exc.progressed or failures == 0)
                failures = 1 if quiet else failures + 1
                if quiet:
                    log.info("watch %s broke (%s); resuming from %s", self.name, exc.message,
                             self._resource_version)  # fmt: skip
                else:
                    self._fail(exc.message)
                self._pause(self._delay(failures))
            except Exception as exc:  # a bug here must not silently freeze the panel
                log.exception("watch %s failed", self.name)
                failures += 1
                self._fail(f"watching {self.name} failed: {type(exc).__name__}")
                self._pause(self.timing.max_retry)
            finally:
                self._attempted.set()

    def _pause(self, seconds: float) -> None:
        self._wake.wait(seconds)
        self._wake.clear()
        if self._stop.is_set():
            self._wake.set()  # stay awake: the loop ends

    def _delay(self, failures: int) -> float:
        # Exponential with "equal jitter", so that many cockpits do not return in lockstep.
        base = min(self.timing.max_retry, self.timing.first_retry * 2 ** min(failures - 1, 16))
        return base / 2 + self._rng.uniform(0, base / 2)

    def _list(self) -> None:
        objects, resource_version = self._lister()
        items = {object_key(obj): self._convert(obj) for obj in objects}
        with self._lock:
            self._items = items
            self._version += 1
            self._synced = True
            self._error = None
        self._resource_version = resource_version
        self.counts.lists += 1
        self._attempted.set()

    def _behind(self) -> bool:
        with self._lock:
            return self._error is not None

    def _watch(self) -> bool:
        """One watch stream from the current version until the server ends it; True if it
        delivered any event. Failing to open it raises `WatchFailure`, a break `StreamBroke`."""
        # After a shown failure the stream starts with the whole state: the error stays until
        # its end, so the panel is never "fine" with rows from before the failure.
        replay = self._initial_events and self._behind()
        try:
            stream = self._watcher(self._resource_version, self.timing.stream_seconds, replay)
        except WatchFailure as exc:
            if replay and exc.code in _REFUSED_PARAMETERS:
                self._initial_events = False
                raise NoInitialEvents(
                    f"watch of {self.name} with initial events refused ({exc.message})"
                ) from None
            raise
        self.counts.watches += 1
        self._stream = stream
        if self._stop.is_set():
            stream.close()
            return False
        state: dict[str, T] | None = {} if replay else None
        if state is None:
            with self._lock:
                # The server accepted the watch and the copy was complete: whatever was wrong
                # before is not wrong now.
                self._error = None
        progressed = False
        try:
            for event in stream:
                if state is None:
                    self._apply(event)
                elif self._collect(state, event):
                    state = None
                progressed = True
        except WatchFailure as exc:
            if exc.code or isinstance(exc, StreamBroke):
                raise
            self.counts.broken += 1
            raise StreamBroke(exc.message, progressed) from None
        finally:
            self._stream = None
            stream.close()
        return progressed

    def _parts(self, event: JSON) -> tuple[str, JSON]:
        """An event's type and object; an ERROR event raises its `Status` as `WatchFailure`."""
        kind = str(event.get("type") or "")
        obj = event.get("object")
        if not isinstance(obj, Mapping):
            raise WatchFailure(f"watch of {self.name}: event without an object")
        if kind == "ERROR":
            code = int(obj.get("code") or 0)
            # The server's words are outside text: never raw on a terminal.
            message = terminal_safe(str(obj.get("message") or obj.get("reason") or "error event"))
            raise WatchFailure(f"watch of {self.name}: {message}", code)
        return kind, obj

    def _collect(self, state: dict[str, T], event: JSON) -> bool:
        """One of a watch's initial events into `state`; at the bookmark that ends them, `state`
        replaces the copy and the error is cleared (True). The version stays where it was
        until then: the initial objects' own versions are in no order, and a stream cut
        short is resumed the same way, from the start of the state."""
        kind, obj = self._parts(event)
        meta = obj.get("metadata") or {}
        if kind == "BOOKMARK":
            if (meta.get("annotations") or {}).get(INITIAL_EVENTS_END) != "true":
                return False
            with self._lock:
                self._items = state
                self._version += 1
                self._synced = True
                self._error = None
            self._resource_version = str(meta.get("resourceVersion") or self._resource_version)
            self.counts.replays += 1
            return True
        key = object_key(obj)
        if kind == "DELETED":
            state.pop(key, None)
        else:
            state[key] = self._convert(obj)
        self.counts.events += 1
        return False

    def _apply(self, event: JSON) -> None:
        kind, obj = self._parts(event)
        version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
        if kind != "BOOKMARK":
            key = object_key(obj)
            converted = self._convert(obj) if kind != "DELETED" else None
            with self._lock:
                if converted is None:
                    self._items.pop(key, None)
                else:
                    self._items[key] = converted
                self._version += 1
            self.counts.events += 1
        if version:
            self._resource_version = version

    def _fail(self, message: str) -> None:
        with self._lock:
            self._error = message
        log.info("watch %s: %s", self.name, message)


__all__ = [
    "INITIAL_EVENTS_END",
    "EventStream",
    "NoInitialEvents",
    "Reflector",
    "Snapshot",
    "StreamBroke",
    "WatchCounts",
    "WatchFailure",
    "WatchTiming",
    "Watcher",
    "object_key",
]
