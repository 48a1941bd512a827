"""Every way a Prometheus request fails, as the panel words it.

A small stdlib HTTP server on 127.0.0.1 plays a misbehaving Prometheus (or the proxy in front of
it). Each case lives under its own path prefix, which also exercises base URLs with a prefix.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from cockpit.core.model import Measure, Reading, Status, Threshold
from cockpit.sources.http.prometheus import (
    PrometheusBackup,
    PrometheusClient,
    PrometheusError,
    PrometheusLatency,
    PrometheusValue,
)
from tests.conftest import FakeClock, require_tool
from tests.support.http_servers import https_server, only_proxy, refusing_proxy

TOKEN_ENV = "COCKPIT_TEST_PROM_TOKEN"
TOKEN = "s3cr3t-t0ken-6b1f0e2a9c"  # distinctive, so a leak anywhere is found by substring
RATIO = (Measure("error_ratio", "5xx", "ratio", Threshold(crit=0.01, warn=0.008)),)
DEPTH = (Measure("depth", "depth", "count", Threshold(crit=100, warn=80)),)
LATENCY = (
    Measure("p50", "p50", "seconds", Threshold(crit=0.15, warn=0.12)),
    Measure("p95", "p95", "seconds", Threshold(crit=0.3, warn=0.24)),
)
AGE = (Measure("age", "age", "age", Threshold(crit=36 * 3600, warn=12 * 3600)),)

PROXY_502 = """<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
<hr><center>nginx/1.25.3</center>
</body>
</html>
"""


def _envelope(status: str, **extra: Any) -> bytes:
    return json.dumps({"status": status, **extra}).encode()


def _vector(*series: tuple[dict[str, str], str], warnings: list[str] | None = None) -> bytes:
    body: dict[str, Any] = {
        "status": "success",
        "data": {
            "resultType": "vector",
            "result": [{"metric": m, "value": [1_700_000_000.0, v]} for m, v in series],
        },
    }
    if warnings:
        body["warnings"] = warnings
    return json.dumps(body).encode()


# case -> (status code, content type, body)
CANNED: dict[str, tuple[int, str, bytes]] = {
    "unauthorized": (401, "text/plain", b"Unauthorized\n"),
    "forbidden": (403, "application/json", b'{"message":"forbidden"}'),
    "badquery": (
        400,
        "application/json",
        _envelope(
            "error",
            errorType="bad_data",
            error='invalid parameter "query": 1:11: parse error: unclosed left parenthesis',
        ),
    ),
    "execution": (
        422,
        "application/json",
        _envelope(
            "error",
            errorType="execution",
            error="query processing would load too many samples into memory",
        ),
    ),
    "timeout503": (
        503,
        "application/json",
        _envelope("error", errorType="timeout", error="query timed out in expression evaluation"),
    ),
    "unavailable": (
        503,
        "application/json",
        _envelope("error", errorType="unavailable", error="TSDB not ready"),
    ),
    "proxy": (502, "text/html", PROXY_502.encode()),
    "notfound": (404, "text/plain", b"404 page not found\n"),
    "login": (302, "text/html", b"<a href='/login'>Found</a>"),
    "weirdjson": (200, "application/json", b'{"hello": "world"}'),
    "noresulttype": (200, "application/json", _envelope("success", data={"result": []})),
    "empty": (200, "application/json", _vector()),
    "nan": (200, "application/json", _vector(({}, "NaN"))),
    "worst": (
        200,
        "application/json",
        _vector(
            ({"job": "w", "queue": "emails"}, "40"),
            ({"job": "w", "queue": "orders"}, "812"),
            ({"job": "w", "queue": "audit"}, "3"),
            ({"job": "w", "queue": "mail2"}, "NaN"),
            ({"job": "w", "queue": "idle"}, "0"),
            warnings=["PromQL info: partial response from store eu-1"],
        ),
    ),
    "scalar": (
        200,
        "application/json",
        _envelope("success", data={"resultType": "scalar", "result": [1_700_000_000, "0.25"]}),
    ),
    "string": (
        200,
        "application/json",
        _envelope("success", data={"resultType": "string", "result": [1_700_000_000, "x"]}),
    ),
}


@dataclass
class FakeServer:
    url: str
    release: threading.Event
    auth_seen: list[str] = field(default_factory=list)


def _handler(server_state: FakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return

        def do_GET(self) -> None:
            case = self.path.strip("/").split("/", 1)[0]
            server_state.auth_seen.append(self.headers.get("Authorization", ""))
            if case == "hang":
                # Never answer until the test is over; bounded so a lost test cannot wedge CI.
                server_state.release.wait(30)
                return
            if case == "reset":
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            status, ctype, body = CANNED.get(case, (404, "text/plain", b"no such case\n"))
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            if status == 302:
                self.send_header("Location", "https://sso.example.com/login?state=opaque")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    return Handler


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    state = FakeServer(url="", release=threading.Event())
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield state
    state.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


@pytest.fixture
def token(monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    return TOKEN


async def _read_value(base: str, *, limit: float = 5.0, token_env: str = "") -> Reading:
    client = PrometheusClient(base, timeout=limit, bearer_token_env=token_env)
    source = PrometheusValue("queue", DEPTH, client, "queue_depth", "depth", clock=FakeClock())
    try:
        return await source.read()
    finally:
        await source.aclose()


def _closed_port() -> int:
    # Bound then closed: nothing listens there for the rest of this test (loopback only).
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unauthorized", "authentication refused by 127.0.0.1:{port} (401 unauthorized)"),
        ("forbidden", "authentication refused by 127.0.0.1:{port} (403 forbidden)"),
        (
            "badquery",
            'bad query: invalid parameter "query": 1:11: parse error: unclosed left parenthesis',
        ),
        (
            "execution",
            "query failed on the server: query processing would load too many samples into memory",
        ),
        ("timeout503", "query timed out on the server: query timed out in expression evaluation"),
        ("unavailable", "Prometheus unavailable (503): TSDB not ready"),
        ("proxy", "not a Prometheus answer from 127.0.0.1:{port}: HTTP 502: 502 Bad Gateway"),
        ("login", "redirected by 127.0.0.1:{port} (HTTP 302) to sso.example.com/login; "),
        ("notfound", "HTTP 404 for /api/v1/query at http://127.0.0.1:{port}/notfound"),
        ("weirdjson", "unexpected JSON from 127.0.0.1:{port} (HTTP 200): no status field"),
        ("noresulttype", "unexpected JSON: resultType None"),
        ("string", "query returned a string; expected a number"),
    ],
)
async def test_http_failure_classes(server: FakeServer, case: str, expected: str) -> None:
    port = server.url.rsplit(":", 1)[1]
    reading = await _read_value(f"{server.url}/{case}")
    assert reading.status is Status.ERROR
    assert reading.error is not None
    assert reading.error.startswith(expected.format(port=port)), reading.error


async def test_client_timeout_names_the_limit(server: FakeServer) -> None:
    reading = await _read_value(f"{server.url}/hang", limit=0.5)
    port = server.url.rsplit(":", 1)[1]
    assert reading.error == f"no answer within 0.5s from 127.0.0.1:{port}"


async def test_closed_port_is_unreachable() -> None:
    port = _closed_port()
    reading = await _read_value(f"http://127.0.0.1:{port}")
    assert reading.error == f"cannot reach 127.0.0.1:{port}: connection refused"


async def test_connection_reset_is_reported(server: FakeServer) -> None:
    reading = await _read_value(f"{server.url}/reset")
    assert reading.error is not None
    assert reading.error.startswith("connection to 127.0.0.1:"), reading.error


async def test_dns_failure_names_host_and_port() -> None:
    # A resolver is not guaranteed in a sandbox, so the resolver's own error is injected; the
    # wording of a real refused connection is covered by test_closed_port_is_unreachable.
    def fail(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("[Errno -2] Name or service not known", request=request)

    client = PrometheusClient(
        "http://prometheus.monitoring.invalid:9090", timeout=1, transport=httpx.MockTransport(fail)
    )
    try:
        with pytest.raises(PrometheusError) as info:
            await client.instant("up")
    finally:
        await client.aclose()
    assert info.value.message == (
        "cannot reach prometheus.monitoring.invalid:9090: host name not found (DNS)"
    )


# ---- the fix a message suggests names [prometheus] ---------------------------------------------


async def test_an_untrusted_certificate_names_the_prometheus_section() -> None:
    require_tool("openssl")
    with https_server({"/api/v1/query": _vector(({}, "42"))}) as tls:
        port = tls.url.rsplit(":", 1)[1]
        reading = await _read_value(tls.url)
        # Done as the message says: the same server, with its CA as ca_file.
        client = PrometheusClient(tls.url, timeout=5, ca_file=str(tls.ca_file))
        try:
            fixed = await client.instant("up")
        finally:
            await client.aclose()
    error = reading.error or ""
    assert error.startswith(f"cannot reach 127.0.0.1:{port}: TLS certificate not trusted: ")
    assert error.endswith("; set ca_file in [prometheus]"), error
    assert [s.value for s in fixed.samples] == [42.0]


async def test_a_wrong_path_names_the_url_setting(server: FakeServer) -> None:
    port = server.url.rsplit(":", 1)[1]
    reading = await _read_value(f"{server.url}/notfound")
    assert reading.error == (
        f"HTTP 404 for /api/v1/query at http://127.0.0.1:{port}/notfound: "
        "is the url in [prometheus] right (path prefix included)?"
    )


async def test_a_proxy_asking_for_credentials_is_named(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Plain HTTP through the proxy of the environment: the proxy's 407 is its own refusal,
    not Prometheus' (which would read "authentication refused by …")."""
    port = _closed_port()
    with refusing_proxy() as proxy:
        only_proxy(monkeypatch, "HTTP_PROXY", proxy.url)
        reading = await _read_value(f"http://127.0.0.1:{port}")
    assert reading.error == (
        f"a proxy between here and 127.0.0.1:{port} asks for credentials (407); "
        "check HTTP_PROXY, HTTPS_PROXY and NO_PROXY in the environment"
    )
    assert len(proxy.seen) == 1 and proxy.seen[0].startswith(f"GET http://127.0.0.1:{port}/")


