"""Postmortem Markdown (golden file) and the JSON export/import format."""

from __future__ import annotations

import json
import os
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from cockpit.core.records import Event, EventKind, Incident, IncidentStatus, Severity
from cockpit.incident.postmortem import (
    SCHEMA,
    ExportFormatError,
    export_json,
    export_markdown,
    format_duration,
    parse_export,
)
from tests.conftest import T0

GOLDEN = Path(__file__).resolve().parents[1] / "support" / "golden" / "postmortem.md"
INCIDENT_ID = "5e1f0c2a9b7d4e6f8a0b1c2d3e4f5a6b"


def at(seconds: float) -> Any:
    return T0 + timedelta(seconds=seconds)


def fixed_incident() -> tuple[Incident, list[Event]]:
    incident = Incident(
        id=INCIDENT_ID,
        title="Checkout API 5xx spike",
        severity=Severity.SEV2,
        status=IncidentStatus.RESOLVED,
        started_at=T0,
        mitigated_at=at(18 * 60 + 30),
        resolved_at=at(45 * 60),
        roles={"incident commander": "alice", "scribe": "bob"},
    )

    def ev(
        n: int, seconds: float, kind: str, text: str, actor: str, source: str, **kw: Any
    ) -> Event:
        return Event(
            uuid=f"00000000-0000-4000-8000-{n:012d}",
            incident_id=INCIDENT_ID,
            occurred_at=at(seconds),
            recorded_at=at(seconds + kw.pop("late", 0)),
            kind=EventKind(kind),
            actor=actor,
            source=source,
            text=text,
            **kw,
        )

    events = [
        ev(
            1,
            0,
            "status",
            "Incident declared: Checkout API 5xx spike (SEV2, active)",
            "alice@laptop",
            "cockpit",
        ),
        ev(2, 45, "slo", "Error rate 4.2 % ≥ 1 % (crit)", "cockpit", "prometheus"),
        ev(3, 60, "alert", "CheckoutHighErrorRate firing", "alertmanager", "alertmanager"),
        ev(
            4,
            120,
            "note",
            "gateway | upstream returns 502 for /pay",
            "bob@desk",
            "cockpit",
            pinned=True,
        ),
        ev(5, 300, "note", "suspect deploy v41", "alice@laptop", "cockpit"),
        ev(
            6,
            300,
            "note",
            "suspect deploy v42 (v41 was fine)",
            "alice@laptop",
            "cockpit",
            supersedes="00000000-0000-4000-8000-000000000005",
            late=30,
        ),
        ev(7, 400, "note", "wrong incident, ignore", "bob@desk", "cockpit"),
        ev(
            8,
            400,
            "note",
            "",
            "bob@desk",
            "cockpit",
            supersedes="00000000-0000-4000-8000-000000000007",
            deleted=True,
            late=5,
        ),
        ev(
            9,
            600,
            "action",
            "rollout undo deployment/checkout (revision 42 → 41)",
            "alice@laptop",
            "kubernetes",
            data={"phase": "intent"},
        ),
        ev(
            10,
            660,
            "action",
            "rollout undo deployment/checkout: complete",
            "cockpit",
            "kubernetes",
            data={
                "phase": "outcome",
                "intent": "00000000-0000-4000-8000-000000000009",
                "result": "succeeded: 6/6 pods ready",
            },
        ),
        ev(
            11,
            700,
            "action",
            "scale deployment/checkout 6 → 10",
            "bob@desk",
            "kubernetes",
            data={"phase": "intent"},
        ),
        ev(12, 1110, "status", "Status active → mitigated", "alice@laptop", "cockpit"),
        ev(13, 2700, "status", "Status mitigated → resolved", "alice@laptop", "cockpit"),
    ]
    return incident, events


PANELS = {
    "declared": {"Error rate": "4.2 %", "p95 latency": "1.8 s"},
    "mitigated": {"Error rate": "0.3 %", "p95 latency": "240 ms", "Pods": "10/10"},
}


