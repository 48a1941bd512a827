"""10,000 pods on the project's fake Kubernetes API server: the cockpit's pods panel (real
client, raw JSON, kubectl's STATUS rule, the real table) beside `kubectl get pods -o json`
against the same server in the same run; resident memory of each; and the main thread's cost of
a watch batch of 1,000 events (changed, new and deleted pods) reaching the table.

    python bench/kube_bench.py [--quick]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fakekube import FakeKube, pod  # noqa: E402

NAMESPACE = "bench"
SHOWN_RATIO_BUDGET = 0.5  # at most half of kubectl's time
RSS_BUDGET_MB = 250.0
WATCH_BATCH = 1_000
WATCH_BATCH_BUDGET_MS = 50.0  # main-thread time, DESIGN.md


CREATED = datetime.now(UTC) - timedelta(hours=3)


def populate(server: FakeKube, count: int) -> None:
    created = CREATED
    kinds = [
        {},
        {"waiting": "CrashLoopBackOff", "restarts": 7, "last_restart": created},
        {"phase": "Succeeded"},
        {"ready": False},
    ]
    objects = []
    for i in range(count):
        extra = kinds[0] if i % 10 else kinds[(i // 10) % len(kinds)]
        objects.append(
            pod(
                f"web-{i:05d}",
                namespace=NAMESPACE,
                labels={"app": "web", "shard": str(i % 16)},
                created=created + timedelta(seconds=i),
                node=f"node-{i % 40:02d}",
                **extra,
            )
        )
    server.add(*objects)


def apply_batch(server: FakeKube, count: int, batch: int = WATCH_BATCH) -> None:
    """`batch` writes as a bad minute of a rollout brings them: 60 % of them pods going into
    CrashLoopBackOff, 20 % new pods, 20 % pods deleted; spread over the namespace."""
    changed, added = batch * 3 // 5, batch // 5
    deleted = batch - changed - added
    step = max(2, count // batch)
    for k in range(changed):
        i = (k * step) % count
        server.add(
            pod(
                f"web-{i:05d}",
                namespace=NAMESPACE,
                labels={"app": "web", "shard": str(i % 16)},
                created=CREATED + timedelta(seconds=i),
                node=f"node-{i % 40:02d}",
                waiting="CrashLoopBackOff",
                restarts=1 + k % 9,
                last_restart=CREATED + timedelta(hours=2),
            )
        )
    for k in range(added):
        server.add(pod(f"new-{k:04d}", namespace=NAMESPACE, labels={"app": "web"}, created=CREATED))
    for k in range(deleted):
        server.remove("pods", NAMESPACE, f"web-{(k * step + 1) % count:05d}")


def measure_watch_batch(config: Path, server: FakeKube, count: int) -> dict[str, Any]:
    """One probe process: list and fill, then the batch on the server, then the figures."""
    import json

    argv = [sys.executable, str(ROOT / "bench" / "watch_probe.py")]
    argv += [str(config), NAMESPACE, str(WATCH_BATCH)]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as child:
        assert child.stdout is not None
        ready = child.stdout.readline().strip()
        if ready != "ready":
            _, err = child.communicate(timeout=30)
            raise RuntimeError(f"watch probe did not start: {ready or err[-300:]!r}")
        apply_batch(server, count)
        out, err = child.communicate(timeout=300)
        if child.returncode != 0:
            raise RuntimeError(f"watch probe failed: {err[-300:]!r}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    expected = count + WATCH_BATCH // 5 - (WATCH_BATCH - WATCH_BATCH * 3 // 5 - WATCH_BATCH // 5)
    if result["shown"] != expected or result["lists"] != 1:
        raise RuntimeError(f"the batch did not arrive by watch as expected: {result}")
    return result


def run_with_rss(argv: list[str]) -> tuple[float, float, bytes]:
    """Like run_measured, but the child's peak RSS comes from wait4's rusage."""
    with tempfile.TemporaryFile() as out_file, tempfile.TemporaryFile() as err_file:
        started = time.perf_counter()
        process = subprocess.Popen(argv, stdout=out_file, stderr=err_file)
        _, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out_file.seek(0)
        err_file.seek(0)
        if process.returncode != 0:
            raise RuntimeError(f"{Path(argv[0]).name} failed: {err_file.read()[-300:]!r}")
        return elapsed, usage.ru_maxrss / 1024, out_file.read()


def measure(quick: bool = False) -> list[dict[str, Any]]:
    import json

    count = 2_000 if quick else 10_000
    runs = 1 if quick else 3
    kubectl = shutil.which("kubectl")
    rows: list[dict[str, Any]] = []
    with FakeKube() as server, tempfile.TemporaryDirectory() as tmp:
        populate(server, count)
        config = server.write_kubeconfig(Path(tmp) / "kubeconfig", namespace=NAMESPACE)
        probe = [sys.executable, str(ROOT / "bench" / "kube_probe.py"), str(config), NAMESPACE]
        cockpit_runs = [run_with_rss(probe) for _ in range(runs)]
        results = [json.loads(out) for _, _, out in cockpit_runs]
        if results[0]["shown"] != count:
            raise RuntimeError(f"the table showed {results[0]['shown']} of {count} pods")
        shown = statistics.median(r["read_s"] + r["table_s"] for r in results)
        table = statistics.median(r["table_s"] for r in results)
        rss = max(r for _, r, _ in cockpit_runs)
        peer_time = peer_rss = None
        if kubectl:
            argv = [kubectl, "--kubeconfig", str(config), "-n", NAMESPACE]
            argv += ["get", "pods", "-o", "json"]
            peer_runs = [run_with_rss(argv) for _ in range(runs)]
            peer_time = statistics.median(t for t, _, _ in peer_runs)
            peer_rss = max(r for _, r, _ in peer_runs)
        label = f"{count:,} pods"
        rows.append(
            {
                "figure": f"{label}: read + table shown",
                "value": round(shown * 1000, 1),
                "unit": "ms",
                "budget": round(peer_time * 1000 * SHOWN_RATIO_BUDGET, 1) if peer_time else None,
                "peer": round(peer_time * 1000, 1) if peer_time else None,
                "peer_name": "kubectl get pods -o json",
            }
        )
        rows.append(
            {
                "figure": f"{label}: table fill (main thread)",
                "value": round(table * 1000, 1),
                "unit": "ms",
                "budget": None,
                "peer": None,
                "peer_name": "",
            }
        )
        batches = []
        for _ in range(runs):
            # A fresh server per run, so every run applies the same batch to the same pods.
            with FakeKube() as fresh, tempfile.TemporaryDirectory() as batch_tmp:
                # The batch is written faster than any watch reads it: keep all of it in the
                # history, as a real API server's watch cache of this namespace would.
                fresh.store.history_limit = count + 10 * WATCH_BATCH
                populate(fresh, count)
                fresh_config = fresh.write_kubeconfig(
                    Path(batch_tmp) / "kubeconfig", namespace=NAMESPACE
                )
                batches.append(measure_watch_batch(fresh_config, fresh, count))
        rows.append(
            {
                "figure": f"{label}: watch batch of {WATCH_BATCH:,} events (main thread)",
                "value": round(statistics.median(b["main_cpu_s"] for b in batches) * 1000, 1),
                "unit": "ms",
                "budget": WATCH_BATCH_BUDGET_MS,
                "peer": None,
                "peer_name": "",
                "detail": {
                    "wall_ms": [round(b["wall_s"] * 1000, 1) for b in batches],
                    "main_cpu_ms": [round(b["main_cpu_s"] * 1000, 1) for b in batches],
                    "batch_arrival_ms": [round(b["batch_arrival_s"] * 1000, 1) for b in batches],
                },
            }
        )
        rows.append(
            {
                "figure": f"{label}: peak RSS",
                "value": round(rss, 1),
                "unit": "MB",
                "budget": RSS_BUDGET_MB,
                "peer": round(peer_rss, 1) if peer_rss else None,
                "peer_name": "kubectl",
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 pods, one run")
    args = parser.parse_args()
    for row in measure(args.quick):
        peer = f"  peer {row['peer']} ({row['peer_name']})" if row["peer"] else ""
        budget = f"  budget {row['budget']}" if row["budget"] else ""
        print(f"{row['figure']:<45} {row['value']:>10} {row['unit']}{budget}{peer}")


if __name__ == "__main__":
    main()
