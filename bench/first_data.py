"""First real data after the first frame: a real Prometheus and the fake Kubernetes API server on
loopback, the cockpit in a pty of 80x24, and the time from the frame that shows the layout to
(a) the latency panel showing a number from Prometheus and (b) the pods panel counting the 50
pods the API server has. `kubectl get pods` against the same server is the peer: the time a
person would otherwise wait for the same pods.

    python bench/first_data.py [--runs N]
"""

from __future__ import annotations

import argparse
import math
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from prom_server import self_scraping_prometheus
from ptyrun import PtyProcess
from vtscreen import Screen

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fakekube import FakeKube, pod  # noqa: E402

COLUMNS, LINES = 80, 24
PODS = 50
NAMESPACE = "bench"
BUDGET_MS = 1000.0
START_TIMEOUT = 30.0
# How long Prometheus may take to have the two samples a rate() needs.
QUERY_READY_WITHIN = 60.0

FIRST_DATA = f"first real data after first frame (latency + {PODS} pods)"
FIRST_LATENCY = "first real data: latency from Prometheus"
FIRST_PODS = f"first real data: {PODS} pods from the API server"

# Real PromQL of the shapes a latency panel uses, over Prometheus' own request histogram.
_BUCKETS = "sum by (le) (rate(prometheus_http_request_duration_seconds_bucket[1m]))"
P50 = f"histogram_quantile(0.5, {_BUCKETS})"
P95 = f"histogram_quantile(0.95, {_BUCKETS})"
ERRORS = (
    'sum(rate(prometheus_http_requests_total{code=~"5.."}[1m]))'
    " / sum(rate(prometheus_http_requests_total[1m]))"
)
TITLES = ("Latency", "Error rate", "Queue depth", "Pods")
# A measure line with a number in it ("p95    95.0 ms  ✓ OK"), not "—" or "◌".
_LATENCY_VALUE = re.compile(r"p95 +[0-9][0-9.,]* ?(µs|ms|s)\b")


def config_text(prometheus_url: str) -> str:
    return (
        '[cockpit]\nrefresh = "5s"\n'
        f'[prometheus]\nurl = "{prometheus_url}"\ntimeout = "5s"\n'
        f'[panels.pods]\nnamespace = "{NAMESPACE}"\n'
        f"[panels.latency]\np50_query = '{P50}'\np95_query = '{P95}'\n"
        f"[panels.error_rate]\nquery = '{ERRORS}'\n"
        "[panels.queue]\nquery = 'sum(prometheus_tsdb_head_series)'\n"
    )


def populate(server: FakeKube) -> None:
    start = datetime.now(UTC) - timedelta(hours=1)
    server.add(
        *(
            pod(f"web-{i:02d}", namespace=NAMESPACE, labels={"app": "web"}, created=start)
            for i in range(PODS)
        )
    )


def layout_drawn(screen: Screen) -> bool:
    text = screen.text()
    return all(title in text for title in TITLES) and "UTC" in text


def latency_shown(screen: Screen) -> bool:
    return _LATENCY_VALUE.search(screen.text()) is not None


def pods_shown(screen: Screen) -> bool:
    return f"{PODS} pods" in screen.text()


def wait_for_a_latency(url: str) -> None:
    """Until the p95 query has a number: Prometheus needs two scrapes for a rate()."""
    deadline = time.monotonic() + QUERY_READY_WITHIN
    with httpx.Client(base_url=url, timeout=5) as http:
        while True:
            answer = http.get("/api/v1/query", params={"query": P95}).json()
            result = answer.get("data", {}).get("result", [])
            if result and not math.isnan(float(result[0]["value"][1])):
                return
            if time.monotonic() > deadline:
                raise RuntimeError(f"no value for the p95 query within {QUERY_READY_WITHIN:g}s")
            time.sleep(0.2)  # polling for readiness, not a synchronisation


@dataclass
class Run:
    frame: float
    latency: float
    pods: float

    @property
    def both(self) -> float:
        return max(self.latency, self.pods) - self.frame


