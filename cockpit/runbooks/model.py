"""What a runbook holds once read: sections, checklist steps, commands, SLO statements, health
endpoints, contacts, severities and phase time boxes. Frozen dataclasses, no parsing here
(`cockpit.runbooks.parse` builds them), no Textual."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from cockpit.incident.phases import Phase
from cockpit.runbooks.text import PLACEHOLDER, slugify

METRIC_PANEL = {
    "p50": "latency",
    "p90": "latency",
    "p95": "latency",
    "p99": "latency",
    "error_rate": "error_rate",
    "queue_depth": "queue",
    "backup_age": "backup",
    "rpo": "backup",
}


@dataclass(frozen=True, slots=True)
class Command:
    """A command as written (continuation lines joined, `$ ` prompt removed). `argv` is its
    words when it is one simple command; empty for SQL, YAML, pipelines that do not split."""

    text: str
    argv: tuple[str, ...]
    line: int
    inline: bool = False
    language: str = ""
    section: str = ""  # slug of the section it is in

    @property
    def placeholders(self) -> tuple[str, ...]:
        """`<name>`, `$NS`, `{{ release }}`, `YOUR_DB`: to be filled in before it can run."""
        return tuple(dict.fromkeys(m.group(0) for m in PLACEHOLDER.finditer(self.text)))

    @property
    def program(self) -> str:
        return PurePosixPath(self.argv[0]).name if self.argv else ""


@dataclass(frozen=True, slots=True)
class Step:
    """One checklist entry: the first line of a list item, the rest as `detail`."""

    index: int  # 0-based position in its section's checklist
    text: str
    section: str
    line: int
    number: str = ""  # as written ("3", "b", "iv"); empty for a bullet
    detail: str = ""
    done: bool = False  # written as `[x]` in the file itself
    commands: tuple[Command, ...] = ()

    @property
    def key(self) -> str:
        """Stable while the runbook keeps its headings and step order."""
        return f"{self.section}/{self.index + 1}"


@dataclass(frozen=True, slots=True)
class SloStatement:
    """ "p95 < 300ms", "error rate under 1%", "RPO 12h": a bound, in base units (seconds,
    ratio 0..1, count) so it compares with what panels read."""

    metric: str  # p50, p95, p99, error_rate, queue_depth, backup_age, rpo, rto, availability
    op: str  # "<": the objective is to stay under; ">": to stay above (availability)
    value: float
    unit: str  # seconds, ratio, count
    text: str
    line: int
    section: str = ""

    @property
    def panel(self) -> str | None:
        """The cockpit panel that measures this, if any."""
        return METRIC_PANEL.get(self.metric)


@dataclass(frozen=True, slots=True)
class HealthEndpoint:
    kind: str  # "http" or "tcp"
    target: str  # URL, a bare path such as "/healthz" (no host known), or host:port
    line: int
    expect_status: int | None = None
    section: str = ""

    @property
    def has_host(self) -> bool:
        return self.kind == "tcp" or self.target.startswith(("http://", "https://"))

    @property
    def name(self) -> str:
        if self.kind == "tcp":
            return self.target.rsplit(":", 1)[0].split(".")[0].strip("[]")
        match = re.match(r"https?://([^/:]+)", self.target)
        host = match.group(1).split(".")[0] if match else ""
        path = self.target.split("://", 1)[-1]
        path = path[path.find("/") :] if "/" in path else ""
        tail = path.strip("/").replace("/", "-")
        return "-".join(p for p in (host, tail) if p) or "health"


@dataclass(frozen=True, slots=True)
class Contact:
    role: str
    name: str
    channels: tuple[str, ...]
    line: int
    text: str
    after: float | None = None  # "escalate after 15 min": seconds, when stated
    section: str = ""


@dataclass(frozen=True, slots=True)
class PhaseBox:
    phase: Phase
    seconds: float
    text: str
    line: int
    repeat: bool = False  # "status update every 30 min": a cadence, not a one-off box
    section: str = ""


@dataclass(frozen=True, slots=True)
class SeverityDef:
    level: str  # "SEV1", "P2", "S3" as the runbook numbers them
    text: str
    line: int
    section: str = ""


@dataclass(frozen=True, slots=True)
class Section:
    title: str
    slug: str
    level: int  # 0: text before the first heading
    line: int
    text: str  # the body as written, heading excluded
    notes: str = ""  # the body without the lines shown as steps
    parent: str = ""
    steps: tuple[Step, ...] = ()
    commands: tuple[Command, ...] = ()  # every command in the section, the steps' included
    slos: tuple[SloStatement, ...] = ()
    endpoints: tuple[HealthEndpoint, ...] = ()
    contacts: tuple[Contact, ...] = ()
    phases: tuple[PhaseBox, ...] = ()
    severities: tuple[SeverityDef, ...] = ()

    def step(self, key_or_index: str | int) -> Step | None:
        for step in self.steps:
            if key_or_index in (step.key, step.index):
                return step
        return None


@dataclass(frozen=True, slots=True)
class Runbook:
    title: str
    source: str  # the path or name it was read from
    sections: tuple[Section, ...]
    warnings: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return PurePosixPath(self.source.replace("\\", "/")).name

    def _all(self, attribute: str) -> tuple[Any, ...]:
        return tuple(item for s in self.sections for item in getattr(s, attribute))

    @property
    def steps(self) -> tuple[Step, ...]:
        return self._all("steps")

    @property
    def commands(self) -> tuple[Command, ...]:
        return self._all("commands")

    @property
    def slos(self) -> tuple[SloStatement, ...]:
        return self._all("slos")

    @property
    def endpoints(self) -> tuple[HealthEndpoint, ...]:
        seen: dict[str, HealthEndpoint] = {}
        for endpoint in self._all("endpoints"):
            seen.setdefault(endpoint.target, endpoint)
        return tuple(seen.values())

    @property
    def contacts(self) -> tuple[Contact, ...]:
        return self._all("contacts")

    @property
    def phases(self) -> tuple[PhaseBox, ...]:
        return self._all("phases")

    @property
    def severities(self) -> tuple[SeverityDef, ...]:
        return self._all("severities")

    def phase_boxes(self) -> dict[Phase, float]:
        """One box per phase: the first the runbook states (a "time boxes" table usually comes
        before the sections that repeat it); cadences ("every 30 min") are not boxes."""
        boxes: dict[Phase, float] = {}
        for box in self.phases:
            if not box.repeat:
                boxes.setdefault(box.phase, box.seconds)
        return boxes

    def section(self, ref: str) -> Section | None:
        """By slug, then title (any case), then the first slug or title starting with `ref`,
        then containing it."""
        wanted = ref.strip().lstrip("#").strip()
        if not wanted:
            return None
        low, slug = wanted.lower(), slugify(wanted)
        for test in (
            lambda s: s.slug == wanted or s.slug == slug,
            lambda s: s.title.lower() == low,
            lambda s: s.slug.startswith(slug) or s.title.lower().startswith(low),
            lambda s: slug in s.slug or low in s.title.lower(),
        ):
            found = next((s for s in self.sections if test(s)), None)
            if found is not None:
                return found
        return None
