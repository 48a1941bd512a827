"""HTTP(S) and TCP health checks against real loopback servers and sockets.

A stdlib HTTP server in a thread plays the endpoints (healthy, failing, redirecting, hanging);
TCP checks connect to a real listening socket and to a port nothing listens on. Timing is never
asserted: concurrency is proven by an endpoint that answers only while another request is held.
"""

from __future__ import annotations

import base64
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from cockpit.config.schema import panel_specs, parse_config
from cockpit.core.model import Measure, Status, Threshold
from cockpit.runtime.wiring import Runtime, build_sources
from cockpit.sources.http.health import (
    HealthChecks,
    HealthResult,
    HttpCheck,
    TcpCheck,
    http_target,
    tcp_target,
)
from tests.conftest import T0, FakeClock, require_tool

FAILING = (Measure("failing", "failing", "count", Threshold(crit=1)),)
SECRET = "pa55-w0rd-91c3e"  # distinctive, so a leak anywhere is found by substring
# How long a held request waits at most: a forgotten release must not outlive the test run.
HOLD_LIMIT = 30.0


@dataclass
class Endpoints:
    url: str = ""
    release: threading.Event = field(default_factory=threading.Event)
    hang_arrived: threading.Event = field(default_factory=threading.Event)
    flaky_ok: bool = False
    auth_seen: list[str] = field(default_factory=list)
    paths_seen: list[str] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that hangs up (a timed-out check, a refused certificate) is expected


def _handler(state: Endpoints) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _answer(self, code: int, headers: dict[str, str] | None = None) -> None:
            body = b"x" * 64
            self.send_response(code)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_GET(self) -> None:
            path = self.path.split("?", 1)[0]
            state.paths_seen.append(self.path)
            state.auth_seen.append(self.headers.get("Authorization", ""))
            if path == "/hang":
                state.hang_arrived.set()
                state.release.wait(HOLD_LIMIT)
                return
            if path == "/while-hang-held":
                # 200 only if the hanging request is in flight at the same time as this one.
                self._answer(200 if state.hang_arrived.wait(HOLD_LIMIT) else 500)
                return
            if path == "/redirect":
                self._answer(302, {"Location": "/ok?state=opaque-session"})
                return
            if path == "/auth":
                expected = "Basic " + base64.b64encode(f"probe:{SECRET}".encode()).decode()
                ok = self.headers.get("Authorization") == expected
                self._answer(200 if ok else 401)
                return
            codes = {"/ok": 200, "/fail": 503, "/nocontent": 204}
            if path == "/flaky":
                self._answer(200 if state.flaky_ok else 503)
                return
            self._answer(codes.get(path, 404))

    return Handler


def _serve(state: Endpoints, context: ssl.SSLContext | None = None) -> Iterator[Endpoints]:
    httpd = _Server(("127.0.0.1", 0), _handler(state))
    if context is not None:
        # The handshake happens in the handler thread, so a refusing client cannot block accept.
        httpd.socket = context.wrap_socket(
            httpd.socket, server_side=True, do_handshake_on_connect=False
        )
    scheme = "https" if context is not None else "http"
    state.url = f"{scheme}://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.release.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def web() -> Iterator[Endpoints]:
    yield from _serve(Endpoints())


@pytest.fixture
def listening() -> Iterator[int]:
    # The kernel completes the handshake for queued connections; nothing needs to accept.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        yield int(sock.getsockname()[1])


def _closed_port() -> int:
    # Bound then closed: nothing listens there for the rest of this test (loopback only).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _read(checks: list[HttpCheck | TcpCheck], clock: FakeClock | None = None) -> Any:
    source = HealthChecks("health", FAILING, checks, clock=clock or FakeClock())
    try:
        return await source.read()
    finally:
        await source.aclose()


def _by_name(reading: Any) -> dict[str, HealthResult]:
    return {r.name: r for r in reading.detail}


async def test_a_hanging_check_costs_only_its_own_timeout(web: Endpoints) -> None:
    port = _closed_port()
    reading = await _read(
        [
            # Listed first: run one after another, it would wait for a hang that never comes.
            HttpCheck("peer", f"{web.url}/while-hang-held", timeout=20),
            HttpCheck("stuck", f"{web.url}/hang", timeout=0.5),
            HttpCheck("api", f"{web.url}/ok", timeout=20),
            TcpCheck("db", "127.0.0.1", port, timeout=20),
        ]
    )
    results = _by_name(reading)
    assert results["stuck"].ok is False
    assert results["stuck"].message == "timed out after 0.5s"
    assert results["stuck"].latency_s is None
    assert (results["peer"].ok, results["peer"].message) == (True, "HTTP 200")
    assert (results["api"].ok, results["api"].message) == (True, "HTTP 200")
    assert (results["db"].ok, results["db"].message) == (False, "connection refused")
    assert reading.status is Status.CRIT
    assert dict(reading.values) == {"failing": 2, "checks": 4}
    assert reading.note == "stuck: timed out after 0.5s; db: connection refused"


