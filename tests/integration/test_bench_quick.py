"""The benchmark command runs end to end and reports every figure; speed is not asserted here."""

from __future__ import annotations

import functools
import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"

# Stable names: the JSON is meant to be compared across machines and commits.
PTY_FIGURES = (
    "first frame, cockpit --demo",
    "first paint, cockpit --demo (layout, before data)",
    "idle output, cockpit --demo",
    "idle CPU, cockpit --demo",
    "first frame, real config, sources not answering",
    "idle CPU, 20 metric panels at 5 s (real Prometheus)",
    "first real data after first frame (latency + 50 pods)",
    "first real data: latency from Prometheus",
    "first real data: 50 pods from the API server",
)
WITH_PEER = (
    "first frame, cockpit --demo",
    "idle output, cockpit --demo",
    "idle CPU, cockpit --demo",
)
# The timeline figures carry the data-set size in their names ("10k events" in a quick run).
TIMELINE_PREFIXES = (
    "timeline note durable p50",
    "timeline note durable p99",
    "timeline insert rate",
    "timeline open + newest 500",
    "timeline search, rare word",
    "timeline search, common words",
)
# The pods figures too ("2,000 pods" in a quick run); kubectl is the peer where installed.
KUBE_SUFFIXES = (
    ": read + table shown",
    ": table fill (main thread)",
    ": watch batch of 1,000 events (main thread)",
    ": peak RSS",
)


@functools.cache
def _load(name: str) -> ModuleType:
    # bench/ is a folder of scripts, not a package: load the module from its file. Dataclasses
    # look their module up in sys.modules while the class is built, so register it first.
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@pytest.mark.slow
def test_quick_run_reports_every_figure(tmp_path: Path) -> None:
    report_path = tmp_path / "bench.json"
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--quick", "--json", str(report_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_path.read_text())
    rows = {row["figure"]: row for row in report["rows"]}
    errors = {name: row["error"] for name, row in rows.items() if row["error"]}
    assert not errors, f"figures not measured: {errors}\n{done.stdout}"
    for name in PTY_FIGURES:
        assert name in rows, f"{name!r} missing from {sorted(rows)}"
        assert _is_number(rows[name]["value"]), rows[name]
    for name in WITH_PEER:
        assert _is_number(rows[name]["peer"]), rows[name]
    for prefix in TIMELINE_PREFIXES:
        matches = [row for name, row in rows.items() if name.startswith(prefix)]
        assert len(matches) == 1, f"{prefix!r}: {sorted(rows)}"
        assert _is_number(matches[0]["value"]), matches[0]
    for suffix in KUBE_SUFFIXES:
        matches = [row for name, row in rows.items() if name.endswith(suffix)]
        assert len(matches) == 1, f"{suffix!r}: {sorted(rows)}"
        assert _is_number(matches[0]["value"]), matches[0]
    assert rows["first frame, cockpit --demo"]["budget"] == 1000.0
    first_data = rows["first real data after first frame (latency + 50 pods)"]
    assert first_data["budget"] == 1000.0
    if shutil.which("kubectl"):
        assert _is_number(first_data["peer"]) and first_data["peer_name"] == "kubectl get pods"
    assert len(first_data["detail"]["runs_ms"]) == report["settings"]["runs"]
    assert rows["timeline note durable p99"]["budget"] == 20.0
    (batch,) = [row for name, row in rows.items() if "watch batch" in name]
    assert batch["budget"] == 50.0 and batch["detail"]["wall_ms"]
    machine = report["machine"]
    for key in ("platform", "cpu_count", "python", "textual", "date_utc"):
        assert machine[key], machine
    # The printed table has the same rows as the JSON.
    for name in rows:
        assert name in done.stdout


def test_screen_follows_cursor_addressing_and_erasing() -> None:
    screen = _load("vtscreen").Screen(columns=20, lines=4)
    screen.feed(b"\x1b[?1049h\x1b[2;3H\x1b[1;38;2;1;2;3mhello\x1b[0m world")
    screen.feed(b"\x1b[3;1Hxxxxx\x1b[3;3H\x1b[K")
    assert screen.display() == ["", "  hello world", "xx", ""]


def test_screen_handles_split_sequences_wide_characters_and_wrapping() -> None:
    screen = _load("vtscreen").Screen(columns=11, lines=3)
    data = "\x1b]0;title\x07✗ CRIT 日本\x1b[2;10Habcd".encode()
    # Byte by byte: a read may end inside a UTF-8 character or an escape sequence.
    for n in range(len(data)):
        screen.feed(data[n : n + 1])
    assert screen.display() == ["✗ CRIT 日本", "         ab", "cd"]


def test_screen_counts_writes_that_change_nothing() -> None:
    screen = _load("vtscreen").Screen(columns=10, lines=2)
    screen.feed(b"\x1b[1;1Habc")
    screen.reset_stats()
    screen.feed(b"\x1b[1;1Habd")
    assert sum(screen.stats.writes[0]) == 3
    assert sum(screen.stats.changes[0]) == 1
