"""The domain model: readings, statuses, thresholds and per-panel history.

Pure Python, no Textual: sources produce `Reading`s, the UI and `cockpit snapshot` consume
`PanelView`s, and the rules that turn one into the other (thresholds, staleness) live here once.

Text from outside — pod, node and workload names, container reasons, alert names, labels and
summaries, check and server error messages, backend warnings — is made terminal-safe when one
of these objects is built (`__post_init__`, with `cockpit.core.safe_text.terminal_safe`): no
`PodRow`, `FiringAlert`, `HealthResult`, `Reading` or `HeaderInfo` can hold a control
character, an escape sequence or a bidirectional override, so no panel, snapshot or alert
record made from them can forget the filter. Sources build these objects in their workers, so
the check costs the UI loop nothing, and an unchanged pod keeps its row object (the pods
table's diff relies on that). Identifiers that are matched rather than shown (an alert's
fingerprint) are kept as given. A pod name is both shown and asked for (its details); one with
a control character is asked for with its stand-ins and not found — no API server accepts such
a name, so only a server that is not one can send it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from cockpit.core.safe_text import is_terminal_safe, terminal_safe


class Status(StrEnum):
    OK = "ok"
    WARN = "warn"
    CRIT = "crit"
    STALE = "stale"
    ERROR = "error"
    UNKNOWN = "unknown"

    @property
    def symbol(self) -> str:
        # Shapes differ as well as colours so status is never told by colour alone.
        return _SYMBOLS[self]

    @property
    def word(self) -> str:
        return self.value.upper()

    @property
    def badge(self) -> str:
        return f"{self.symbol} {self.word}"

    @property
    def rank(self) -> int:
        """How loudly a status asks for attention; the worst of several wins."""
        return _RANK[self]


_SYMBOLS = {
    Status.OK: "✓",
    Status.WARN: "▲",
    Status.CRIT: "✗",
    Status.STALE: "◌",
    Status.ERROR: "!",
    Status.UNKNOWN: "?",
}
_RANK = {
    Status.OK: 0,
    Status.UNKNOWN: 1,
    Status.STALE: 2,
    Status.WARN: 3,
    Status.ERROR: 4,
    Status.CRIT: 5,
}


def worst(statuses: Iterable[Status]) -> Status:
    return max(statuses, key=lambda s: s.rank, default=Status.UNKNOWN)


def _clean_text(obj: object, *names: str) -> None:
    """In a frozen instance being built: each named text field (a str, None, or a tuple of
    str) replaced by its terminal-safe form when it needs one."""
    for name in names:
        value = getattr(obj, name)
        if isinstance(value, str):
            if not is_terminal_safe(value):
                object.__setattr__(obj, name, terminal_safe(value))
        elif isinstance(value, tuple) and not all(is_terminal_safe(v) for v in value):
            object.__setattr__(obj, name, tuple(terminal_safe(v) for v in value))


Unit = Literal["seconds", "ratio", "count", "age"]


@dataclass(frozen=True, slots=True)
class Threshold:
    """Higher is worse: at or above `crit` is CRIT, at or above `warn` is WARN.

    `crit` is the SLO bound ("p95 < 300 ms" means crit=0.3); `warn` is the early warning.
    """

    crit: float | None
    warn: float | None = None

    def evaluate(self, value: float | None) -> Status:
        if value is None or math.isnan(value):
            return Status.UNKNOWN
        if self.crit is not None and value >= self.crit:
            return Status.CRIT
        if self.warn is not None and value >= self.warn:
            return Status.WARN
        return Status.OK


@dataclass(frozen=True, slots=True)
class Measure:
    """One number a panel shows: its key in `Reading.values`, label, unit and threshold."""

    key: str
    label: str
    unit: Unit
    threshold: Threshold


@dataclass(frozen=True, slots=True)
class PodRow:
    name: str
    ready: str
    status: str
    restarts: int
    created_at: datetime
    node: str = ""
    last_restart_at: datetime | None = None

    def __post_init__(self) -> None:
        # One scan of the four first: it runs for every pod, and nearly always finds nothing.
        if not is_terminal_safe(self.name + self.ready + self.status + self.node):
            _clean_text(self, "name", "ready", "status", "node")


@dataclass(frozen=True, slots=True)
class WorkloadRow:
    """A Deployment or StatefulSet the way `kubectl get deploy` shows it, plus rollout state."""

    kind: str
    name: str
    desired: int
    current: int
    updated: int
    available: int
    revision: int = 0
    image: str = ""
    rolled_out: bool = True
    rollout: str = ""  # kubectl rollout status' words while it is not done

    def __post_init__(self) -> None:
        _clean_text(self, "kind", "name", "image", "rollout")


@dataclass(frozen=True, slots=True)
class PodList:
    rows: tuple[PodRow, ...]
    workloads: tuple[WorkloadRow, ...] = ()

    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.status] = counts.get(row.status, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))


@dataclass(frozen=True, slots=True)
class BackupInfo:
    last_success: datetime | None
    detail: str = ""

    def __post_init__(self) -> None:
        _clean_text(self, "detail")


@dataclass(frozen=True, slots=True)
class FiringAlert:
    """One alert as the panel, its detail screen and the timeline need it; `labels` and
    `annotations` are read-only. Annotation values keep their line breaks (a description is
    often a paragraph); everything else is one line."""

    name: str
    severity: str
    summary: str
    starts_at: datetime
    fingerprint: str
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        _clean_text(self, "name", "severity", "summary")
        labels = {terminal_safe(k): terminal_safe(v) for k, v in self.labels.items()}
        object.__setattr__(self, "labels", MappingProxyType(labels))
        notes = {
            terminal_safe(k): terminal_safe(v, multiline=True) for k, v in self.annotations.items()
        }
        object.__setattr__(self, "annotations", MappingProxyType(notes))

    @property
    def runbook_url(self) -> str:
        """The `runbook_url` annotation, Prometheus' convention for where the fix is written."""
        return self.annotations.get("runbook_url", "")


