"""The Prometheus panels against a real Prometheus server scraping a test exporter.

Prometheus (the Debian package) runs on 127.0.0.1 with a temp storage dir and scrapes, every
second, a stdlib exporter whose numbers the test controls: so histogram_quantile, rate() and
query_range are Prometheus' own, not a re-implementation of them.
"""

from __future__ import annotations

import asyncio
import itertools
import math
import socket
import subprocess
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from cockpit.core.model import BackupInfo, Measure, Status, Threshold
from cockpit.sources.http.prometheus import (
    PrometheusBackup,
    PrometheusClient,
    PrometheusLatency,
    PrometheusValue,
)
from tests.conftest import require_tool

pytestmark = pytest.mark.slow

READY_WITHIN = 60.0  # seconds, for start-up and the first usable samples together
BACKUP_AGE = 3600.0

# Per scrape the exporter counts 100 requests into these cumulative buckets: p50 falls in
# (0.05, 0.1] and p95 in (0.25, 0.5], so histogram_quantile's interpolation is checked by range.
BUCKETS = (("0.05", 10), ("0.1", 60), ("0.25", 90), ("0.5", 98), ("1", 100), ("+Inf", 100))
REQUESTS_OK = 97
REQUESTS_5XX = 3
QUEUES = {"orders": 812, "emails": 40}

P50 = "histogram_quantile(0.5, sum by (le) (rate(http_request_duration_seconds_bucket[10s])))"
P95 = "histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[10s])))"
ERRORS = 'sum(rate(http_requests_total{code=~"5.."}[10s])) / sum(rate(http_requests_total[10s]))'

LATENCY = (
    Measure("p50", "p50", "seconds", Threshold(crit=0.15, warn=0.12)),
    Measure("p95", "p95", "seconds", Threshold(crit=0.3, warn=0.24)),
)
RATIO = (Measure("error_ratio", "5xx", "ratio", Threshold(crit=0.05, warn=0.02)),)
DEPTH = (Measure("depth", "depth", "count", Threshold(crit=1000, warn=500)),)
AGE = (Measure("age", "age", "age", Threshold(crit=36 * 3600, warn=12 * 3600)),)


class Exporter:
    """Text-format metrics whose counters advance by a fixed amount per scrape."""

    def __init__(self, backup_at: float) -> None:
        self.scrapes = 0
        self.backup_at = backup_at
        self.lock = threading.Lock()

    def render(self) -> bytes:
        with self.lock:
            self.scrapes += 1
            n = self.scrapes
        lines = [
            "# HELP http_request_duration_seconds Request latency.",
            "# TYPE http_request_duration_seconds histogram",
        ]
        lines += [
            f'http_request_duration_seconds_bucket{{le="{le}"}} {count * n}'
            for le, count in BUCKETS
        ]
        lines += [
            f"http_request_duration_seconds_sum {12.5 * n}",
            f"http_request_duration_seconds_count {100 * n}",
            "# HELP http_requests_total Requests by status code.",
            "# TYPE http_requests_total counter",
            f'http_requests_total{{code="200"}} {REQUESTS_OK * n}',
            f'http_requests_total{{code="500"}} {REQUESTS_5XX * n}',
            "# HELP queue_depth Messages waiting.",
            "# TYPE queue_depth gauge",
        ]
        lines += [f'queue_depth{{queue="{q}"}} {depth}' for q, depth in QUEUES.items()]
        lines += [
            "# HELP backup_last_success_timestamp_seconds Last good backup.",
            "# TYPE backup_last_success_timestamp_seconds gauge",
            f'backup_last_success_timestamp_seconds{{db="orders"}} {self.backup_at:.3f}',
        ]
        return ("\n".join(lines) + "\n").encode()


def _serve_exporter(exporter: Exporter) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            body = exporter.render()
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PromServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path
    started_in: float


def _poll_until_ready(server: PromServer, deadline: float) -> None:
    """Poll readiness, then until rate() has two samples; bounded by `deadline`."""
    checks = [
        ("/-/ready", None),
        ("/api/v1/query", {"query": f"count({P95} >= 0)"}),
        ("/api/v1/query", {"query": f"count({ERRORS} >= 0)"}),
        ("/api/v1/query", {"query": "count(queue_depth)"}),
    ]
    with httpx.Client(base_url=server.url, timeout=2) as http:
        for path, params in checks:
            while True:
                if server.process.poll() is not None:
                    pytest.fail(f"prometheus exited early:\n{server.log.read_text()[-3000:]}")
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"prometheus not ready within {READY_WITHIN:g}s ({path} {params}):\n"
                        f"{server.log.read_text()[-3000:]}"
                    )
                try:
                    response = http.get(path, params=params)
                    if response.status_code == 200 and (
                        params is None or response.json()["data"]["result"]
                    ):
                        break
                except httpx.TransportError:
                    pass
                # Polling interval, not synchronisation: the loop exits on the condition.
                time.sleep(0.2)


