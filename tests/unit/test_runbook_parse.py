"""The runbook parser on the messy files on-call teams really keep: every heading style, steps
with and without numbers, commands fenced, indented, inline and after a `$ ` prompt, and the
facts the cockpit uses (SLOs, endpoints, severities, contacts, time boxes). Nothing raises."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.incident.phases import Phase
from cockpit.runbooks.load import MAX_BYTES, load_runbook, load_runbooks
from cockpit.runbooks.model import Runbook, Section
from cockpit.runbooks.parse import parse_runbook

HERE = Path(__file__).resolve().parents[1] / "support" / "runbooks"
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runbooks"


def section(book: Runbook, ref: str) -> Section:
    found = book.section(ref)
    assert found is not None, [s.slug for s in book.sections]
    return found


def step_texts(part: Section) -> list[str]:
    return [step.text for step in part.steps]


def test_markdown_atx_setext_bold_headings_and_a_checklist_with_boxes() -> None:
    book = load_runbook(HERE / "mixed-markdown.md")
    assert book.title == "Search indexer"  # underlined with ===
    assert [s.title for s in book.sections] == [
        "Search indexer",
        "Overview",  # underlined with ---
        "Phases",  # ### Phases ### (closing hashes)
        "Checklist",  # a bold line
        "Undo a bad deploy",
    ]
    checklist = section(book, "checklist")
    assert step_texts(checklist) == [
        "Acknowledge the page",
        "Open the lag dashboard",
        "Scale the indexer out:",
        "Tell #search-incidents",
    ]
    assert [s.done for s in checklist.steps] == [True, False, False, False]
    # A tilde fence inside a list item belongs to that step.
    assert [c.text for c in checklist.steps[2].commands] == [
        "kubectl -n search scale deployment/indexer --replicas=6"
    ]


def test_indented_code_and_an_unclosed_fence_are_commands_and_a_warning() -> None:
    book = load_runbook(HERE / "mixed-markdown.md")
    undo = section(book, "Undo a bad deploy")
    assert [c.text for c in undo.commands][:2] == [
        "kubectl -n search rollout undo deployment/indexer",
        "kubectl -n search rollout status deployment/indexer",
    ]
    sql = undo.commands[2]
    assert sql.language == "sql" and sql.argv == ()  # copyable, never split into words
    assert any("never closed" in w for w in book.warnings)


def test_wiki_headings_dollar_prompts_and_unnumbered_bullets() -> None:
    book = load_runbook(HERE / "wiki-export.txt")
    assert book.title == "Payments gateway"
    timeouts = section(book, "when-payments-time-out")
    assert len(timeouts.steps) == 4 and all(s.number == "" for s in timeouts.steps)
    # `$ ` lines are commands; the output pasted under them is not.
    assert [c.text for c in timeouts.steps[0].commands] == [
        "kubectl -n payments get pods -l app=gateway"
    ]
    assert "helm rollback gateway 41 -n payments" in [c.text for c in timeouts.commands]
    levels = {s.level for s in book.sections}
    assert levels == {1, 2}


def test_plain_text_caps_and_colon_headings_with_bare_lines_as_steps() -> None:
    book = load_runbook(HERE / "plain-notes.txt")
    assert [s.title for s in book.sections] == [
        "Cache cluster runbook",
        "Symptoms",
        "What to do",
        "Who to call",
    ]
    todo = section(book, "what-to-do")
    assert step_texts(todo)[1] == "flush only the affected keyspace, never FLUSHALL"
    assert len(todo.steps) == 4
    # A command after a label on a bare line.
    assert [c.text for c in todo.steps[2].commands] == [
        "kubectl rollout restart deployment/cache-proxy -n cache"
    ]
    # "Read this first: ..." is prose, not a step.
    assert section(book, "cache-cluster-runbook").steps == ()


def test_numbered_steps_in_every_style_and_inline_commands() -> None:
    book = load_runbook(HERE / "front-matter.md")
    assert book.title == "Edge proxy"  # from the YAML front matter
    mitigation = section(book, "mitigation")
    assert [s.number for s in mitigation.steps] == ["1", "2", "3"]
    assert mitigation.steps[0].commands[0].inline
    assert mitigation.steps[0].commands[0].text == "curl -s http://edge.internal/status"
    assert mitigation.steps[1].commands[0].argv[:2] == ("kubectl", "drain")
    # A variable still to fill in is flagged, so it is never run as written.
    assert mitigation.steps[2].commands[0].placeholders == ("$REPLICAS",)


def test_example_api_runbook_slos_endpoints_severities_boxes_and_contacts() -> None:
    book = load_runbook(EXAMPLES / "api-service.md")
    slos = {(s.metric, s.op, round(s.value, 4)) for s in section(book, "slos").slos}
    assert ("p95", "<", 0.3) in slos
    assert ("p50", "<", 0.15) in slos
    assert ("error_rate", "<", 0.01) in slos
    endpoints = {e.target: e.expect_status for e in book.endpoints}
    assert endpoints["https://checkout.shop.example.com/healthz"] == 200
    assert "/ready" in endpoints
    assert [d.level for d in book.severities] == ["SEV1", "SEV2", "SEV3", "SEV4"]
    # Severity lines mention p95 and error rates; they are not the service's objectives.
    assert all(s.section != "severity" for s in book.slos)
    assert book.phase_boxes() == {
        Phase.TRIAGE: 300.0,
        Phase.MITIGATE: 1800.0,
        Phase.POSTMORTEM: 5 * 86400.0,
    }
    cadence = [b for b in book.phases if b.repeat]
    assert cadence and cadence[0].seconds == 900.0  # "status updates every 15 min"
    contacts = section(book, "escalation").contacts
    assert "dana.kim@example.com" in contacts[1].channels
    assert contacts[1].after == 900.0
    roll_back = section(book, "roll-back")
    texts = [c.text for c in roll_back.commands]
    assert "kubectl rollout undo deployment/checkout -n shop --to-revision=3" in texts
    assert "helm rollback checkout -n shop" in texts
    assert not any("Happy Helming" in t for t in texts)  # output after a `$ ` prompt


def test_example_queue_and_backup_runbooks() -> None:
    queue = load_runbook(EXAMPLES / "queue-consumer.md")
    assert ("queue_depth", 100.0) in {(s.metric, s.value) for s in queue.slos}
    backs_up = section(queue, "when-the-queue-backs-up")
    assert [s.number for s in backs_up.steps] == ["1", "2", "3", "4"]  # "Step 1:" style
    assert queue.phase_boxes() == {Phase.TRIAGE: 600.0}
    assert any(e.kind == "tcp" for e in queue.endpoints)
    backup = load_runbook(EXAMPLES / "database-backup.md")
    assert {(s.metric, s.value) for s in backup.slos} >= {("rpo", 43200.0), ("rto", 14400.0)}
    assert backup.phase_boxes() == {Phase.MITIGATE: 4 * 3600.0}
    assert len(section(backup, "check").steps) == 3  # "1)" numbering, plain-text headings


def test_prose_only_is_one_section_of_text_with_a_note() -> None:
    book = load_runbook(HERE / "prose-only.txt")
    assert len(book.sections) == 1
    assert book.steps == () and book.commands == ()  # "kubectl is the tool..." is English
    assert "\r" not in book.sections[0].text
    assert "no steps recognised" in book.warnings[0]


NO_STEPS = "no steps recognised; the runbook is shown as text"
NOT_UTF8 = "not UTF-8 (first bad byte at 3); unreadable characters shown as \ufffd"


@pytest.mark.parametrize(
    ("content", "outline", "warnings", "words"),
    [
        (b"", [], (), []),
        (b"\n\n\n", [], (), []),
        (b"\x00\x01\x02\xff\xfe binary \x00 junk", [("", [])],
         (NOT_UTF8, "contains NUL bytes; they were dropped", NO_STEPS), ["binary", "junk"]),
        ("caf\xe9 au lait\n# Heading\n- do it".encode("latin-1"),
         [("", []), ("Heading", ["do it"])], (NOT_UTF8,), ["caf\ufffd au lait"]),
        (b"```\nnever closed", [("", [])],
         ("line 1: code block never closed; read to the end as code", NO_STEPS),
         ["never closed"]),
        (b"#" * 5000, [("", [])], (NO_STEPS,), ["#" * 5000]),
        (b"- [x]\n- \n1.\n## \n==\n--\n|---|", [("", []), ("(untitled)", [])], (NO_STEPS,),
         ["- [x]", "|---|"]),
        (("- " * 2000 + "kubectl\n").encode(), [("", [])], (NO_STEPS,), ["- - kubectl"]),
        (b"\xef\xbb\xbf# BOM heading\r\n1. step one\r\n", [("BOM heading", ["step one"])], (),
         ["1. step one"]),
    ],
    ids=["empty", "blank", "binary", "latin-1", "open-fence", "hashes", "bare-markers",
         "dashes", "bom-crlf"],
)  # fmt: skip
def test_odd_files_are_read_as_what_they_hold(
    tmp_path: Path,
    content: bytes,
    outline: list[tuple[str, list[str]]],
    warnings: tuple[str, ...],
    words: list[str],
) -> None:
    """Never a crash, and never nothing: sections, steps and warnings are what a person reading
    the file would expect, and its readable words are all shown."""
    path = tmp_path / "odd.md"
    path.write_bytes(content)
    book = load_runbook(path)
    assert [(part.title, step_texts(part)) for part in book.sections] == outline
    assert book.warnings == warnings
    text = "\n".join(part.text for part in book.sections)
    for word in words:
        assert word in text


def test_non_utf8_is_read_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "latin.md"
    path.write_bytes("# Caf\xe9\n1. Check it\n".encode("latin-1"))
    book = load_runbook(path)
    assert "not UTF-8" in book.warnings[0]
    assert book.steps[0].text == "Check it"


def test_a_bom_and_crlf_do_not_hide_the_heading() -> None:
    book = parse_runbook("\ufeff# Title\r\n1. step one\r\n", "x.md")
    assert book.title == "Title" and book.steps[0].text == "step one"


def test_huge_files_and_missing_paths_are_problems_not_exceptions(tmp_path: Path) -> None:
    huge = tmp_path / "huge.md"
    huge.write_bytes(b"x" * (MAX_BYTES + 1))
    (tmp_path / "good.md").write_text("# Good\n1. Check it\n")
    (tmp_path / ".hidden.md").write_text("# Hidden\n")
    (tmp_path / "notes.log").write_text("# not a runbook suffix\n")
    books, problems = load_runbooks([tmp_path, tmp_path / "missing"])
    assert [b.name for b in books] == ["good.md"]
    assert any("huge.md" in p and "too large" in p for p in problems)
    assert any("missing" in p and "no such file" in p for p in problems)


def test_a_long_messy_file_parses_quickly_enough_to_never_matter() -> None:
    # Not a timing assertion: a pathological regex would hang here rather than be slow.
    text = ("## Section\n" + "- check `kubectl get pods` p95 < 300ms (x) " * 50 + "\n") * 200
    book = parse_runbook(text, "big.md")
    assert len(book.sections) == 200


def test_runbook_modules_never_import_textual() -> None:
    code = (
        "import sys, cockpit.runbooks.load, cockpit.runbooks.match, cockpit.runbooks.actions,"
        " cockpit.runbooks.propose, cockpit.runbooks.checklist, cockpit.incident.phases;"
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'textual'))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_demo_ships_the_example_runbooks_unchanged() -> None:
    from cockpit.config.schema import demo_config

    (shipped,) = demo_config().runbooks.dirs
    names = sorted(p.name for p in EXAMPLES.glob("*.md"))
    assert sorted(p.name for p in Path(shipped).glob("*.md")) == names
    for name in names:
        assert (Path(shipped) / name).read_bytes() == (EXAMPLES / name).read_bytes()


def test_plain_text_checklists_with_bare_boxes_and_colon_numbers() -> None:
    book = load_runbook(HERE / "plain-checklist.txt")
    before = section(book, "before")
    assert [(s.done, s.text) for s in before.steps] == [
        (True, "page the DB owner"),
        (False, "freeze deploys: kubectl -n shop scale deployment/deployer --replicas=0"),
        (False, "announce in #inc-db"),
    ]
    assert before.steps[1].commands[0].argv[:2] == ("kubectl", "-n")
    failover = section(book, "failover")
    assert [s.number for s in failover.steps] == ["1", "2", "3"]
    assert failover.steps[1].commands[0].text.startswith("patronictl -c /etc/patroni.yml")
    assert [c.text for c in failover.steps[2].commands] == [
        "kubectl -n shop rollout restart deployment/checkout"
    ]
    assert ("rpo", 300.0) in {(s.metric, s.value) for s in book.slos}
