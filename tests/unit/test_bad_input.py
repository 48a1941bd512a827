"""Bad input, end to end through the command line: each case gets one clear message naming the
file and what is wrong, the right exit code, no traceback, and nothing modified."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest


@dataclass(frozen=True)
class Case:
    name: str
    files: dict[str, str]
    args: tuple[str, ...]
    exit_code: int
    says: tuple[str, ...]
    env: dict[str, str] = field(default_factory=dict)


CASES = [
    Case(
        "config: not TOML",
        {"c.toml": "[cockpit\nrefresh = 5\n"},
        ("config", "check", "{c.toml}"),
        2,
        ("invalid config", "c.toml", "TOML syntax error", "line 1"),
    ),
    Case(
        "config: misspelt key",
        {"c.toml": '[cockpit]\nrefrsh = "5s"\n'},
        ("config", "check", "{c.toml}"),
        2,
        ("cockpit.refrsh", "did you mean", "refresh"),
    ),
    Case(
        "config: wrong type",
        {"c.toml": '[panels.latency]\nsource = "demo"\np95_slo = "fast"\n'},
        ("--config", "{c.toml}", "snapshot"),
        2,
        ("panels.latency.p95_slo", "expected a duration", "'fast'"),
    ),
    Case(
        "config: custom metric with warn above crit",
        {
            "c.toml": '[prometheus]\nurl = "http://127.0.0.1:9"\n[[panels.custom]]\n'
            'name = "db_conns"\nquery = "pg_stat_activity_count"\ncrit = 80\nwarn = 90\n'
        },
        ("config", "check", "{c.toml}"),
        2,
        ("panels.custom.0", "warn (90) must be below crit (80)"),
    ),
    Case(
        "config: custom metric name with a space",
        {
            "c.toml": '[prometheus]\nurl = "http://127.0.0.1:9"\n[[panels.custom]]\n'
            'name = "db conns"\nquery = "up"\n'
        },
        ("config", "check", "{c.toml}"),
        2,
        ("panels.custom.0.name", "db conns"),
    ),
    Case(
        "config: custom metric without [prometheus]",
        {"c.toml": '[[panels.custom]]\nname = "db_conns"\nquery = "up"\n'},
        ("config", "check", "{c.toml}"),
        2,
        ("custom_db_conns", "no [prometheus] table"),
    ),
    Case(
        "config: shell string as a command",
        {
            "c.toml": '[[actions.rollback_commands]]\nworkload = "deployment/x"\n'
            'argv = ["helm rollback x"]\n'
        },
        ("config", "check", "{c.toml}"),
        2,
        ("actions.rollback_commands.0.argv", "not a shell string"),
    ),
    Case(
        "config: unknown binding id",
        {"c.toml": '[keys]\n"incident.nte" = "n"\n'},
        ("config", "check", "{c.toml}"),
        2,
        ("unknown binding id 'incident.nte'", "did you mean 'incident.note'"),
    ),
    Case(
        "config: missing file",
        {},
        ("config", "check", "{dir}/nope.toml"),
        2,
        ("nope.toml",),
    ),
    Case(
        "kubeconfig: broken YAML",
        {"kc": "clusters: [\n", "c.toml": "[panels.pods]\n"},
        ("--config", "{c.toml}", "snapshot"),
        0,  # a source failing is a panel state, not a failed command
        ("kubeconfig", "kc is not valid YAML", "line 2"),
        {"KUBECONFIG": "{kc}"},
    ),
    Case(
        "kubeconfig: unknown context",
        {
            "kc": "apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n",
            "c.toml": "[panels.pods]\n",
        },
        ("--config", "{c.toml}", "--context", "prod", "snapshot"),
        0,
        ("prod",),
        {"KUBECONFIG": "{kc}"},
    ),
    Case(
        "prometheus: nobody listening",
        {
            "c.toml": '[prometheus]\nurl = "http://127.0.0.1:9"\ntimeout = "2s"\n'
            '[panels.queue]\nquery = "q"\n'
        },
        ("--config", "{c.toml}", "snapshot"),
        0,
        ("! ERROR", "127.0.0.1:9"),
    ),
    Case(
        "import: not JSON",
        {"e.json": "{not json"},
        ("import", "{e.json}", "--db", "{dir}/t.db"),
        1,
        ("e.json",),
    ),
    Case(
        "import: wrong schema",
        {"e.json": '{"schema": 1}'},
        ("import", "{e.json}", "--db", "{dir}/t.db"),
        1,
        ("e.json", "schema"),
    ),
    Case(
        "timeline: not a database",
        {"t.db": "this is not sqlite" * 40},
        ("incident", "list", "--db", "{t.db}"),
        1,
        ("not a usable incident timeline", "was not modified", "mv "),
    ),
    Case(
        "export: no such incident",
        {},
        ("export", "deadbeef", "--db", "{dir}/t.db"),
        1,
        ("deadbeef",),
    ),
]


def fill(text: str, paths: dict[str, str]) -> str:
    for name, path in paths.items():
        text = text.replace("{" + name + "}", path)
    return text


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_bad_input_gets_a_clear_message(case: Case, tmp_path: Path) -> None:
    paths = {"dir": str(tmp_path)}
    for name, text in case.files.items():
        (tmp_path / name).write_text(text)
        paths[name] = str(tmp_path / name)
    before = {name: (tmp_path / name).read_bytes() for name in case.files}
    env = {**os.environ, **{k: fill(v, paths) for k, v in case.env.items()}}
    args = [fill(a, paths) for a in case.args]
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    assert done.returncode == case.exit_code, output
    for fragment in case.says:
        assert fragment in output, f"{fragment!r} not in:\n{output}"
    after = {name: (tmp_path / name).read_bytes() for name in case.files}
    assert after == before, "bad input files must never be modified"
