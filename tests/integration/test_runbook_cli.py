"""`cockpit runbook import` and `show`, and the `[runbooks]` config they lead to."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from cockpit.cli.main import main
from cockpit.config.schema import ConfigError, load_config

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runbooks"
MESSY = Path(__file__).resolve().parents[1] / "support" / "runbooks"


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


@pytest.mark.parametrize(
    "runbook",
    [*sorted(EXAMPLES.glob("*.md")), *sorted(MESSY.iterdir())],
    ids=lambda p: p.name,
)
def test_import_proposes_a_snippet_that_config_check_accepts(runbook: Path, tmp_path: Path) -> None:
    proposed = run("runbook", "import", str(runbook))
    assert proposed.exit_code == 0, proposed.output
    config = tmp_path / "cockpit.toml"
    config.write_text(proposed.stdout)
    checked = run("config", "check", str(config))
    assert checked.exit_code == 0, f"{proposed.stdout}\n{checked.output}"


def test_import_of_the_api_runbook_carries_its_thresholds_links_and_boxes(
    tmp_path: Path,
) -> None:
    proposed = run("runbook", "import", str(EXAMPLES / "api-service.md"))
    text = proposed.stdout
    assert "Nothing was written" in text
    assert 'p95_slo = "300ms"' in text and "slo_percent = 1" in text
    assert 'runbook = "api-service.md#high-latency-p95--300ms"' in text
    assert 'argv = ["helm", "rollback", "checkout", "--namespace", "shop"]' in text
    assert 'triage = "5m"' in text
    assert "# line 15: p95 < 300ms" in text  # every value says where it came from
    config_file = tmp_path / "c.toml"
    config_file.write_text(text)
    config = load_config(config_file)
    latency = config.panels.latency
    assert latency is not None and latency.p95_slo == 0.3
    assert not latency.enabled  # no query yet: nothing polls until one is written
    assert config.runbooks.phases == {"triage": 300.0, "mitigate": 1800.0, "postmortem": 432000.0}
    health = config.panels.health
    assert health is not None and health.enabled
    assert health.checks[0].url == "https://checkout.shop.example.com/healthz"


def test_import_writes_only_a_new_file(tmp_path: Path) -> None:
    target = tmp_path / "proposal.toml"
    first = run("runbook", "import", str(EXAMPLES / "queue-consumer.md"), "-o", str(target))
    assert first.exit_code == 0 and "slo = 100" in target.read_text()
    target.write_text("# my own edits\n")
    again = run("runbook", "import", str(EXAMPLES / "queue-consumer.md"), "-o", str(target))
    assert again.exit_code == 1
    assert "exists; not overwritten" in again.output
    assert target.read_text() == "# my own edits\n"


def test_show_lists_sections_then_one_section_with_its_actions() -> None:
    outline = run("runbook", "show", str(EXAMPLES / "api-service.md"))
    assert outline.exit_code == 0
    assert "High latency (p95 > 300ms)  #high-latency-p95--300ms  [5 steps" in outline.stdout
    section = run("runbook", "show", str(EXAMPLES / "api-service.md"), "roll-back", "-n", "shop")
    assert section.exit_code == 0
    assert "$ kubectl rollout undo deployment/checkout -n shop --to-revision=3" in section.stdout
    assert "→ cockpit action: rollout undo deployment/checkout to revision 3" in section.stdout
    steps = run("runbook", "show", str(EXAMPLES / "queue-consumer.md"), "When the queue")
    assert "[ ] 1. Check the consumers are running" in steps.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["show", "missing.md"], "missing.md: no such file"),
        (["show", "EXAMPLES/api-service.md", "nope"], "no section 'nope'; sections: "),
        (["import", "EXAMPLES"], "is a directory"),
    ],
)
def test_bad_input_is_one_line_without_a_traceback(args: list[str], message: str) -> None:
    args = [a.replace("EXAMPLES", str(EXAMPLES)) for a in args]
    result = run("runbook", *args)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_a_file_too_large_to_be_a_runbook_is_refused_by_name(tmp_path: Path) -> None:
    from cockpit.runbooks.load import MAX_BYTES

    path = tmp_path / "huge.md"
    path.write_bytes(b"x" * (MAX_BYTES + 1))
    result = run("runbook", "import", str(path))
    assert result.exit_code == 1
    assert f"{path}: {MAX_BYTES + 1} bytes is too large for a runbook" in result.output
    assert "Traceback" not in result.output


def test_a_binary_file_is_shown_as_text_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "blob.md"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\xff\xfe")
    result = run("runbook", "show", str(path))
    assert result.exit_code == 0
    assert "not UTF-8" in result.output


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[runbooks]\ndir = ["x"]\n', 'runbooks.dir: unknown key; did you mean "dirs"?'),
        ('[runbooks.phases]\ntriag = "5m"\n', "unknown phase 'triag' (did you mean \"triage\"?)"),
        ('[runbooks.phases]\ntriage = "5 minutes"\n', "runbooks.phases.triage"),
        (
            '[panels.queue]\nsource = "demo"\nrunbook = "#steps"\n',
            'panels.queue.runbook: expected "FILE.md#section-slug"',
        ),
        ('[runbooks.alerts]\nHighLatency = "a b.md"\n', "runbooks.alerts.HighLatency"),
    ],
)
def test_runbook_config_mistakes_name_the_key(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert problem in caught.value.render()


def test_check_says_what_each_panel_opens_and_fails_on_a_link_to_nothing(tmp_path: Path) -> None:
    config = tmp_path / "cockpit.toml"
    config.write_text(
        f"""
[panels.queue]
source = "demo"
[panels.latency]
source = "demo"
runbook = "api-service.md#roll-back"
[runbooks]
dirs = ["{EXAMPLES}"]
alerts = {{ OrdersQueueBacklog = "queue-consumer.md#poison-messages" }}
"""
    )
    good = run("runbook", "check", "--config", str(config))
    assert good.exit_code == 0, good.output
    assert "panels.latency.runbook               → api-service.md#roll-back (linked)" in good.output
    assert "panels.queue.runbook                 → queue-consumer.md#when-the-queue-backs-up" in (
        good.output
    )
    assert "runbooks.alerts.OrdersQueueBacklog   → queue-consumer.md#poison-messages" in (
        good.output
    )
    config.write_text(config.read_text().replace("#roll-back", "#rollback-zz"))
    bad = run("runbook", "check", "--config", str(config))
    assert bad.exit_code == 1
    assert "NO SECTION matches 'api-service.md#rollback-zz'" in bad.output


def test_check_with_relative_dirs_reads_them_from_the_config_directory(tmp_path: Path) -> None:
    (tmp_path / "books").mkdir()
    (tmp_path / "books" / "db.md").write_text("# Backup late\n1. Re-run the backup job\n")
    (tmp_path / "cockpit.toml").write_text(
        '[panels.backup]\nsource = "demo"\n[runbooks]\ndirs = ["books"]\n'
    )
    result = run("runbook", "check", "--config", str(tmp_path / "cockpit.toml"))
    assert result.exit_code == 0, result.output
    assert "panels.backup.runbook                → db.md#backup-late" in result.output
