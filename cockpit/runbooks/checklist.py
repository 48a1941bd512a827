"""Ticked runbook steps in the incident record: the event a tick writes, and the ticks read
back from the timeline so a restarted cockpit shows the same checklist."""

from __future__ import annotations

from collections.abc import Iterable

from cockpit.core.records import Event, EventKind
from cockpit.incident.phases import TimelineEntry
from cockpit.runbooks.model import Runbook, Section, Step

SOURCE = "runbook"


def step_entry(
    runbook: Runbook, section: Section, step: Step, ticked: bool = True
) -> TimelineEntry:
    """The timeline event for ticking (or unticking) a step: a note, since it says what the
    person on call did, with enough data to restore the checklist later."""
    where = f"{runbook.name} › {section.title or runbook.title}, step {step.index + 1}"
    word = "Runbook step done" if ticked else "Runbook step un-ticked"
    return TimelineEntry(
        EventKind.NOTE,
        f"{word}: {step.text} ({where})",
        f"{SOURCE}:{runbook.name}",
        {
            "runbook": runbook.name,
            "section": section.slug,
            "step": step.key,
            "ticked": ticked,
        },
    )


def ticked_steps(events: Iterable[Event], runbook_name: str) -> set[str]:
    """Step keys ticked in this incident, replaying ticks and un-ticks in order."""
    ticked: set[str] = set()
    for event in sorted(events, key=lambda e: e.occurred_at):
        data = event.data
        if data.get("runbook") != runbook_name or event.deleted:
            continue
        key = data.get("step")
        if not isinstance(key, str):
            continue
        if data.get("ticked"):
            ticked.add(key)
        else:
            ticked.discard(key)
    return ticked