async def test_empty_result_is_unknown_with_note(server: FakeServer) -> None:
    reading = await _read_value(f"{server.url}/empty")
    assert reading.ok
    assert reading.status is Status.UNKNOWN
    assert dict(reading.values) == {}
    assert reading.note == "no data for query"


async def test_nan_result_is_unknown_not_a_number(server: FakeServer) -> None:
    reading = await _read_value(f"{server.url}/nan")
    assert reading.ok
    assert reading.status is Status.UNKNOWN
    assert dict(reading.values) == {}
    assert "NaN" in reading.note


async def test_worst_series_wins_and_is_named(server: FakeServer) -> None:
    reading = await _read_value(f"{server.url}/worst")
    assert reading.values["depth"] == 812
    assert reading.status is Status.CRIT
    # Shared labels (job) are left out; NaN series are ignored; the rest are counted.
    assert reading.note == 'queue="orders" 812, queue="emails" 40, queue="audit" 3 (+1 more)'
    assert reading.warnings == ("PromQL info: partial response from store eu-1",)


async def test_scalar_result_and_warnings_returned(server: FakeServer) -> None:
    client = PrometheusClient(f"{server.url}/scalar/", timeout=2)
    try:
        result = await client.instant("scalar(x)")
    finally:
        await client.aclose()
    assert result.result_type == "scalar"
    assert [s.value for s in result.samples] == [0.25]
    client = PrometheusClient(f"{server.url}/worst", timeout=2)
    try:
        result = await client.instant("queue_depth")
    finally:
        await client.aclose()
    assert result.warnings == ("PromQL info: partial response from store eu-1",)