@pytest.fixture(scope="module")
def prometheus(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PromServer]:
    binary = require_tool("prometheus")
    root = tmp_path_factory.mktemp("prometheus")
    exporter = Exporter(backup_at=time.time() - BACKUP_AGE)
    httpd = _serve_exporter(exporter)
    target = f"127.0.0.1:{httpd.server_address[1]}"
    config = root / "prometheus.yml"
    config.write_text(
        "global:\n"
        "  scrape_interval: 1s\n"
        "  evaluation_interval: 1s\n"
        "scrape_configs:\n"
        "  - job_name: test-exporter\n"
        "    static_configs:\n"
        f"      - targets: ['{target}']\n"
    )
    port = _free_port()
    log = root / "prometheus.log"
    started = time.monotonic()
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [
                binary,
                f"--config.file={config}",
                f"--storage.tsdb.path={root / 'data'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--storage.tsdb.retention.time=1h",
                "--log.level=warn",
            ],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            cwd=root,
        )
    server = PromServer(f"http://127.0.0.1:{port}", process, log, 0.0)
    try:
        _poll_until_ready(server, started + READY_WITHIN)
        server.started_in = time.monotonic() - started
        print(f"prometheus ready with samples after {server.started_in:.1f}s")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
async def client(prometheus: PromServer) -> AsyncIterator[PrometheusClient]:
    client = PrometheusClient(prometheus.url, timeout=10)
    yield client
    await client.aclose()


async def test_latency_quantiles_land_in_their_buckets(client: PrometheusClient) -> None:
    source = PrometheusLatency("latency", LATENCY, client, P50, P95)
    reading = await source.read()
    assert reading.ok, reading.error
    assert 0.05 < reading.values["p50"] <= 0.1
    assert 0.25 < reading.values["p95"] <= 0.5
    # p95 above its 0.3 s SLO: the panel is CRIT, decided by the shared evaluate().
    assert reading.status is Status.CRIT
    assert reading.warnings == ()


async def test_latency_skips_a_missing_quantile(client: PrometheusClient) -> None:
    source = PrometheusLatency("latency", LATENCY, client, P50, "")
    reading = await source.read()
    assert set(reading.values) == {"p50"}
    assert reading.status is Status.OK


async def test_error_ratio(client: PrometheusClient) -> None:
    source = PrometheusValue("error_rate", RATIO, client, ERRORS, "error_ratio")
    reading = await source.read()
    assert reading.ok, reading.error
    assert reading.values["error_ratio"] == pytest.approx(
        REQUESTS_5XX / (REQUESTS_OK + REQUESTS_5XX), rel=1e-9
    )
    assert reading.status is Status.WARN
    assert reading.note == ""


async def test_worst_queue_wins_and_is_named(client: PrometheusClient) -> None:
    source = PrometheusValue("queue", DEPTH, client, "queue_depth", "depth")
    reading = await source.read()
    assert reading.values["depth"] == 812
    assert reading.status is Status.WARN
    # job and instance are the same on both series, so only the telling label is shown.
    assert reading.note == 'queue="orders" 812, queue="emails" 40'


async def test_empty_query_is_unknown(client: PrometheusClient) -> None:
    source = PrometheusValue("queue", DEPTH, client, 'queue_depth{queue="nope"}', "depth")
    reading = await source.read()
    assert reading.ok
    assert reading.status is Status.UNKNOWN
    assert reading.note == "no data for query"


async def test_nan_ratio_without_traffic_is_unknown(client: PrometheusClient) -> None:
    # 0/0, as an error ratio is when no request came in: NaN, which must not read as OK.
    source = PrometheusValue("error_rate", RATIO, client, "sum(queue_depth) * 0 / 0", "x")
    reading = await source.read()
    assert reading.status is Status.UNKNOWN
    assert dict(reading.values) == {}


async def test_backup_age(client: PrometheusClient) -> None:
    before = time.time()
    source = PrometheusBackup(
        "backup", AGE, client, "backup_last_success_timestamp_seconds", clock=lambda: _utc()
    )
    reading = await source.read()
    assert reading.ok, reading.error
    elapsed = time.time() - before
    age = reading.values["age"]
    # The exporter's timestamp was taken before the server started, so the age is BACKUP_AGE
    # plus the time since; bounded by how long the fixture's start took, not by a guess.
    assert BACKUP_AGE <= age <= BACKUP_AGE + READY_WITHIN + elapsed + 60
    assert reading.status is Status.OK
    assert isinstance(reading.detail, BackupInfo)
    assert reading.detail.last_success is not None
    assert abs((_utc() - reading.detail.last_success).total_seconds() - age) < 60


