"""The timeline commands through click's CliRunner, on a group built here with `register`."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from cockpit.cli.timeline import ENV_DB, register


@pytest.fixture
def cli() -> click.Group:
    @click.group()
    def group() -> None:
        """Stand-in for the `cockpit` group."""

    register(group)
    return group


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "timeline.db"


def run(cli: click.Group, *args: str, db: Path | None = None, **kw: object) -> Result:
    argv = list(args) + (["--db", str(db)] if db is not None else [])
    return CliRunner().invoke(cli, argv, **kw)  # type: ignore[arg-type]


def ok(result: Result) -> str:
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def test_start_note_status_list_export(cli: click.Group, db: Path, tmp_path: Path) -> None:
    incident_id = ok(run(cli, "incident", "start", "Checkout 5xx", "--sev", "2", db=db)).strip()
    assert len(incident_id) == 32

    out = ok(run(cli, "note", "restarted", "the", "pods", "--actor", "bob@desk", db=db))
    assert out.startswith(f"noted in {incident_id[:8]} (Checkout 5xx)")
    ok(run(cli, "note", "-", db=db, input="line one\nline two | piped\n"))

    out = ok(run(cli, "incident", "status", incident_id[:6], "mitigated", db=db))
    assert out.strip() == f"{incident_id[:8]} Checkout 5xx: mitigated"

    listing = ok(run(cli, "incident", "list", db=db))
    assert listing.splitlines()[0].split() == ["ID", "SEV", "STATUS", "STARTED", "(UTC)", "TITLE"]
    assert f"{incident_id[:8]}  SEV2  mitigated" in listing

    markdown = ok(run(cli, "export", incident_id[:8], "--format", "md", db=db))
    assert markdown.startswith("# Postmortem (draft): Checkout 5xx")
    assert "| restarted the pods" not in markdown  # cells carry the kind prefix
    assert "[note] restarted the pods | bob@desk | cli |" in markdown
    assert "line one<br>line two \\| piped" in markdown

    target = tmp_path / "out.json"
    result = run(cli, "export", incident_id, "--format", "json", "-o", str(target), db=db)
    ok(result)
    assert result.stderr.strip() == f"wrote {target}"
    document = json.loads(target.read_text(encoding="utf-8"))
    assert document["incident"]["status"] == "mitigated"
    assert [e["kind"] for e in document["events"]] == ["status", "note", "note", "status"]


def test_db_from_environment(cli: click.Group, db: Path) -> None:
    result = CliRunner(env={ENV_DB: str(db)}).invoke(
        cli, ["incident", "start", "env", "--sev", "1"]
    )
    ok(result)
    assert db.exists()


def test_note_needs_exactly_one_open_incident(cli: click.Group, db: Path) -> None:
    result = run(cli, "note", "hello", db=db)
    assert result.exit_code == 1
    assert "no open incident" in result.stderr and "Traceback" not in result.output

    first = ok(run(cli, "incident", "start", "one", db=db)).strip()
    ok(run(cli, "incident", "start", "two", db=db))
    result = run(cli, "note", "hello", db=db)
    assert result.exit_code == 1
    assert "2 incidents are open" in result.stderr and "--incident" in result.stderr

    ok(run(cli, "note", "hello", "--incident", first[:8], db=db))
    ok(run(cli, "incident", "status", first, "resolved", db=db))
    assert "noted in" in ok(run(cli, "note", "only one open now", db=db))


def test_import_merges_without_duplicates(cli: click.Group, tmp_path: Path) -> None:
    mine, theirs = tmp_path / "mine.db", tmp_path / "theirs.db"
    incident_id = ok(run(cli, "incident", "start", "shared", "--sev", "sev3", db=theirs)).strip()
    ok(run(cli, "note", "their note", db=theirs))
    export = tmp_path / "theirs.json"
    ok(run(cli, "export", incident_id, "--format", "json", "-o", str(export), db=theirs))

    out = ok(run(cli, "import", str(export), db=mine))
    assert (
        out.strip() == f"{incident_id[:8]} (shared): imported 2 events, skipped 0 already present"
    )
    out = ok(run(cli, "import", str(export), db=mine))
    assert "imported 0 events, skipped 2" in out
    assert "their note" in ok(run(cli, "export", incident_id[:8], db=mine))


def test_errors_are_one_line_and_exit_1(cli: click.Group, db: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"schema": "incident-cockpit/incident-export@1", "incident": {}}')
    result = run(cli, "import", str(bad), db=db)
    assert result.exit_code == 1
    assert result.stderr.strip() == f"Error: {bad}: incident.id: missing"

    result = run(cli, "import", str(tmp_path / "missing.json"), db=db)
    assert result.exit_code == 1 and "cannot read" in result.stderr

    result = run(cli, "export", "deadbeef", db=db)
    assert result.exit_code == 1 and 'no incident with id "deadbeef"' in result.stderr

    corrupt = tmp_path / "corrupt.db"
    corrupt.write_bytes(b"garbage" * 100)
    result = run(cli, "incident", "list", db=corrupt)
    assert result.exit_code == 1
    assert len(result.stderr.strip().splitlines()) == 1
    assert "not modified" in result.stderr and "mv " in result.stderr
    assert corrupt.read_bytes() == b"garbage" * 100


def test_usage_errors_exit_2(cli: click.Group, db: Path) -> None:
    assert run(cli, "incident", "start", "x", "--sev", "9", db=db).exit_code == 2
    assert run(cli, "incident", "status", "abc", "exploded", db=db).exit_code == 2
    assert run(cli, "export", "abc", "--format", "pdf", db=db).exit_code == 2
    assert run(cli, "note", db=db).exit_code == 2


def test_roles_and_severity_are_changed_and_recorded(cli: click.Group, db: Path) -> None:
    incident_id = ok(run(cli, "incident", "start", "DB failover", "--sev", "1", db=db)).strip()
    short = incident_id[:8]
    out = ok(run(cli, "incident", "role", short, "incident commander", "ana", db=db))
    assert out.strip() == f"{short} DB failover: incident commander: ana"
    out = ok(run(cli, "incident", "severity", short, "sev2", db=db))
    assert out.strip() == f"{short} DB failover: SEV2"
    out = ok(run(cli, "incident", "role", short, "incident commander", db=db))
    assert out.strip() == f"{short} DB failover: no roles"
    markdown = ok(run(cli, "export", short, db=db))
    assert "incident commander: ana" in markdown
    assert "Severity SEV1 → SEV2" in markdown
    bad = run(cli, "incident", "severity", short, "7", db=db)
    assert bad.exit_code == 2 and "unknown severity" in bad.output


def _edit(db: Path, incident_id: str, old_text: str, new_text: str | None) -> None:
    """Edit (or with None delete) the visible note `old_text`, as the timeline screen does."""
    import asyncio

    from cockpit.incident.store import Timeline

    async def work() -> None:
        async with await Timeline.open(db) as store:
            (note,) = [e for e in await store.events(incident_id) if e.text == old_text]
            if new_text is None:
                await store.delete_event(note.uuid, "someone")
            else:
                await store.edit_event(note.uuid, new_text, "someone")

    asyncio.run(work())


def _notes(cli: click.Group, db: Path, incident_id: str) -> list[str]:
    document = json.loads(ok(run(cli, "export", incident_id, "--format", "json", db=db)))
    replaced = {e["supersedes"] for e in document["events"] if e["supersedes"]}
    return sorted(
        e["text"]
        for e in document["events"]
        if e["kind"] == "note" and e["uuid"] not in replaced and not e["deleted"]
    )


def test_imports_carry_edits_of_their_own_lineage_and_never_of_local_notes(
    cli: click.Group, tmp_path: Path
) -> None:
    alice, bob, carol = (tmp_path / f"{name}.db" for name in ("alice", "bob", "carol"))
    incident_id = ok(run(cli, "incident", "start", "shared", db=alice)).strip()
    for text in ("a1", "a2", "a3"):
        ok(run(cli, "note", text, db=alice))
    export = tmp_path / "export.json"

    def share(source: Path, target: Path) -> Result:
        ok(run(cli, "export", incident_id, "--format", "json", "-o", str(export), db=source))
        return run(cli, "import", str(export), db=target)

    ok(share(alice, bob))
    # Alice corrects her own notes later; Bob's next import carries the corrections.
    _edit(alice, incident_id, "a1", "a1 corrected")
    _edit(alice, incident_id, "a2", None)
    assert "imported 2 events" in ok(share(alice, bob))
    assert _notes(cli, bob, incident_id) == ["a1 corrected", "a3"]

    # Bob corrects one of Alice's notes in his timeline; Carol imports Bob's file fresh: the
    # file's own chain (Alice's note, Bob's edit) is taken as it is.
    _edit(bob, incident_id, "a3", "a3 as bob read it")
    ok(share(bob, carol))
    assert _notes(cli, carol, incident_id) == ["a1 corrected", "a3 as bob read it"]

    # Alice edits the same note: Bob's local edit is not hidden by her import; both show.
    _edit(alice, incident_id, "a3", "a3 as alice meant it")
    ok(share(alice, bob))
    assert _notes(cli, bob, incident_id) == [
        "a1 corrected",
        "a3 as alice meant it",
        "a3 as bob read it",
    ]

    # Bob's edit of a note Alice recorded locally is refused in Alice's timeline, whole file.
    refused = share(bob, alice)
    assert refused.exit_code == 1
    assert "recorded in this timeline" in refused.stderr and str(export) in refused.stderr
    assert _notes(cli, alice, incident_id) == ["a1 corrected", "a3 as alice meant it"]
