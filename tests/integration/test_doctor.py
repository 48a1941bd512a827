"""`cockpit doctor` against a real Prometheus: good queries pass, a bad one and an unreachable
server fail with their reason, and the exit status says whether everything passed."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.test_prometheus_source import ERRORS, P95, PromServer, prometheus

pytestmark = pytest.mark.slow
__all__ = ["prometheus"]


def doctor(config: str, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "cockpit.toml"
    path.write_text(config)
    return subprocess.run(
        [sys.executable, "-m", "cockpit", "--config", str(path), "--db",
         str(tmp_path / "t.db"), "doctor", *args],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_good_queries_pass_and_exit_0(prometheus: PromServer, tmp_path: Path) -> None:
    done = doctor(
        f'[prometheus]\nurl = "{prometheus.url}"\n'
        f"[panels.latency]\np95_query = '{P95}'\n"
        f"[panels.error_rate]\nquery = '{ERRORS}'\n",
        tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Latency (prometheus)" in done.stdout and "✓ ok" in done.stdout
    assert "t.db does not exist yet; created on first use" in done.stdout
    assert "all 3 checks passed" in done.stdout
    assert not (tmp_path / "t.db").exists()  # checking never creates the timeline


def test_a_bad_query_and_an_unreachable_server_fail_with_reasons(
    prometheus: PromServer, tmp_path: Path
) -> None:
    done = doctor(
        f'[prometheus]\nurl = "{prometheus.url}"\n[panels.queue]\nquery = "sum(rate(x[5m]"\n',
        tmp_path,
        "--json",
    )
    assert done.returncode == 1
    report = json.loads(done.stdout)
    queue = next(c for c in report["checks"] if c["name"].startswith("Queue depth"))
    assert not queue["ok"] and "bad query" in queue["detail"].lower()
    gone = doctor(
        '[prometheus]\nurl = "http://127.0.0.1:9"\ntimeout = "2s"\n[panels.queue]\nquery = "q"\n',
        tmp_path,
    )
    assert gone.returncode == 1 and "127.0.0.1:9" in gone.stdout and "✗ FAIL" in gone.stdout


def test_demo_passes() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "doctor", "--demo"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and "all 8 checks passed" in done.stdout, done.stdout