def cockpit_run(argv: list[str], env: dict[str, str]) -> Run:
    conditions: dict[str, Callable[[Screen], bool]] = {
        "frame": layout_drawn,
        "latency": latency_shown,
        "pods": pods_shown,
    }
    with PtyProcess(argv, columns=COLUMNS, lines=LINES, env=env) as child:
        for name, condition in conditions.items():
            child.watch(name, condition)
        seconds = {name: child.wait_for(name, START_TIMEOUT) for name in conditions}
    return Run(seconds["frame"], seconds["latency"], seconds["pods"])


def kubectl_run(kubectl: str, kubeconfig: Path) -> float:
    argv = [kubectl, "--kubeconfig", str(kubeconfig), "-n", NAMESPACE, "get", "pods"]
    started = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True, timeout=START_TIMEOUT)
    elapsed = time.perf_counter() - started
    if done.returncode != 0 or done.stdout.count("web-") != PODS:
        raise RuntimeError(f"kubectl get pods failed: {done.stderr.strip()[-200:]!r}")
    return elapsed


def measure(cockpit: list[str], runs: int) -> list[dict[str, Any]]:
    """Rows as dicts (figure, value, unit, budget, peer, peer_name, detail); `cockpit` is the
    command without --config, e.g. [".venv/bin/cockpit"]."""
    kubectl = shutil.which("kubectl")
    cockpit_runs: list[Run] = []
    peer_runs: list[float] = []
    with (
        self_scraping_prometheus() as url,
        FakeKube() as server,
        tempfile.TemporaryDirectory(prefix="cockpit-bench-") as tmp,
    ):
        populate(server)
        kubeconfig = server.write_kubeconfig(Path(tmp) / "kubeconfig", namespace=NAMESPACE)
        config = Path(tmp) / "cockpit.toml"
        config.write_text(config_text(url))
        wait_for_a_latency(url)
        argv = [*cockpit, "--config", str(config)]
        env = {"KUBECONFIG": str(kubeconfig)}
        # Run 0 warms the caches and is not counted; cockpit and kubectl alternate, so a slow
        # moment of the machine is shared between them.
        for run in range(runs + 1):
            print(f"  first real data {run or 'warm-up'}/{runs}", file=sys.stderr, flush=True)
            result = cockpit_run(argv, env)
            peer = kubectl_run(kubectl, kubeconfig) if kubectl else None
            if run:
                cockpit_runs.append(result)
                if peer is not None:
                    peer_runs.append(peer)
    peer_ms = round(statistics.median(peer_runs) * 1000, 1) if peer_runs else None

    def ms(values: list[float]) -> list[float]:
        return [round(v * 1000, 1) for v in values]

    frames = ms([r.frame for r in cockpit_runs])
    detail = {"frame_ms": frames, "peer_runs_ms": ms(peer_runs), "pods": PODS}
    figures = (
        (FIRST_DATA, [r.both for r in cockpit_runs], BUDGET_MS, peer_ms),
        (FIRST_LATENCY, [r.latency - r.frame for r in cockpit_runs], None, None),
        (FIRST_PODS, [r.pods - r.frame for r in cockpit_runs], None, peer_ms),
    )
    return [
        {
            "figure": figure,
            "value": round(statistics.median(values) * 1000, 1),
            "unit": "ms",
            "budget": budget,
            "peer": peer,
            "peer_name": "kubectl get pods" if peer is not None else "",
            "detail": {"runs_ms": ms(values), **detail},
        }
        for figure, values, budget, peer in figures
    ]


def cockpit_command() -> list[str]:
    script = Path(sys.executable).with_name("cockpit")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cockpit"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="counted runs (after one warm-up)")
    args = parser.parse_args()
    for row in measure(cockpit_command(), args.runs):
        peer = f"  peer {row['peer']} ({row['peer_name']})" if row["peer"] else ""
        budget = f"  budget {row['budget']}" if row["budget"] else ""
        print(f"{row['figure']:<55} {row['value']:>8} {row['unit']}{budget}{peer}")
        print(f"    runs {row['detail']['runs_ms']}")


if __name__ == "__main__":
    main()