@dataclass(frozen=True, slots=True)
class HealthResult:
    """One check's outcome in one read.

    `latency_s` is the time to the answer (HTTP status line, TCP connect); None when there was
    none. `last_failure` is the latest read in which the check failed, kept across reads so a
    check that flapped and recovered still says when; `failing_since` is the first read of the
    current failing run, None while the check passes.
    """

    name: str
    target: str
    ok: bool
    latency_s: float | None
    message: str
    last_failure: datetime | None = None
    failing_since: datetime | None = None

    def __post_init__(self) -> None:
        _clean_text(self, "name", "target", "message")


def alert_changes(
    previous: Iterable[FiringAlert], current: Iterable[FiringAlert]
) -> tuple[tuple[FiringAlert, ...], tuple[FiringAlert, ...]]:
    """(newly firing, resolved) between two successful reads, matched by fingerprint.

    Feed it only readings that succeeded: an error reading has no alerts, and comparing against
    it would report every alert as resolved and then as new again.
    """
    before = {a.fingerprint: a for a in previous}
    now = {a.fingerprint: a for a in current}
    new = tuple(a for fp, a in now.items() if fp not in before)
    resolved = tuple(a for fp, a in before.items() if fp not in now)
    return new, resolved


Detail = PodList | BackupInfo | tuple[FiringAlert, ...] | tuple[HealthResult, ...] | None


@dataclass(frozen=True, slots=True)
class Reading:
    """What one source said at one moment. Immutable; errors are readings too."""

    panel: str
    observed_at: datetime
    values: Mapping[str, float] = field(default_factory=dict)
    status: Status = Status.UNKNOWN
    error: str | None = None
    detail: Detail = None
    # Partial-data warnings from the backend (shown as a badge) and one short human line such as
    # the labels of the worst series.
    warnings: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        if self.observed_at.tzinfo is None:
            raise ValueError("Reading.observed_at must be timezone-aware (UTC)")
        object.__setattr__(self, "values", MappingProxyType(dict(self.values)))
        _clean_text(self, "error", "warnings", "note")

    @property
    def ok(self) -> bool:
        return self.error is None

    @classmethod
    def failure(cls, panel: str, observed_at: datetime, message: str) -> Reading:
        return cls(panel=panel, observed_at=observed_at, status=Status.ERROR, error=message)


def evaluate(measures: Iterable[Measure], values: Mapping[str, float]) -> Status:
    """The panel's status from its measures: the worst one wins; nothing measured is UNKNOWN."""
    statuses = [m.threshold.evaluate(values.get(m.key)) for m in measures]
    known = [s for s in statuses if s is not Status.UNKNOWN]
    return worst(known) if known else Status.UNKNOWN