async def test_http_outcomes_are_worded_for_the_panel(web: Endpoints) -> None:
    reading = await _read(
        [
            HttpCheck("ok", f"{web.url}/ok"),
            HttpCheck("down", f"{web.url}/fail"),
            HttpCheck("empty", f"{web.url}/nocontent", expect_status=204),
            HttpCheck("strict", f"{web.url}/nocontent", expect_status=201),
            HttpCheck("sso", f"{web.url}/redirect"),
            HttpCheck("followed", f"{web.url}/redirect", follow_redirects=True),
        ]
    )
    got = {r.name: (r.ok, r.message) for r in reading.detail}
    assert got == {
        "ok": (True, "HTTP 200"),
        "down": (False, "HTTP 503"),
        "empty": (True, "HTTP 204"),
        "strict": (False, "HTTP 204 (expected 201)"),
        # Host and path only: the redirect's query string is not repeated.
        "sso": (False, "HTTP 302 → 127.0.0.1/ok"),
        "followed": (True, "HTTP 200"),
    }
    results = _by_name(reading)
    # An answer, even a bad one, has a latency; the order of results is the config's.
    assert results["down"].latency_s is not None and results["down"].latency_s >= 0
    assert [r.name for r in reading.detail] == ["ok", "down", "empty", "strict", "sso", "followed"]
    assert results["ok"].target == web.url + "/ok"


async def test_all_passing_is_ok(web: Endpoints, listening: int) -> None:
    reading = await _read(
        [HttpCheck("api", f"{web.url}/ok"), TcpCheck("db", "127.0.0.1", listening)]
    )
    assert reading.status is Status.OK
    assert dict(reading.values) == {"failing": 0, "checks": 2}
    assert reading.note == ""
    db = _by_name(reading)["db"]
    assert (db.ok, db.message, db.target) == (True, "connected", f"127.0.0.1:{listening}")
    assert db.latency_s is not None
    assert db.last_failure is None and db.failing_since is None


async def test_failure_times_are_kept_across_reads(web: Endpoints) -> None:
    clock = FakeClock()
    source = HealthChecks("health", FAILING, [HttpCheck("flaky", f"{web.url}/flaky")], clock=clock)
    try:
        first = (await source.read()).detail[0]
        t1 = clock.advance(10)
        second = (await source.read()).detail[0]
        web.flaky_ok = True
        clock.advance(10)
        recovered = await source.read()
    finally:
        await source.aclose()
    assert (first.ok, first.failing_since, first.last_failure) == (False, T0, T0)
    assert (second.ok, second.failing_since, second.last_failure) == (False, T0, t1)
    after = recovered.detail[0]
    # Recovered: no longer failing, but when it last failed is still there to see.
    assert (after.ok, after.failing_since, after.last_failure) == (True, None, t1)
    assert recovered.status is Status.OK


async def test_basic_auth_in_the_url_is_sent_but_never_shown(web: Endpoints) -> None:
    url = web.url.replace("http://", f"http://probe:{SECRET}@") + "/auth?token=abc"
    source = HealthChecks("health", FAILING, [HttpCheck("auth", url)], clock=FakeClock())
    try:
        reading = await source.read()
    finally:
        await source.aclose()
    result = reading.detail[0]
    assert (result.ok, result.message) == (True, "HTTP 200")
    assert result.target == f"{web.url}/auth"
    texts = [repr(source), repr(reading), reading.note, result.target, result.message]
    assert [t for t in texts if SECRET in t] == []
    assert any(a.startswith("Basic ") for a in web.auth_seen)


async def test_closed_and_listening_tcp_ports(listening: int) -> None:
    closed = _closed_port()
    reading = await _read(
        [TcpCheck("up", "127.0.0.1", listening), TcpCheck("down", "127.0.0.1", closed)]
    )
    results = _by_name(reading)
    assert results["up"].ok is True
    assert (results["down"].ok, results["down"].message) == (False, "connection refused")
    assert results["down"].target == f"127.0.0.1:{closed}"


