"""Which runbook section answers "this panel (or alert) is in trouble": an explicit link from
the config (`file.md#section`), else the best match by SLO, title and keywords."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from cockpit.runbooks.facts import REFERENCE
from cockpit.runbooks.model import Runbook, Section
from cockpit.runbooks.text import wordset

PANEL_WORDS: Mapping[str, tuple[str, ...]] = {
    "latency": ("latency", "slow", "slowness", "p95", "p99", "p50", "response time", "timeouts"),
    "error_rate": ("error rate", "errors", "error", "5xx", "failures", "failing requests"),
    "queue": ("queue", "backlog", "lag", "consumer", "consumers", "depth", "messages"),
    "backup": ("backup", "backups", "restore", "rpo", "snapshot", "dump", "wal"),
    "pods": ("pod", "pods", "crashloop", "crashloopbackoff", "oomkilled", "restarts", "rollout"),
    "alerts": ("alert", "alerts", "firing"),
    "health": ("health", "healthz", "ready", "readiness", "liveness", "endpoint", "probe"),
}


@dataclass(frozen=True, slots=True)
class SectionMatch:
    runbook: Runbook
    section: Section
    score: int
    why: str  # what matched, for the screen's subtitle
    strong: bool = True  # False: only mentioned in the body, a guess worth less

    @property
    def ref(self) -> str:
        return f"{self.runbook.name}#{self.section.slug}"


def _words(text: str) -> set[str]:
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)  # HighErrorRate → High Error Rate
    return {w for w in re.findall(r"[a-z0-9]+", spaced.lower()) if len(w) >= 3 or w.isdigit()}


_STOPWORDS = wordset(
    "the and for with from this that into when then than are was were has have not you your "
    "our all any per api job app service alertname severity warning critical high low"
)


def _phrase_hits(phrases: Iterable[str], text: str, words: set[str]) -> list[str]:
    hits = []
    for phrase in phrases:
        if (" " in phrase and phrase in text) or (" " not in phrase and phrase in words):
            hits.append(phrase)
    return hits


def match_section(
    runbooks: Runbook | Iterable[Runbook], panel_id: str, keywords: Iterable[str] = ()
) -> SectionMatch | None:
    """The section that best answers "this panel (or alert) is in trouble": its SLO names the
    panel, its title names what the panel measures, or it shares words with the alert. Sections
    with steps win ties; contact and severity tables only when nothing else matches."""
    books = [runbooks] if isinstance(runbooks, Runbook) else list(runbooks)
    synonyms = PANEL_WORDS.get(panel_id, (panel_id.replace("_", " "),))
    extra = set().union(*(_words(k) for k in keywords)) - _STOPWORDS if keywords else set()
    best: SectionMatch | None = None
    for book in books:
        for section in book.sections:
            title = section.title.lower()
            title_words = _words(section.title)
            body = section.text.lower()
            body_words = _words(section.text)
            score = 0
            why: list[str] = []
            slo_hits = [s for s in section.slos if s.panel == panel_id]
            if slo_hits:
                # An SLO names the panel; it counts most where there is something to do.
                score += (6 if section.steps else 2) * min(2, len(slo_hits))
                why.append(f"SLO {slo_hits[0].text}")
            title_hits = _phrase_hits(synonyms, title, title_words)
            score += 4 * len(title_hits)
            body_hits = _phrase_hits(synonyms, body, body_words)
            score += min(4, len(body_hits))
            key_title = extra & title_words
            key_body = (extra & body_words) - key_title
            score += 3 * len(key_title) + min(4, len(key_body))
            if title_hits or key_title:
                why.append("title: " + ", ".join([*title_hits, *sorted(key_title)]))
            if score == 0 or not (slo_hits or title_hits or key_title or body_hits or key_body):
                continue
            # Preferences, not reasons: a section you can act on beats one you can only read.
            if section.steps:
                score += 4
            elif REFERENCE.search(section.title):
                score -= 4
            if section.level == 0:
                score -= 1
            if score <= 0:
                continue
            strong = bool(slo_hits or title_hits or key_title)
            candidate = SectionMatch(book, section, score, "; ".join(why) or "mentioned", strong)
            if best is None or score > best.score:
                best = candidate
    return best


def find_section(runbooks: Iterable[Runbook], ref: str) -> SectionMatch | None:
    """An explicit link: `api-service.md#high-latency`, `api-service#High latency`, a path, or
    a runbook URL from an alert's annotations (its last path part and anchor count)."""
    target = ref.strip()
    if not target:
        return None
    if "://" in target:
        # https://wiki/runbooks/api-service.md?plain=1#high-latency → api-service.md#high-latency
        address, _, anchor = target.split("://", 1)[1].partition("#")
        target = address.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        target += f"#{anchor}" if anchor else ""
    file_part, _, section_part = target.partition("#")
    file_name = PurePosixPath(file_part.replace("\\", "/")).name.lower()
    file_stem = PurePosixPath(file_name).stem
    for book in runbooks:
        name = book.name.lower()
        if (
            file_name
            and file_name not in (name, PurePosixPath(name).stem)
            and (file_stem != PurePosixPath(name).stem)
        ):
            continue
        if section_part:
            section = book.section(section_part)
        else:
            # The whole runbook: its first section with steps, else its first section.
            section = next((s for s in book.sections if s.steps), None) or (
                book.sections[0] if book.sections else None
            )
        if section is not None:
            return SectionMatch(book, section, 100, f"linked: {ref}")
    return None


def resolve_section(
    runbooks: Sequence[Runbook],
    panel_id: str,
    *,
    link: str = "",
    keywords: Iterable[str] = (),
) -> SectionMatch | None:
    """What the runbook key opens: the configured link if it resolves, else the best match."""
    if link:
        found = find_section(runbooks, link)
        if found is not None:
            return found
    return match_section(runbooks, panel_id, keywords)