class History:
    """Ring buffer of (time, value) per measure, trimmed to a time window (30 min by default)."""

    def __init__(self, window: timedelta = timedelta(minutes=30), maxlen: int = 1800) -> None:
        self.window = window
        self._series: dict[str, deque[tuple[datetime, float]]] = {}
        self._maxlen = maxlen

    def add(self, at: datetime, values: Mapping[str, float]) -> None:
        for key, value in values.items():
            series = self._series.setdefault(key, deque(maxlen=self._maxlen))
            if series and at <= series[-1][0]:
                continue  # backfill overlap or a replayed reading: keep time monotonic
            series.append((at, value))
            cutoff = at - self.window
            while series and series[0][0] < cutoff:
                series.popleft()

    def values(self, key: str) -> list[float]:
        return [v for _, v in self._series.get(key, ())]

    def points(self, key: str) -> list[tuple[datetime, float]]:
        return list(self._series.get(key, ()))

    def __len__(self) -> int:
        return max((len(s) for s in self._series.values()), default=0)


@dataclass(frozen=True, slots=True)
class PanelView:
    """Everything a panel shows at one moment; widgets and `snapshot` render only this."""

    panel: str
    title: str
    measures: tuple[Measure, ...]
    status: Status
    values: Mapping[str, float]
    age: float | None
    error: str | None
    stale: bool
    detail: Detail = None
    warnings: tuple[str, ...] = ()
    paused: bool = False
    note: str = ""

    def measure_status(self, measure: Measure) -> Status:
        if self.stale:
            return Status.STALE
        return measure.threshold.evaluate(self.values.get(measure.key))


class PanelState:
    """Latest reading, last good reading and history of one panel; derives what it shows."""

    def __init__(self, panel: str, title: str, measures: tuple[Measure, ...], interval: float):
        self.panel = panel
        self.title = title
        self.measures = measures
        self.interval = interval
        self.latest: Reading | None = None
        self.last_good: Reading | None = None
        self.history = History()

    @property
    def stale_after(self) -> float:
        return 3 * self.interval

    def recent_readings(self) -> list[Reading]:
        """The history ring as readings (for a chart when the source has no range API)."""
        keys = [m.key for m in self.measures]
        by_time: dict[datetime, dict[str, float]] = {}
        for key in keys:
            for at, value in self.history.points(key):
                by_time.setdefault(at, {})[key] = value
        return [
            Reading(self.panel, at, values, evaluate(self.measures, values))
            for at, values in sorted(by_time.items())
        ]

    def apply(self, reading: Reading) -> None:
        self.latest = reading
        if reading.ok:
            self.last_good = reading
            self.history.add(reading.observed_at, reading.values)

    def backfill(self, readings: Iterable[Reading]) -> None:
        for reading in sorted(readings, key=lambda r: r.observed_at):
            if reading.ok:
                self.history.add(reading.observed_at, reading.values)

    def view(self, now: datetime, paused: bool = False) -> PanelView:
        latest, good = self.latest, self.last_good
        if latest is None:
            return PanelView(
                self.panel,
                self.title,
                self.measures,
                Status.UNKNOWN,
                {},
                None,
                None,
                False,
                paused=paused,
            )
        age = (now - good.observed_at).total_seconds() if good else None
        stale = age is not None and age > self.stale_after
        error = latest.error
        if good is None:
            status = Status.ERROR if error else Status.UNKNOWN
            return PanelView(
                self.panel, self.title, self.measures, status, {}, None, error, False, paused=paused
            )
        if stale:
            status = Status.STALE
        elif error:
            status = Status.ERROR
        else:
            status = good.status
        return PanelView(
            self.panel,
            self.title,
            self.measures,
            status,
            good.values,
            age,
            error,
            stale,
            good.detail,
            good.warnings,
            paused,
            good.note,
        )


@dataclass(frozen=True, slots=True)
class HeaderInfo:
    """What the header line shows: where we are, which incident, and the mode we are in."""

    context: str
    namespace: str
    now: datetime
    incident_title: str = ""
    severity: str = ""
    incident_started: datetime | None = None
    read_only: bool = False
    paused: bool = False
    incident_status: str = ""
    # Seconds until the next status update is due; negative when overdue; None: no reminder.
    update_due_in: float | None = None
    # Why there is no timeline (a corrupt file, a read-only disk): shown instead of the title.
    timeline_problem: str = ""
    # The incident phase against its time box ("TRIAGE 3:12/5:00"); over: past the box.
    phase: str = ""
    phase_over: bool = False
    # The context is one of `production_contexts`: said in words, not only in colour.
    production: bool = False

    def __post_init__(self) -> None:
        # The title may come from an imported incident; the context from a kubeconfig.
        _clean_text(
            self,
            "context",
            "namespace",
            "incident_title",
            "severity",
            "incident_status",
            "timeline_problem",
            "phase",
        )