def test_markdown_matches_golden_file() -> None:
    incident, events = fixed_incident()
    text = export_markdown(incident, events, PANELS)
    if os.environ.get("UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text, encoding="utf-8")
    assert text == GOLDEN.read_text(encoding="utf-8")


def test_markdown_essentials() -> None:
    incident, events = fixed_incident()
    text = export_markdown(incident, events)
    assert "| Time (UTC) | Event | Actor | Source |" in text
    assert "gateway \\| upstream returns 502" in text  # the pipe cannot split the cell
    assert "suspect deploy v42" in text and "suspect deploy v41" not in text
    assert "wrong incident" not in text
    assert "| Duration | 45m 00s |" in text
    assert "| Time to mitigate | 18m 30s |" in text
    assert "result: succeeded: 6/6 pods ready" in text
    assert "scale deployment/checkout 6 → 10 (bob@desk) — result: no outcome recorded" in text
    assert "## Root cause" in text and "## Action items" in text
    assert "## Panel values" not in text  # only when values were given


def test_markdown_for_an_ongoing_incident() -> None:
    incident, _ = fixed_incident()
    ongoing = Incident(incident.id, "Still burning", Severity.SEV1, IncidentStatus.ACTIVE, T0)
    text = export_markdown(ongoing, [])
    assert "| Duration | ongoing (not resolved) |" in text
    assert "| Time to mitigate | not mitigated yet |" in text
    assert "_None assigned._" in text and "_No actions recorded._" in text


def test_format_duration() -> None:
    assert format_duration(timedelta(seconds=45)) == "45s"
    assert format_duration(timedelta(minutes=18, seconds=30)) == "18m 30s"
    assert format_duration(timedelta(hours=1, minutes=5)) == "1h 05m 00s"
    assert format_duration(timedelta(days=2, hours=3)) == "2d 03h 00m"


def test_json_round_trip() -> None:
    incident, events = fixed_incident()
    text = export_json(incident, events, exported_at=at(3600))
    document = json.loads(text)
    assert document["schema"] == SCHEMA
    assert document["exported_at"] == "2026-11-24T15:02:00.000000Z"
    assert document["incident"]["started_at"] == "2026-11-24T14:02:00.000000Z"
    assert len(document["events"]) == len(events)
    again_incident, again_events = parse_export(text)
    assert again_incident == incident
    by_uuid = {e.uuid: e for e in events}
    assert {e.uuid: e for e in again_events} == by_uuid


def _document() -> dict[str, Any]:
    incident, events = fixed_incident()
    return json.loads(export_json(incident, events, exported_at=at(0)))


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(schema="something-else@9"), "schema: expected"),
        (lambda d: d.pop("schema"), "schema: missing"),
        (lambda d: d.pop("incident"), "incident: missing"),
        (lambda d: d["incident"].update(id="NOT-HEX"), "incident.id: 'NOT-HEX' is not"),
        (lambda d: d["incident"].update(title="  "), "incident.title: must not be empty"),
        (lambda d: d["incident"].update(severity="SEV9"), "incident.severity: unknown severity"),
        (lambda d: d["incident"].update(status="on fire"), "incident.status: unknown status"),
        (lambda d: d["incident"].update(started_at="yesterday"), "incident.started_at: 'yest"),
        (
            lambda d: d["incident"].update(started_at="2026-11-24T14:02:00"),
            "incident.started_at: '2026-11-24T14:02:00' is not an ISO-8601 time with a zone",
        ),
        (lambda d: d["incident"].update(roles={"scribe": 7}), "incident.roles['scribe']"),
        (lambda d: d.update(events={}), "events: expected a list, got an object"),
        (lambda d: d["events"].append(3), "events[13]: expected a JSON object"),
        (lambda d: d["events"][2].pop("uuid"), "events[2].uuid: missing"),
        (lambda d: d["events"][2].update(kind="gossip"), "events[2].kind: unknown event kind"),
        (lambda d: d["events"][0].update(pinned="yes"), "events[0].pinned: expected true or"),
        (lambda d: d["events"][0].update(text=None), "events[0].text: expected a string, got null"),
        (lambda d: d["events"][1].update(data=[1]), "events[1].data: expected an object"),
        (
            lambda d: d["events"][3].update(incident_id="f" * 32),
            "events[3].incident_id: 'ffffffff",
        ),
        (
            lambda d: d["events"][4].update(occurred_at="2026-02-30T00:00:00Z"),
            "events[4].occurred_at",
        ),
    ],
)
def test_bad_import_files_name_the_field(mutate: Any, message: str) -> None:
    document = _document()
    mutate(document)
    with pytest.raises(ExportFormatError) as info:
        parse_export(json.dumps(document))
    assert message in str(info.value)
    assert "\n" not in str(info.value)


def test_not_json_at_all() -> None:
    with pytest.raises(ExportFormatError, match=r"not valid JSON: .* line 1, column 1"):
        parse_export("# Postmortem\n")
    with pytest.raises(ExportFormatError, match="expected a JSON object, got a list"):
        parse_export("[]")
