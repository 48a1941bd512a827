"""Writes the malformed-export corpus beside this file (run it after changing a case).

python tests/support/corpus/exports/make_corpus.py

Each case is an export that `cockpit import` must refuse with one line containing the expected
text (expected.json), leaving the timeline byte-identical. Tokens such as @LOCAL_NOTE@ are
replaced by the test with ids from the timeline it builds (see tests/unit/test_import_hostile.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
NEW_INCIDENT = "c0ffee00c0ffee00c0ffee00c0ffee00"
ORIGIN = "0123456789abcdef0123456789abcdef"
OTHER_ORIGIN = "fedcba9876543210fedcba9876543210"
T = "2026-11-24T14:02:00.000000Z"


def uuid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


def event(n: int, kind: str = "note", **changes: Any) -> dict[str, Any]:
    base = {
        "uuid": uuid(n),
        "incident_id": NEW_INCIDENT,
        "occurred_at": T,
        "recorded_at": T,
        "kind": kind,
        "actor": "mallory@laptop",
        "source": "cockpit",
        "text": f"event {n}",
        "data": {},
        "pinned": False,
        "supersedes": None,
        "deleted": False,
        "origin": ORIGIN,
    }
    base.update(changes)
    return base


def document(*events: dict[str, Any], **incident: Any) -> dict[str, Any]:
    return {
        "schema": "incident-cockpit/incident-export@1",
        "exported_at": T,
        "incident": {
            "id": NEW_INCIDENT,
            "title": "unrelated incident",
            "severity": "SEV3",
            "status": "active",
            "started_at": T,
            "mitigated_at": None,
            "resolved_at": None,
            "roles": {},
            **incident,
        },
        "events": list(events) or [event(1)],
    }


def on(incident_id: str, *events: dict[str, Any]) -> dict[str, Any]:
    moved = [dict(e, incident_id=incident_id) for e in events]
    return document(*moved, id=incident_id)


def nested(depth: int) -> Any:
    value: Any = 0
    for _ in range(depth):
        value = [value]
    return value


def mutate(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    doc = document(event(1), event(2, text="second"))
    change(doc)
    return doc


CASES: dict[str, tuple[Any, str]] = {
    # history
    "delete-note-of-another-incident": (
        document(event(1, supersedes="@LOCAL_NOTE@", deleted=True, text="")),
        "another incident",
    ),
    "delete-local-note": (
        on("@LOCAL_INCIDENT@", event(1, supersedes="@LOCAL_NOTE@", deleted=True, text="")),
        "recorded in this timeline",
    ),
    "edit-local-note": (
        on("@LOCAL_INCIDENT@", event(1, supersedes="@LOCAL_NOTE@", text="rewritten")),
        "never edit or delete local history",
    ),
    "edit-import-of-another-origin": (
        on(
            "@IMPORTED_INCIDENT@",
            event(1, supersedes="@IMPORTED_NOTE@", text="rewritten", origin=OTHER_ORIGIN),
        ),
        "another origin",
    ),
    "edit-import-without-origin": (
        on(
            "@IMPORTED_INCIDENT@",
            event(1, supersedes="@IMPORTED_NOTE@", text="rewritten", origin=None),
        ),
        "another origin",
    ),
    "delete-imported-note-of-another-incident": (
        document(event(1, supersedes="@IMPORTED_NOTE@", deleted=True, text="")),
        "another incident",
    ),
    "self-supersede": (document(event(1, supersedes=uuid(1))), "supersedes itself"),
    "cycle-of-two": (
        document(event(1, supersedes=uuid(2)), event(2, supersedes=uuid(1))),
        "cycle of 2 events",
    ),
    "cycle-of-three": (
        document(
            event(1, supersedes=uuid(3)), event(2, supersedes=uuid(1)), event(3, supersedes=uuid(2))
        ),
        "cycle of 3 events",
    ),
    "supersedes-nothing-known": (
        document(event(1, supersedes=uuid(99))),
        "neither in the import nor in this timeline",
    ),
    "edit-changes-kind": (
        document(event(1), event(2, kind="alert", supersedes=uuid(1))),
        "keeps the kind",
    ),
    "edit-of-a-deletion": (
        document(
            event(1),
            event(2, supersedes=uuid(1), deleted=True, text=""),
            event(3, supersedes=uuid(2)),
        ),
        "a deletion is final",
    ),
    "deletion-without-target": (document(event(1, deleted=True)), "must name the event"),
    "duplicate-uuid": (document(event(1), event(1, text="again")), "is also events[0]"),
    # times
    "started-in-year-1": (document(started_at="0001-01-01T00:00:00Z"), "outside the range"),
    "end-of-time-minus-14h": (
        document(event(1, occurred_at="9999-12-31T23:00:00-14:00")),
        "outside the range",
    ),
    "start-of-time-plus-1h": (
        document(started_at="0001-01-01T00:30:00+01:00"),
        "outside the range",
    ),
    "before-1970": (document(event(1, recorded_at="1969-12-31T23:59:59Z")), "outside the range"),
    "far-future-event": (document(event(1, occurred_at="9000-01-01T00:00:00Z")), "in the future"),
    "future-incident": (document(started_at="9000-01-01T00:00:00Z"), "has not started"),
    "time-without-zone": (
        document(event(1, occurred_at="2026-11-24T14:02:00")),
        "not an ISO-8601 time with a zone",
    ),
    "time-with-newline": (
        document(event(1, occurred_at="2026-11-24T14:02:00Z\n")),
        "not an ISO-8601 time",
    ),
    "time-full-width-digits": (
        document(event(1, occurred_at="２０２６-11-24T14:02:00Z")),
        "not an ISO-8601 time",
    ),
    "february-30": (document(event(1, occurred_at="2026-02-30T00:00:00Z")), "occurred_at"),
    "offset-of-25-hours": (
        document(event(1, occurred_at="2026-11-24T14:02:00+25:00")),
        "occurred_at",
    ),
    "exported-at-garbage": (dict(document(), exported_at="yesterday"), "exported_at"),
    # ids
    "incident-id-of-8": (document(id="c0ffee00"), "32 lowercase hex"),
    "incident-id-of-33": (document(id=NEW_INCIDENT + "0"), "32 lowercase hex"),
    "incident-id-uppercase": (document(id=NEW_INCIDENT.upper()), "32 lowercase hex"),
    "event-uuid-not-canonical": (
        document(event(1, uuid="{00000000-0000-4000-8000-000000000001}")),
        "canonical lowercase UUID",
    ),
    "event-uuid-uppercase": (
        document(event(1, uuid="ABCDEF00-0000-4000-8000-000000000001")),
        "canonical lowercase UUID",
    ),
    "event-uuid-empty": (document(event(1, uuid="")), "canonical lowercase UUID"),
    "supersedes-not-a-uuid": (document(event(1, supersedes="../etc")), "canonical lowercase"),
    "origin-not-hex": (document(event(1, origin="me")), "timeline id"),
    "event-of-another-incident": (
        document(event(1, incident_id="f" * 32)),
        "not this file's incident",
    ),
    # kinds and types
    "kind-unknown": (document(event(1, kind="gossip")), "unknown event kind"),
    "kind-uppercase": (document(event(1, kind="NOTE")), "unknown event kind"),
    "severity-as-number": (document(severity=2), "expected a string"),
    "severity-as-digit": (document(severity="2"), "unknown severity"),
    "status-unknown": (document(status="on fire"), "unknown status"),
    "pinned-as-string": (document(event(1, pinned="yes")), "true or false"),
    "deleted-as-number": (document(event(1, deleted=1)), "true or false"),
    "text-as-number": (document(event(1, text=5)), "expected a string"),
    "text-missing": (mutate(lambda d: d["events"][0].pop("text")), "events[0].text: missing"),
    "data-as-list": (document(event(1, data=[1, 2])), "expected an object"),
    "events-as-object": (dict(document(), events={}), "expected a list"),
    "event-as-number": (dict(document(), events=[3]), "expected a JSON object"),
    "incident-as-list": (dict(document(), incident=[]), "expected an object"),
    "roles-person-number": (document(roles={"scribe": 7}), "expected a string"),
    "roles-person-empty": (document(roles={"scribe": " "}), "a person is"),
    "roles-name-empty": (document(roles={"": "bob"}), "a role name is"),
    "schema-newer": (dict(document(), schema="incident-cockpit/incident-export@2"), "schema"),
    "schema-missing": (mutate(lambda d: d.pop("schema")), "schema: missing"),
    "not-an-object": ([document()], "expected a JSON object"),
    # lengths
    "title-empty": (document(title="   "), "must not be empty"),
    "title-too-long": (document(title="t" * 1001), "more than the 1,000 allowed"),
    "actor-too-long": (document(event(1, actor="a" * 257)), "more than the 256 allowed"),
    "text-too-long": (document(event(1, text="x" * 1_000_001)), "more than the 1,000,000"),
    "data-too-big": (document(event(1, data={"blob": "x" * 300_000})), "bytes, more than"),
    # JSON itself
    "data-nested-40-deep": (document(event(1, data={"x": nested(40)})), "nested more than 32"),
}

RAW_CASES: dict[str, tuple[bytes, str]] = {
    "empty-file": (b"", "not valid JSON"),
    "nested-100000-deep": (b"[" * 100_000 + b"0" + b"]" * 100_000, "nested more than 32"),
    "not-utf8": (b'{"schema": "\xff\xfe"}', "not UTF-8"),
    "utf8-bom": (
        b"\xef\xbb\xbf" + json.dumps(document()).encode(),
        "not valid JSON",
    ),
    "markdown-not-json": (b"# Postmortem (draft): x\n", "not valid JSON"),
    "nan-number": (
        json.dumps(document(event(1, data={"x": 1}))).replace('"x": 1', '"x": NaN').encode(),
        "not a JSON number",
    ),
    "infinity-number": (
        json.dumps(document(event(1, data={"x": 1}))).replace('"x": 1', '"x": -Infinity').encode(),
        "not a JSON number",
    ),
    "float-overflow": (
        json.dumps(document(event(1, data={"x": 1}))).replace('"x": 1', '"x": 1e400').encode(),
        "out of range",
    ),
    "int-of-5000-digits": (
        json.dumps(document(event(1, data={"x": 1})))
        .replace('"x": 1', '"x": ' + "9" * 5000)
        .encode(),
        "digits",
    ),
    "duplicate-key": (
        json.dumps(document())
        .replace('"title": "unrelated incident"', '"title": "a", "title": "b"')
        .encode(),
        "appears twice",
    ),
    "lone-surrogate": (
        json.dumps(document(event(1, text="SURROGATE"))).replace("SURROGATE", "\\ud800").encode(),
        "lone surrogate",
    ),
    "truncated": (json.dumps(document()).encode()[:-20], "not valid JSON"),
    "deep-brackets-in-strings-then-deep": (
        b'{"a": "' + b"[" * 100 + b'", "b": ' + b"[" * 50 + b"]" * 50 + b"}",
        "nested more than 32",
    ),
}


def main() -> None:
    expected: dict[str, str] = {}
    for old in HERE.glob("*.json"):
        old.unlink()
    for name, (doc, message) in CASES.items():
        (HERE / f"{name}.json").write_text(
            json.dumps(doc, ensure_ascii=False) + "\n",
            encoding="utf-8",
        )
        expected[f"{name}.json"] = message
    for name, (raw, message) in RAW_CASES.items():
        (HERE / f"{name}.json").write_bytes(raw)
        expected[f"{name}.json"] = message
    (HERE / "expected.txt").write_text(
        "".join(f"{name}\t{message}\n" for name, message in sorted(expected.items())),
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