def test_targets_leave_out_credentials_and_default_ports() -> None:
    assert http_target("https://u:p@api.example.com:443/healthz?key=1") == (
        "https://api.example.com/healthz"
    )
    assert http_target("http://[::1]:8080/ready") == "http://[::1]:8080/ready"
    assert tcp_target("::1", 5432) == "[::1]:5432"
    assert tcp_target("db.internal", 5432) == "db.internal:5432"


# ---- TLS ---------------------------------------------------------------------------------------


@pytest.fixture
def tls_web() -> Iterator[tuple[Endpoints, bytes]]:
    require_tool("openssl")
    from tests.support.fakekube.server import tls_material

    material = tls_material()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(material.cert_file, material.key_file)
    for state in _serve(Endpoints(), context):
        yield state, material.ca_pem


async def test_tls_trust_options(tls_web: tuple[Endpoints, bytes], tmp_path: Path) -> None:
    web, ca_pem = tls_web
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca_pem)
    reading = await _read(
        [
            HttpCheck("default", f"{web.url}/ok"),
            HttpCheck("pinned", f"{web.url}/ok", ca_file=str(ca_file)),
            HttpCheck("insecure", f"{web.url}/ok", verify=False),
            HttpCheck("missing", f"{web.url}/ok", ca_file=str(tmp_path / "nope.pem")),
        ]
    )
    results = _by_name(reading)
    assert results["default"].ok is False
    assert results["default"].message.startswith("TLS certificate not trusted: ")
    assert (results["pinned"].ok, results["pinned"].message) == (True, "HTTP 200")
    assert (results["insecure"].ok, results["insecure"].message) == (True, "HTTP 200")
    assert (
        results["missing"].message == f"ca_file {tmp_path / 'nope.pem'}: no such file or directory"
    )


async def test_an_untrusted_certificate_names_the_check_and_its_section(
    tls_web: tuple[Endpoints, bytes], web: Endpoints, tmp_path: Path
) -> None:
    """Built from a config as the dashboard builds it: the fix names the check's entry and the
    table it is in, and done as it says (`ca_file` on that check) the check passes."""
    tls, ca_pem = tls_web
    ca_file = tmp_path / "ca.pem"
    ca_file.write_bytes(ca_pem)
    plain_port = web.url.rsplit(":", 1)[1]

    async def read(checks: list[dict[str, Any]]) -> dict[str, HealthResult]:
        config = parse_config({"panels": {"health": {"checks": checks}}})
        sources = build_sources(Runtime.build(config, clock=FakeClock()))
        try:
            ((source, _),) = sources.sources
            return _by_name(await source.read())
        finally:
            await sources.aclose()

    results = await read(
        [
            {"name": "api", "url": f"{tls.url}/ok"},
            {"name": "admin", "url": f"https://127.0.0.1:{plain_port}/ok"},
        ]
    )
    assert results["api"].ok is False
    assert results["api"].message.startswith("TLS certificate not trusted: ")
    assert results["api"].message.endswith('; set ca_file for check "api" in [panels.health]')
    assert results["admin"].message == (
        "TLS handshake failed: the server does not speak TLS "
        '(should the url for check "admin" in [panels.health] start with http://?)'
    )
    fixed = await read([{"name": "api", "url": f"{tls.url}/ok", "ca_file": str(ca_file)}])
    assert (fixed["api"].ok, fixed["api"].message) == (True, "HTTP 200")


# ---- from the config ---------------------------------------------------------------------------


async def test_config_builds_a_working_health_panel(web: Endpoints, listening: int) -> None:
    config = parse_config(
        {
            "panels": {
                "health": {
                    "interval": "1s",
                    "checks": [
                        {"name": "api", "url": f"{web.url}/ok", "timeout": "3s"},
                        {"name": "db", "tcp": f"127.0.0.1:{listening}", "timeout": "1s"},
                    ],
                }
            }
        }
    )
    (spec,) = panel_specs(config)
    # The read as a whole outlasts its slowest check, whatever the interval.
    assert spec.timeout > 3
    runtime = Runtime.build(config, clock=FakeClock())
    sources = build_sources(runtime)
    try:
        ((source, _),) = sources.sources
        reading = await source.read()
    finally:
        await sources.aclose()
    assert reading.status is Status.OK
    assert [(r.name, r.ok) for r in reading.detail] == [("api", True), ("db", True)]
