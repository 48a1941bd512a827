"""The project's benchmarks in one table: start-up, idle cost and the timeline store.

    python bench/run.py [--quick] [--json FILE]

Run it with the project's Python (`.venv/bin/python bench/run.py`): the cockpit, the peer apps
and Textual all come from the environment that Python belongs to. Every terminal figure is
taken in a real pty of 80x24 (see bench/ptyrun.py); bench/README.md says what each figure
means. The exit status is 0 whatever the figures are: a budget missed is a finding to read,
not a build to break. A figure that could not be measured is an ERROR row, never left out.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import socket
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import first_data
import kube_bench
import timeline_bench
from prom_server import self_scraping_prometheus
from ptyrun import PtyProcess
from vtscreen import Screen

BENCH_DIR = Path(__file__).resolve().parent
COLUMNS, LINES = 80, 24

# Budgets from DESIGN.md ("Budgets"); KB is 1000 bytes.
FIRST_FRAME_BUDGET_MS = 1000.0
IDLE_OUTPUT_BUDGET_KBS = 10.0
IDLE_CPU_BUDGET_PCT = 5.0
NOTE_DURABLE_P99_BUDGET_MS = 20.0
# How long a child may take to reach the screen being waited for before it counts as failed.
START_TIMEOUT = 30.0

PANEL_TITLES = ("Latency", "Error rate", "Queue depth", "Backup freshness", "Pods")

FIRST_FRAME = "first frame, cockpit --demo"
FIRST_PAINT = "first paint, cockpit --demo (layout, before data)"
SILENT_FRAME = "first frame, real config, sources not answering"
IDLE_OUTPUT = "idle output, cockpit --demo"
IDLE_CPU = "idle CPU, cockpit --demo"
TIMELINE = "timeline figures"
KUBE = "10,000 pods figures"  # list, table fill, watch batch, memory
METRICS_CPU = "idle CPU, 20 metric panels at 5 s (real Prometheus)"
METRIC_PANELS = 20
# Real PromQL of several shapes (rates, quantiles, gauges, several series) over Prometheus' own
# metrics, repeated to make up the twenty.
METRIC_QUERIES = (
    "sum(rate(prometheus_http_requests_total[1m]))",
    "histogram_quantile(0.95, sum by (le) "
    "(rate(prometheus_http_request_duration_seconds_bucket[1m])))",
    "process_resident_memory_bytes",
    "go_goroutines",
    "rate(process_cpu_seconds_total[1m])",
    "prometheus_tsdb_head_series",
    "sum by (handler) (rate(prometheus_http_requests_total[1m]))",
    "up",
    "scrape_duration_seconds",
    "go_memstats_heap_inuse_bytes",
)


@dataclass(frozen=True)
class Settings:
    runs: int
    settle: float  # seconds after the first frame before the idle window opens
    window: float  # seconds the idle window lasts

    @classmethod
    def for_mode(cls, quick: bool) -> Settings:
        return cls(runs=2, settle=1.0, window=4.0) if quick else cls(5, 2.0, 10.0)


@dataclass
class Row:
    figure: str
    unit: str
    value: float | None = None
    budget: float | None = None
    budget_kind: str = "max"  # "max": the value must stay under it; "min": reach it
    peer: float | None = None
    peer_name: str | None = None
    error: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def ratio(self) -> float | None:
        if self.value is None or not self.peer:
            return None
        return self.value / self.peer

    @property
    def passed(self) -> bool | None:
        if self.value is None or self.budget is None:
            return None
        if self.budget_kind == "min":
            return self.value >= self.budget
        return self.value < self.budget

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ratio"] = None if self.ratio is None else round(self.ratio, 3)
        data["pass"] = self.passed
        return data


# ---- what is measured ---------------------------------------------------------------------


def cockpit_argv(*extra: str) -> list[str]:
    # The console script is what a person types; fall back to -m when it is not installed.
    script = Path(sys.executable).with_name("cockpit")
    if script.exists():
        return [str(script), "--demo", *extra]
    return [sys.executable, "-m", "cockpit", "--demo", *extra]


def cockpit_idle_argv() -> list[str]:
    # The budget is stated at a 1 s refresh; say so rather than rely on the demo's default.
    return cockpit_argv("--refresh", "1")


def hello_argv() -> list[str]:
    return [sys.executable, str(BENCH_DIR / "hello_app.py")]


def redraw_argv() -> list[str]:
    return [sys.executable, str(BENCH_DIR / "full_redraw.py")]


def layout_drawn(screen: Screen) -> bool:
    text = screen.text()
    # The footer is drawn with the layout; its first key is never cut at 80 columns.
    return all(title in text for title in PANEL_TITLES) and "? Keys" in text


def dashboard_drawn(screen: Screen) -> bool:
    # Panels with the demo's readings in them: a status word and a pod row, not placeholders.
    text = screen.text()
    return layout_drawn(screen) and "CRIT" in text and "checkout-" in text


def hello_drawn(screen: Screen) -> bool:
    return "hello" in screen.text()


def pods_table_drawn(screen: Screen) -> bool:
    text = screen.text()
    return "kubectl get pods" in text and "NAME" in text


def progress(message: str) -> None:
    print(f"  {message}", file=sys.stderr, flush=True)


def time_to_screens(
    argv: list[str], conditions: dict[str, Callable[[Screen], bool]]
) -> dict[str, float]:
    """Seconds from spawn until each condition first held on the screen, in one run."""
    with PtyProcess(argv, columns=COLUMNS, lines=LINES) as child:
        for name, condition in conditions.items():
            child.watch(name, condition)
        return {name: child.wait_for(name, START_TIMEOUT) for name in conditions}


@dataclass
class Idle:
    bytes_per_s: float
    cpu_percent: float
    cells_written_per_s: float
    cells_changed_per_s: float
    rows_rewritten: list[int]  # rows of which nearly every cell was written once a second


def measure_idle(argv: list[str], ready: Callable[[Screen], bool], settings: Settings) -> Idle:
    with PtyProcess(argv, columns=COLUMNS, lines=LINES) as child:
        child.watch("ready", ready)
        child.wait_for("ready", START_TIMEOUT)
        time.sleep(settings.settle)
        t0, bytes0, cpu0 = child.sample(reset_stats=True)
        time.sleep(settings.window)
        t1, bytes1, cpu1 = child.sample()
        if not child.alive():
            raise RuntimeError(f"{argv[-1]} exited during the idle window")
        elapsed = t1 - t0
        stats = child.screen.stats
        written = sum(map(sum, stats.writes))
        changed = sum(map(sum, stats.changes))
        # A row counts when at least ~a full row's worth of cells was written per second.
        min_writes = 0.9 * COLUMNS * max(1, int(elapsed))
        rewritten = [row for row, cells in enumerate(stats.writes) if sum(cells) >= min_writes]
        return Idle(
            bytes_per_s=(bytes1 - bytes0) / elapsed,
            cpu_percent=100 * (cpu1 - cpu0) / elapsed,
            cells_written_per_s=written / elapsed,
            cells_changed_per_s=changed / elapsed,
            rows_rewritten=rewritten,
        )


def _error_text(exc: BaseException) -> str:
    first = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {first[0] if first else ''}".rstrip(": ")


def startup_rows(settings: Settings) -> list[Row]:
    frame = Row(FIRST_FRAME, "ms", budget=FIRST_FRAME_BUDGET_MS, peer_name="hello app")
    paint = Row(FIRST_PAINT, "ms", peer_name="hello app")
    cockpit_runs: dict[str, list[float]] = {"frame": [], "paint": []}
    hello_runs: list[float] = []
    cockpit_error: str | None = None
    hello_error: str | None = None
    conditions = {"paint": layout_drawn, "frame": dashboard_drawn}
    # Run 0 warms the page cache and the bytecode cache and is not counted: the figures are
    # what a person sees on the second and later starts. Cockpit and peer alternate, so a
    # slow moment of the machine is shared between them.
    for run in range(settings.runs + 1):
        label = "warm-up" if run == 0 else f"{run}/{settings.runs}"
        progress(f"first frame {label}")
        if cockpit_error is None:
            try:
                times = time_to_screens(cockpit_argv(), conditions)
                if run:
                    for name, seconds in times.items():
                        cockpit_runs[name].append(seconds * 1000)
            except Exception as exc:
                cockpit_error = _error_text(exc)
        if hello_error is None:
            try:
                seconds = time_to_screens(hello_argv(), {"hello": hello_drawn})["hello"]
                if run:
                    hello_runs.append(seconds * 1000)
            except Exception as exc:
                hello_error = _error_text(exc)
    peer = statistics.median(hello_runs) if hello_runs and hello_error is None else None
    for row, key in ((frame, "frame"), (paint, "paint")):
        row.peer = None if peer is None else round(peer, 1)
        row.detail = {"runs_ms": [round(v, 1) for v in cockpit_runs[key]],
                      "peer_runs_ms": [round(v, 1) for v in hello_runs]}  # fmt: skip
        if hello_error:
            row.detail["peer_error"] = hello_error
        if cockpit_error:
            row.error = cockpit_error
        else:
            row.value = round(statistics.median(cockpit_runs[key]), 1)
    return [frame, paint]


def silent_config_rows(settings: Settings) -> list[Row]:
    """First frame with a real config whose Prometheus and Kubernetes API accept connections
    and never answer: the dashboard must draw before any source does."""
    row = Row(SILENT_FRAME, "ms", budget=FIRST_FRAME_BUDGET_MS)
    silent = [socket.create_server(("127.0.0.1", 0)) for _ in range(2)]
    try:
        with tempfile.TemporaryDirectory(prefix="cockpit-bench-") as tmp:
            prom_port, kube_port = (s.getsockname()[1] for s in silent)
            config = Path(tmp) / "cockpit.toml"
            config.write_text(
                f'[prometheus]\nurl = "http://127.0.0.1:{prom_port}"\n'
                "[panels.pods]\n"
                '[panels.latency]\np95_query = "p95"\n'
                '[panels.error_rate]\nquery = "errors"\n'
                '[panels.queue]\nquery = "depth"\n'
                '[panels.backup]\nquery = "last_success"\n'
            )
            kubeconfig = Path(tmp) / "kubeconfig"
            kubeconfig.write_text(
                "apiVersion: v1\nkind: Config\ncurrent-context: silent\n"
                f"clusters: [{{name: silent, cluster: {{server: 'http://127.0.0.1:{kube_port}'}}}}]\n"
                "users: [{name: u, user: {token: t}}]\n"
                "contexts: [{name: silent, context: {cluster: silent, user: u}}]\n"
            )
            argv = [*cockpit_argv()[:-1], "--config", str(config)]
            old = os.environ.get("KUBECONFIG")
            os.environ["KUBECONFIG"] = str(kubeconfig)
            try:
                runs = []
                for run in range(settings.runs + 1):
                    progress(f"first frame, silent sources {run}/{settings.runs}")
                    seconds = time_to_screens(argv, {"frame": layout_drawn})["frame"]
                    if run:
                        runs.append(seconds * 1000)
            finally:
                if old is None:
                    os.environ.pop("KUBECONFIG", None)
                else:
                    os.environ["KUBECONFIG"] = old
            row.value = round(statistics.median(runs), 1)
            row.detail = {"runs_ms": [round(v, 1) for v in runs]}
    except Exception as exc:
        row.error = _error_text(exc)
    finally:
        for sock in silent:
            sock.close()
    return [row]


def idle_rows(settings: Settings) -> list[Row]:
    output = Row(IDLE_OUTPUT, "KB/s", budget=IDLE_OUTPUT_BUDGET_KBS, peer_name="full redraw")
    cpu = Row(IDLE_CPU, "%", budget=IDLE_CPU_BUDGET_PCT, peer_name="hello app")
    progress(f"idle: cockpit --demo, {settings.window:g} s")
    try:
        idle = measure_idle(cockpit_idle_argv(), dashboard_drawn, settings)
        output.value = round(idle.bytes_per_s / 1000, 2)
        cpu.value = round(idle.cpu_percent, 2)
        output.detail = {
            "bytes_per_s": round(idle.bytes_per_s),
            "cells_written_per_s": round(idle.cells_written_per_s),
            "cells_changed_per_s": round(idle.cells_changed_per_s),
            "rows_rewritten_every_second": idle.rows_rewritten,
        }
    except Exception as exc:
        output.error = cpu.error = _error_text(exc)
    progress(f"idle: full redraw peer, {settings.window:g} s")
    try:
        redraw = measure_idle(redraw_argv(), pods_table_drawn, settings)
        output.peer = round(redraw.bytes_per_s / 1000, 2)
    except Exception as exc:
        output.detail["peer_error"] = _error_text(exc)
    progress(f"idle: hello app peer, {settings.window:g} s")
    try:
        hello = measure_idle(hello_argv(), hello_drawn, settings)
        cpu.peer = round(hello.cpu_percent, 2)
        cpu.detail["peer_bytes_per_s"] = round(hello.bytes_per_s)
    except Exception as exc:
        cpu.detail["peer_error"] = _error_text(exc)
    return [output, cpu]


def metric_panels_drawn(screen: Screen) -> bool:
    text = screen.text()
    return f"{METRIC_PANELS} metrics" in text and "OK" in text


def metrics_rows(settings: Settings) -> list[Row]:
    """Idle CPU with twenty custom metric panels, each its own source every 5 s, against a
    real Prometheus: the cost of many sources, their HTTP and JSON, and their table rows."""
    row = Row(METRICS_CPU, "%", budget=IDLE_CPU_BUDGET_PCT)
    progress(f"idle: {METRIC_PANELS} metric panels against a real Prometheus")
    try:
        with self_scraping_prometheus() as url, tempfile.TemporaryDirectory() as tmp:
            config = Path(tmp) / "cockpit.toml"
            lines = ['[cockpit]\nrefresh = "5s"\n', f'[prometheus]\nurl = "{url}"\n']
            for n in range(METRIC_PANELS):
                query = METRIC_QUERIES[n % len(METRIC_QUERIES)]
                lines.append(
                    f'[[panels.custom]]\nname = "m{n:02d}"\nquery = \'{query}\'\n'
                    'interval = "5s"\ncrit = 1e15\n'
                )
            config.write_text("".join(lines))
            argv = [*cockpit_argv()[:-1], "--config", str(config)]
            # Two full rounds of reads before the window, and a window of several rounds.
            quick = settings.window < 10
            wide = Settings(settings.runs, settle=6.0 if quick else 10.0,
                            window=10.0 if quick else 30.0)  # fmt: skip
            idle = measure_idle(argv, metric_panels_drawn, wide)
            row.value = round(idle.cpu_percent, 2)
            row.detail = {"bytes_per_s": round(idle.bytes_per_s), "window_s": wide.window,
                          "panels": METRIC_PANELS, "interval_s": 5}  # fmt: skip
    except Exception as exc:
        row.error = _error_text(exc)
    return [row]


def timeline_rows(quick: bool) -> list[Row]:
    progress("timeline store")
    try:
        figures = timeline_bench.measure(quick)
    except Exception as exc:
        return [Row(TIMELINE, "-", error=_error_text(exc))]
    rows = []
    for figure in figures:
        budget = figure["budget"]
        if figure["figure"] == "timeline note durable p99":
            budget = NOTE_DURABLE_P99_BUDGET_MS
        rows.append(
            Row(
                figure["figure"],
                figure["unit"],
                value=figure["value"],
                budget=budget,
                # timeline_bench's own rule: a rate must reach its budget, a time stay under.
                budget_kind="min" if figure["unit"] == "events/s" else "max",
            )
        )
    return rows


def first_data_rows(settings: Settings) -> list[Row]:
    """From the first frame to the first real numbers: a real Prometheus and the fake API
    server on loopback, `kubectl get pods` against the same server as the peer."""
    progress("first real data: a real Prometheus and 50 pods on the fake API server")
    try:
        figures = first_data.measure(cockpit_argv()[:-1], settings.runs)
    except Exception as exc:
        return [Row(first_data.FIRST_DATA, "ms", budget=first_data.BUDGET_MS,
                    error=_error_text(exc))]  # fmt: skip
    return _figure_rows(figures)


def kube_rows(quick: bool) -> list[Row]:
    progress("pods on the fake Kubernetes API server (cockpit and kubectl)")
    try:
        figures = kube_bench.measure(quick)
    except Exception as exc:
        return [Row(KUBE, "-", error=_error_text(exc))]
    return _figure_rows(figures)


def _figure_rows(figures: list[dict[str, Any]]) -> list[Row]:
    """Rows from a probe's figures (kube_bench, first_data): one shape for both."""
    return [
        Row(
            f["figure"],
            f["unit"],
            value=f["value"],
            budget=f["budget"],
            peer=f["peer"],
            peer_name=f["peer_name"] or None,
            detail=f.get("detail", {}),
        )
        for f in figures
    ]