async def test_missing_token_variable_is_explained(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    reading = await _read_value(f"{server.url}/empty", token_env=TOKEN_ENV)
    assert reading.error == f"bearer token variable {TOKEN_ENV} is not set or empty"


async def test_token_is_read_at_request_time(
    server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = PrometheusClient(f"{server.url}/empty", timeout=2, bearer_token_env=TOKEN_ENV)
    try:
        monkeypatch.setenv(TOKEN_ENV, "first")
        await client.instant("up")
        monkeypatch.setenv(TOKEN_ENV, "rotated")
        await client.instant("up")
    finally:
        await client.aclose()
    assert server.auth_seen[-2:] == ["Bearer first", "Bearer rotated"]


@pytest.fixture
async def all_loggers_debug(caplog: pytest.LogCaptureFixture) -> AsyncIterator[None]:
    with caplog.at_level(logging.DEBUG):
        for name in ("httpx", "httpcore", "cockpit", "asyncio"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        yield


async def test_token_never_leaks(
    server: FakeServer,
    token: str,
    caplog: pytest.LogCaptureFixture,
    all_loggers_debug: None,
) -> None:
    texts: list[str] = []
    cases = [*CANNED, "hang", "reset"]
    for case in cases:
        client = PrometheusClient(
            f"{server.url}/{case}",
            # Only the hanging case should time out, however slow the machine.
            timeout=0.5 if case == "hang" else 10.0,
            bearer_token_env=TOKEN_ENV,
            headers={"X-Scope-OrgID": token},
        )
        sources = [
            PrometheusValue("queue", DEPTH, client, "q", "depth", clock=FakeClock()),
            PrometheusLatency("latency", LATENCY, client, "a", "b", clock=FakeClock()),
            PrometheusBackup("backup", AGE, client, "ts", clock=FakeClock()),
        ]
        texts.append(repr(client))
        # Concurrently, so the hanging case costs one client timeout rather than six.
        readings = await asyncio.gather(*(s.read() for s in sources))
        backfills = await asyncio.gather(*(s.backfill() for s in sources), return_exceptions=True)
        for source, reading, backfill in zip(sources, readings, backfills, strict=True):
            texts += [repr(source), repr(reading), str(reading.error), reading.note]
            if isinstance(backfill, BaseException):
                assert isinstance(backfill, PrometheusError), repr(backfill)
                texts += [str(backfill), repr(backfill)]
            else:
                texts += [repr(r) for r in backfill]
            await source.aclose()
    port = _closed_port()
    client = PrometheusClient(
        f"http://user:{token}@127.0.0.1:{port}", timeout=0.5, bearer_token_env=TOKEN_ENV
    )
    try:
        with pytest.raises(PrometheusError) as info:
            await client.instant("up")
    finally:
        await client.aclose()
    texts += [repr(client), str(info.value), repr(info.value)]
    texts += [record.getMessage() for record in caplog.records]
    texts.append(caplog.text)
    # The log check means something only if the HTTP layer did log the requests.
    assert any(r.name.startswith("httpx") for r in caplog.records)
    leaks = [t for t in texts if token in t]
    assert leaks == []
    # It was sent, though: the check above would pass trivially if no request carried it.
    assert f"Bearer {token}" in server.auth_seen
    assert any("authentication refused" in t for t in texts)
