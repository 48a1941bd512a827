"""The command line as a script or another terminal would use it."""

from __future__ import annotations

import json
import subprocess
import sys

from cockpit import __version__


def cockpit(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cockpit", *args], capture_output=True,
                          text=True, timeout=120)


def test_version_and_help() -> None:
    assert cockpit("--version").stdout.strip() == f"cockpit, version {__version__}"
    helptext = cockpit("--help").stdout
    for option in ("--config", "--demo", "--read-only", "--theme", "--refresh", "--context",
                   "--namespace", "snapshot", "config"):
        assert option in helptext


def test_snapshot_demo_table() -> None:
    result = cockpit("snapshot", "--demo")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["PANEL", "MEASURE", "VALUE", "SLO", "STATUS", "AGE", "DETAIL"]
    body = "\n".join(lines[1:])
    for fragment in ("Latency", "p95", "< 300 ms", "✗ CRIT", "Backup freshness", "▲ WARN",
                     "CrashLoopBackOff"):
        assert fragment in body


def test_snapshot_json_is_complete_for_scripts() -> None:
    result = cockpit("--demo", "snapshot", "--json")
    assert result.returncode == 0, result.stderr
    doc = json.loads(result.stdout)
    assert doc["demo"] is True and doc["namespace"] == "shop"
    panels = {p["panel"]: p for p in doc["panels"]}
    assert set(panels) == {
        "pods", "latency", "error_rate", "queue", "backup", "alerts", "health"
    }
    assert "CheckoutHighErrorRate" in [a["name"] for a in panels["alerts"]["alerts"]]
    assert {c["name"]: c["ok"] for c in panels["health"]["checks"]} == {
        "healthz": True, "ready": False, "orders-db": True
    }
    p95 = next(m for m in panels["latency"]["measures"] if m["key"] == "p95")
    assert p95["slo"] == 0.3 and p95["unit"] == "seconds" and p95["status"] == "crit"
    assert p95["value"] > 0.3 and p95["display"].endswith("ms")
    assert panels["backup"]["status"] == "warn" and panels["backup"]["last_success"]
    assert all(p["age_seconds"] is not None for p in doc["panels"])
    assert len(panels["pods"]["pods"]) == 4
    (deploy,) = panels["pods"]["workloads"]
    assert deploy["name"] == "checkout" and deploy["desired"] == 4
    assert deploy["rolled_out"] is False and "replicas are available" in deploy["rollout"]


def test_snapshot_reports_unreachable_sources_without_failing(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = tmp_path / "c.toml"
    config.write_text(
        '[prometheus]\nurl = "http://127.0.0.1:9"\ntimeout = "2s"\n'
        '[panels.queue]\nsource = "prometheus"\nquery = "up"\ntimeout = "3s"\n'
        '[panels.latency]\nsource = "demo"\n'
    )
    result = cockpit("snapshot", "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    queue = next(line for line in result.stdout.splitlines() if line.startswith("Queue"))
    assert "! ERROR" in queue and "127.0.0.1:9" in queue
    assert "p95" in result.stdout  # the other panel still answered


def test_config_check_never_echoes_a_control_character_from_the_path(tmp_path) -> None:  # type: ignore[no-untyped-def]
    good = tmp_path / "ok\x1b]0;pwned\x07.toml"
    good.write_text('[cockpit]\nrefresh = "5s"\n')
    done = cockpit("config", "check", str(good))
    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout and "ok␛]0;pwned␇.toml: OK" in done.stdout
    bad = tmp_path / "bad\x1b[2J.toml"
    bad.write_text('[cockpit]\nrefresh = "0s"\n')
    done = cockpit("config", "check", str(bad))
    assert done.returncode == 2
    assert "\x1b" not in done.stderr and "bad␛[2J.toml" in done.stderr