# ---- reporting ----------------------------------------------------------------------------


def _number(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def _cell(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    return f"{_number(value)} {unit}" if unit != "%" else f"{_number(value)} %"


def table(rows: list[Row]) -> str:
    header = ("figure", "value", "budget", "peer", "ratio", "pass")
    lines: list[tuple[str, ...]] = []
    for row in rows:
        budget = "-"
        if row.budget is not None:
            sign = "≥" if row.budget_kind == "min" else "<"
            budget = f"{sign} {_cell(row.budget, row.unit)}"
        peer = "-"
        if row.peer is not None:
            peer = f"{_cell(row.peer, row.unit)} ({row.peer_name})"
        elif "peer_error" in row.detail:
            peer = f"ERROR ({row.peer_name})"
        if row.error:
            lines.append((row.figure, "ERROR", budget, peer, "-", "ERROR"))
            continue
        ratio = "-" if row.ratio is None else f"{row.ratio:.2f}x"
        verdict = {None: "-", True: "yes", False: "NO"}[row.passed]
        lines.append((row.figure, _cell(row.value, row.unit), budget, peer, ratio, verdict))
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(len(header))]
    right = {1, 2, 4}  # numbers line up on the right

    def fmt(line: tuple[str, ...]) -> str:
        cells = [
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(line)
        ]
        return " | ".join(cells).rstrip()

    out = [fmt(header), "-+-".join("-" * w for w in widths)]
    out += [fmt(line) for line in lines]
    for row in rows:
        if row.error:
            out.append(f"ERROR {row.figure}: {row.error}")
        if "peer_error" in row.detail:
            out.append(f"ERROR peer of {row.figure}: {row.detail['peer_error']}")
    return "\n".join(out)


def repaint_note(rows: list[Row]) -> str | None:
    """Where the idle bytes go, when the screen's own counters can tell."""
    detail = next((r.detail for r in rows if r.figure == IDLE_OUTPUT and not r.error), None)
    if not detail or "cells_written_per_s" not in detail:
        return None
    written, changed = detail["cells_written_per_s"], detail["cells_changed_per_s"]
    share = 100 * changed / written if written else 0.0
    rewritten = detail["rows_rewritten_every_second"]
    rows_text = _ranges(rewritten) if rewritten else "none"
    return (
        f"idle repaint: {written:,} cells written per second, {changed:,} of them changed"
        f" ({share:.1f} %); screen rows rewritten every second: {rows_text} of 0-{LINES - 1}"
    )


def _ranges(values: list[int]) -> str:
    spans: list[str] = []
    start = prev = values[0]
    for value in [*values[1:], None]:
        if value is not None and value == prev + 1:
            prev = value
            continue
        spans.append(f"{start}" if start == prev else f"{start}-{prev}")
        if value is not None:
            start = prev = value
    return ", ".join(spans)


def load_average() -> float | None:
    try:
        return os.getloadavg()[0]
    except OSError:
        return None


def busy_warning(load: float | None) -> str | None:
    # Other work on the machine inflates start-up and idle CPU; say so next to the figures.
    cpus = os.cpu_count() or 1
    if load is None or load < 0.5 * cpus:
        return None
    return (
        f"warning: the machine was busy (load average {load:.1f} on {cpus} CPUs when the run"
        " started): times and CPU figures are inflated"
    )


def machine_info() -> dict[str, Any]:
    cpu_model = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu_model = next(
                (line.split(":", 1)[1].strip() for line in info if line.startswith("model name")),
                "",
            )
    except OSError:
        pass

    def version(dist: str) -> str | None:
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "date_utc": datetime.now(UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": cpu_model,
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "textual": version("textual"),
        "incident_cockpit": version("incident-cockpit"),
        "terminal": f"pty {COLUMNS}x{LINES}, TERM=xterm-256color, COLORTERM=truecolor",
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="fewer runs and shorter windows (about 20 s in all)"
    )
    parser.add_argument(
        "--json",
        metavar="FILE",
        type=Path,
        help="also write the rows and the machine's details to FILE",
    )
    args = parser.parse_args(argv)
    settings = Settings.for_mode(args.quick)
    started = time.monotonic()
    load_before = load_average()
    rows = [
        *startup_rows(settings),
        *silent_config_rows(settings),
        *first_data_rows(settings),
        *idle_rows(settings),
        *metrics_rows(settings),
        *timeline_rows(args.quick),
        *kube_rows(args.quick),
    ]
    print(table(rows))
    note = repaint_note(rows)
    if note:
        print(note)
    warning = busy_warning(load_before)
    if warning:
        print(warning)
    print(f"({'quick' if args.quick else 'full'} run, {time.monotonic() - started:.0f} s;"
          f" first frames: median of {settings.runs};"
          f" idle: {settings.window:g} s window after {settings.settle:g} s settling)")  # fmt: skip
    if args.json:
        machine = machine_info()
        machine["load_average_1min"] = {"start": load_before, "end": load_average()}
        report = {
            "machine": machine,
            "quick": args.quick,
            "settings": asdict(settings),
            "commands": {
                "first frame": cockpit_argv(),
                "idle": cockpit_idle_argv(),
                "hello app": hello_argv(),
                "full redraw": redraw_argv(),
            },
            "rows": [row.as_json() for row in rows],
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
