"""A throwaway Prometheus (Debian's `prometheus` binary) on loopback that scrapes itself, so a
benchmark can run real PromQL over HTTP against real series."""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

READY_WITHIN = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def self_scraping_prometheus(scrape_interval: str = "1s") -> Iterator[str]:
    """Yields the base URL once `up` has a sample; stops the server on exit."""
    binary = shutil.which("prometheus")
    if binary is None:
        raise RuntimeError("prometheus is not installed (sudo apt-get install prometheus)")
    port = _free_port()
    with tempfile.TemporaryDirectory(prefix="cockpit-bench-prom-") as tmp:
        root = Path(tmp)
        config = root / "prometheus.yml"
        config.write_text(
            f"global:\n  scrape_interval: {scrape_interval}\n"
            "scrape_configs:\n  - job_name: prometheus\n    static_configs:\n"
            f"      - targets: ['127.0.0.1:{port}']\n"
        )
        log = (root / "prometheus.log").open("wb")
        process = subprocess.Popen(
            [binary, f"--config.file={config}", f"--storage.tsdb.path={root / 'data'}",
             f"--web.listen-address=127.0.0.1:{port}", "--log.level=warn"],
            stdout=log, stderr=subprocess.STDOUT, cwd=root,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + READY_WITHIN
            with httpx.Client(base_url=url, timeout=2) as http:
                while True:
                    if process.poll() is not None:
                        raise RuntimeError("prometheus exited at start")
                    if time.monotonic() > deadline:
                        raise RuntimeError(f"prometheus not ready within {READY_WITHIN:g}s")
                    try:
                        answer = http.get("/api/v1/query", params={"query": "up"})
                        if answer.status_code == 200 and answer.json()["data"]["result"]:
                            break
                    except httpx.TransportError:
                        pass
                    time.sleep(0.2)  # polling for readiness, not a synchronisation
            yield url
        finally:
            process.terminate()
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
            log.close()
