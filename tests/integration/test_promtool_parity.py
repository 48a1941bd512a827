"""What the cockpit shows equals what Prometheus' own `promtool query instant` returns for the
same expressions (through `cockpit snapshot --json`, as a script would read it)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import require_tool
from tests.integration.test_prometheus_source import ERRORS, P50, P95, PromServer, prometheus

pytestmark = pytest.mark.slow
__all__ = ["prometheus"]

VALUE = re.compile(r"=>\s*([-+0-9.eE]+|NaN)\s*@")


def promtool_value(url: str, expr: str) -> float:
    done = subprocess.run(
        [require_tool("promtool"), "query", "instant", url, expr],
        capture_output=True, text=True, timeout=60, check=True,
    )  # fmt: skip
    match = VALUE.search(done.stdout)
    assert match, done.stdout
    return float(match.group(1))


def test_snapshot_values_equal_promtool(prometheus: PromServer, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text(
        f'[prometheus]\nurl = "{prometheus.url}"\n'
        f"[panels.latency]\np50_query = '{P50}'\np95_query = '{P95}'\n"
        f"[panels.error_rate]\nquery = '{ERRORS}'\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "cockpit", "--config", str(config), "snapshot", "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    panels = {p["panel"]: p for p in json.loads(done.stdout)["panels"]}
    shown = {m["key"]: m["value"] for p in panels.values() for m in p["measures"]}
    # The exporter's counters move by the same amounts every scrape, so the expressions are
    # stable from one evaluation to the next and can be compared exactly (up to float noise).
    assert shown["p50"] == pytest.approx(promtool_value(prometheus.url, P50), rel=1e-6)
    assert shown["p95"] == pytest.approx(promtool_value(prometheus.url, P95), rel=1e-6)
    assert shown["error_ratio"] == pytest.approx(
        promtool_value(prometheus.url, ERRORS), rel=1e-6
    )