async def test_missing_backup_is_crit(client: PrometheusClient) -> None:
    source = PrometheusBackup(
        "backup", AGE, client, 'backup_last_success_timestamp_seconds{db="never"}'
    )
    reading = await source.read()
    assert reading.ok  # not an error: Prometheus answered, and the answer is bad news
    assert reading.status is Status.CRIT
    assert reading.note == "no backup recorded"
    assert reading.detail == BackupInfo(last_success=None, detail="no backup recorded")


async def test_bad_promql_says_bad_query(client: PrometheusClient) -> None:
    source = PrometheusValue("queue", DEPTH, client, "sum(rate(queue_depth[1m]", "depth")
    reading = await source.read()
    assert reading.status is Status.ERROR
    assert reading.error is not None
    assert reading.error.startswith("bad query: ")
    assert "parse error" in reading.error


async def test_backfill_returns_points(client: PrometheusClient) -> None:
    queue = PrometheusValue("queue", DEPTH, client, "queue_depth", "depth", interval=1.0)
    latency = PrometheusLatency("latency", LATENCY, client, P50, P95, interval=1.0)
    backup = PrometheusBackup(
        "backup", AGE, client, "backup_last_success_timestamp_seconds", interval=1.0
    )
    queue_points, latency_points, backup_points = await asyncio.gather(
        queue.backfill(), latency.backfill(), backup.backfill()
    )
    assert queue_points, "query_range over the last 30 min returned nothing"
    assert all(r.values["depth"] == 812 for r in queue_points)
    times = [r.observed_at for r in queue_points]
    assert times == sorted(times)
    # The step is max(interval, 15 s): points sit 15 s apart.
    gaps = {round((b - a).total_seconds()) for a, b in itertools.pairwise(times)}
    assert gaps <= {15}
    assert latency_points
    assert all(0.25 < r.values["p95"] <= 0.5 for r in latency_points if "p95" in r.values)
    assert backup_points
    assert all(r.values["age"] >= BACKUP_AGE for r in backup_points)


async def test_range_query_api(client: PrometheusClient) -> None:
    end = _utc()
    start = datetime.fromtimestamp(end.timestamp() - 60, UTC)
    result = await client.range("queue_depth", start, end, 1.0)
    assert result.result_type == "matrix"
    assert {s.labels["queue"] for s in result.series} == set(QUEUES)
    assert all(math.isfinite(v) for s in result.series for _, v in s.points)


def _utc() -> datetime:
    return datetime.now(UTC)


async def test_custom_metrics_fill_their_table_rows_from_prometheus(
    prometheus: PromServer, tmp_path: Path
) -> None:
    from cockpit.app.cockpit_app import CockpitApp
    from cockpit.config.schema import Config
    from cockpit.runtime.wiring import Runtime
    from cockpit.widgets.metrics_table import MetricsTable
    from tests.support.screen_text import wait_for

    config = Config.model_validate(
        {
            "prometheus": {"url": prometheus.url},
            "panels": {
                "custom": [
                    {"name": "orders_queue", "title": "orders queue",
                     "query": 'queue_depth{queue="orders"}', "crit": 500, "warn": 200},
                    {"name": "errors", "title": "5xx share", "query": ERRORS,
                     "unit": "ratio", "crit": 0.05},
                    {"name": "broken", "query": "sum(rate(", "crit": 1},
                ]
            },
        }
    )  # fmt: skip
    app = CockpitApp(Runtime.build(config, db=tmp_path / "t.db"))
    async with app.run_test(size=(120, 30)) as pilot:
        table = app.dashboard.query_one(MetricsTable)

        def row(key: str) -> list[str]:
            cells = table.table.get_row(key)
            return [c.plain if hasattr(c, "plain") else str(c) for c in cells]

        await wait_for(pilot, lambda: row("custom_orders_queue")[1] != "—", rounds=1500)
        await wait_for(pilot, lambda: row("custom_errors")[1] != "—", rounds=1500)
        await wait_for(pilot, lambda: row("custom_broken")[1].startswith("!"), rounds=1500)
        queue, errors = row("custom_orders_queue"), row("custom_errors")
        broken = row("custom_broken")
    assert queue[:4] == ["orders queue", "812", "✗ CRIT", "< 500"]
    assert errors[0] == "5xx share" and errors[1] == "3.00 %" and "OK" in errors[2]
    assert "bad query" in broken[1] and "ERROR" in broken[2]
    assert table.border_subtitle == "3 metrics · 2 failing"
