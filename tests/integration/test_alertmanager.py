"""The alerts panel against a loopback Alertmanager serving the documented API v2 JSON.

A stdlib HTTP server in a thread answers `GET /api/v2/alerts` the way Alertmanager does (or the
way a broken proxy in front of it does); each case lives under its own path prefix, which also
exercises base URLs with a prefix. The query string the source sent is recorded and checked.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from cockpit.config.schema import panel_specs, parse_config
from cockpit.core.model import Measure, Reading, Status, Threshold
from cockpit.runtime.wiring import Runtime, build_sources
from cockpit.sources.http.alertmanager import (
    AlertmanagerAlerts,
    AlertmanagerClient,
    AlertmanagerError,
    FiringAlert,
    alert_changes,
    sort_alerts,
)
from tests.conftest import T0, FakeClock, require_tool
from tests.support.http_servers import https_server, only_proxy, refusing_proxy

TOKEN_ENV = "COCKPIT_TEST_AM_TOKEN"
TOKEN = "am-t0ken-5e8d1c7f"  # distinctive, so a leak anywhere is found by substring
MEASURES = (
    Measure("firing", "firing", "count", Threshold(crit=None, warn=1)),
    Measure("critical", "critical", "count", Threshold(crit=1)),
)


def _gettable(
    name: str,
    severity: str | None,
    started: str,
    fingerprint: str,
    *,
    state: str = "active",
    summary: str | None = None,
    description: str | None = None,
    extra: dict[str, str] | None = None,
    runbook_url: str | None = None,
) -> dict[str, Any]:
    """One alert exactly as the v2 API documents `gettableAlert`."""
    labels = {"alertname": name, "job": "checkout", **(extra or {})}
    if severity is not None:
        labels["severity"] = severity
    annotations = {}
    if summary is not None:
        annotations["summary"] = summary
    if description is not None:
        annotations["description"] = description
    if runbook_url is not None:
        annotations["runbook_url"] = runbook_url
    return {
        "annotations": annotations,
        "endsAt": "2026-11-24T14:10:00.000Z",
        "fingerprint": fingerprint,
        "receivers": [{"name": "pager"}],
        "startsAt": started,
        "status": {"inhibitedBy": [], "silencedBy": [], "state": state},
        "updatedAt": "2026-11-24T14:01:30.123Z",
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "labels": labels,
    }


FIRING = [
    _gettable(
        "QueueBacklog",
        "warning",
        "2026-11-24T13:50:00.000Z",
        "a1",
        summary="orders queue above 500 for 10m",
    ),
    _gettable(
        "CheckoutHighErrorRate",
        "critical",
        # Nanoseconds and an offset, as Go may write them.
        "2026-11-24T14:55:12.123456789+01:00",
        "b2",
        summary="5xx above 1% for 5m",
        description="Checkout answers 5xx.\nLook at the last rollout first.",
        extra={"pod": "checkout-7d9f"},
        runbook_url="https://runbooks.example.com/checkout#errors",
    ),
    _gettable(
        "CertExpiresSoon",
        "info",
        "2026-11-20T08:00:00Z",
        "c3",
        description="certificate for shop.example.com expires in 12 days",
    ),
    _gettable("DiskFilling", "warning", "2026-11-24T12:00:00Z", "d4"),
    _gettable("NoSeverity", None, "2026-11-24T13:00:00Z", "e5"),
    # A proxy that ignores the query parameters still must not page us for a silenced alert.
    _gettable("Silenced", "critical", "2026-11-24T13:00:00Z", "f6", state="suppressed"),
]

PROXY_502 = (
    b"<html><head><title>502 Bad Gateway</title></head>\n"
    b"<body><center><h1>502 Bad Gateway</h1></center></body></html>\n"
)

# case -> (status code, content type, body)
CANNED: dict[str, tuple[int, str, bytes]] = {
    "firing": (200, "application/json", json.dumps(FIRING).encode()),
    "warnonly": (200, "application/json", json.dumps([FIRING[0], FIRING[3]]).encode()),
    "none": (200, "application/json", b"[]"),
    "page": (
        200,
        "application/json",
        json.dumps([_gettable("Down", "page", "2026-11-24T14:00:00Z", "p1")]).encode(),
    ),
    "unauthorized": (401, "text/plain", b"Unauthorized\n"),
    "forbidden": (403, "application/json", b'{"message":"forbidden"}'),
    "badfilter": (
        400,
        "application/json",
        json.dumps('bad matcher format: team=="x"').encode(),
    ),
    "internal": (500, "application/json", json.dumps("failed to get alerts").encode()),
    "proxy": (502, "text/html", PROXY_502),
    "notfound": (404, "text/plain", b"404 page not found\n"),
    "login": (302, "text/html", b"<a href='/login'>Found</a>"),
    "object": (200, "application/json", b'{"status": "success", "data": []}'),
    "nofingerprint": (
        200,
        "application/json",
        json.dumps([{k: v for k, v in FIRING[0].items() if k != "fingerprint"}]).encode(),
    ),
    "badtime": (
        200,
        "application/json",
        json.dumps([{**FIRING[0], "startsAt": "yesterday"}]).encode(),
    ),
}


@dataclass
class FakeAlertmanager:
    url: str
    release: threading.Event
    queries: list[list[tuple[str, str]]] = field(default_factory=list)
    auth_seen: list[str] = field(default_factory=list)
    header_seen: list[str] = field(default_factory=list)


def _handler(state: FakeAlertmanager) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            return

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            case, _, rest = parts.path.strip("/").partition("/")
            state.auth_seen.append(self.headers.get("Authorization", ""))
            state.header_seen.append(self.headers.get("X-Scope-OrgID", ""))
            if case == "hang":
                # Never answer until the test is over; bounded so a lost test cannot wedge CI.
                state.release.wait(30)
                return
            if case == "reset":
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if rest != "api/v2/alerts":
                status, ctype, body = 404, "text/plain", b"404 page not found\n"
            else:
                state.queries.append(parse_qsl(parts.query, keep_blank_values=True))
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
def server() -> Iterator[FakeAlertmanager]:
    state = FakeAlertmanager(url="", release=threading.Event())
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    state.release.set()
    httpd.shutdown()
    httpd.server_close()
    thread.join(5)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _read(
    base: str,
    *,
    filters: tuple[str, ...] = (),
    critical: tuple[str, ...] = ("critical", "page"),
    limit: float = 5.0,
    token_env: str = "",
) -> Reading:
    client = AlertmanagerClient(base, timeout=limit, bearer_token_env=token_env)
    source = AlertmanagerAlerts("alerts", MEASURES, client, filters, critical, clock=FakeClock())
    try:
        return await source.read()
    finally:
        await source.aclose()


# ---- the happy paths ---------------------------------------------------------------------------


async def test_firing_alerts_worst_first(server: FakeAlertmanager) -> None:
    reading = await _read(f"{server.url}/firing")
    assert reading.ok
    assert reading.status is Status.CRIT
    assert dict(reading.values) == {"firing": 5, "critical": 1}
    alerts = reading.detail
    assert isinstance(alerts, tuple)
    # Severity first; within one severity the longest-firing first; unknown before info.
    assert [a.name for a in alerts] == [
        "CheckoutHighErrorRate",
        "DiskFilling",
        "QueueBacklog",
        "NoSeverity",
        "CertExpiresSoon",
    ]
    top = alerts[0]
    assert top == FiringAlert(
        name="CheckoutHighErrorRate",
        severity="critical",
        summary="5xx above 1% for 5m",
        starts_at=datetime(2026, 11, 24, 13, 55, 12, 123456, tzinfo=UTC),
        fingerprint="b2",
        labels={
            "alertname": "CheckoutHighErrorRate",
            "job": "checkout",
            "pod": "checkout-7d9f",
            "severity": "critical",
        },
        annotations={
            "summary": "5xx above 1% for 5m",
            "description": "Checkout answers 5xx.\nLook at the last rollout first.",
            "runbook_url": "https://runbooks.example.com/checkout#errors",
        },
    )
    # Annotations arrive as the API gives them; the runbook URL is the conventional one.
    assert top.runbook_url == "https://runbooks.example.com/checkout#errors"
    assert alerts[1].runbook_url == ""
    # The description stands in for a missing summary; a missing severity is empty.
    assert alerts[4].summary == "certificate for shop.example.com expires in 12 days"
    assert alerts[3].severity == ""
    assert reading.note == (
        "CheckoutHighErrorRate (critical), DiskFilling (warning), QueueBacklog (warning) (+2 more)"
    )


async def test_query_asks_for_unsilenced_active_alerts_with_filters(
    server: FakeAlertmanager,
) -> None:
    await _read(f"{server.url}/none", filters=('team="checkout"', 'env=~"prod|staging"'))
    assert server.queries[-1] == [
        ("active", "true"),
        ("silenced", "false"),
        ("inhibited", "false"),
        ("filter", 'team="checkout"'),
        ("filter", 'env=~"prod|staging"'),
    ]


async def test_warnings_only_is_warn(server: FakeAlertmanager) -> None:
    reading = await _read(f"{server.url}/warnonly")
    assert reading.status is Status.WARN
    assert dict(reading.values) == {"firing": 2, "critical": 0}


async def test_nothing_firing_is_ok(server: FakeAlertmanager) -> None:
    reading = await _read(f"{server.url}/none")
    assert reading.ok
    assert reading.status is Status.OK
    assert dict(reading.values) == {"firing": 0, "critical": 0}
    assert reading.detail == ()
    assert reading.note == ""


async def test_critical_severities_are_configurable(server: FakeAlertmanager) -> None:
    assert (await _read(f"{server.url}/page")).status is Status.CRIT
    assert (await _read(f"{server.url}/page", critical=("critical",))).status is Status.WARN
    # Severity words are matched without regard to case.
    assert (await _read(f"{server.url}/page", critical=("PAGE",))).status is Status.CRIT


# ---- every way it fails ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("unauthorized", "authentication refused by 127.0.0.1:{port} (401 unauthorized); set "),
        ("forbidden", "authentication refused by 127.0.0.1:{port} (403 forbidden)"),
        ("badfilter", 'Alertmanager rejected the request: bad matcher format: team=="x"'),
        ("internal", "Alertmanager error from 127.0.0.1:{port} (HTTP 500): failed to get alerts"),
        ("proxy", "not an Alertmanager answer from 127.0.0.1:{port}: HTTP 502: 502 Bad Gateway"),
        ("login", "redirected by 127.0.0.1:{port} (HTTP 302) to sso.example.com/login; "),
        ("notfound", "HTTP 404 for /api/v2/alerts at http://127.0.0.1:{port}/notfound: "),
        (
            "object",
            "unexpected JSON from 127.0.0.1:{port}: expected a list of alerts, found dict",
        ),
        ("nofingerprint", "unexpected JSON from 127.0.0.1:{port}: alert 0 has no fingerprint"),
        (
            "badtime",
            "unexpected JSON from 127.0.0.1:{port}: alert 0 startsAt 'yesterday' is not a time",
        ),
    ],
)
async def test_http_failure_classes(server: FakeAlertmanager, case: str, expected: str) -> None:
    port = server.url.rsplit(":", 1)[1]
    reading = await _read(f"{server.url}/{case}")
    assert reading.status is Status.ERROR
    assert reading.error is not None
    assert reading.error.startswith(expected.format(port=port)), reading.error


async def test_timeout_names_the_limit(server: FakeAlertmanager) -> None:
    port = server.url.rsplit(":", 1)[1]
    reading = await _read(f"{server.url}/hang", limit=0.5)
    assert reading.error == f"no answer within 0.5s from 127.0.0.1:{port}"


async def test_closed_port_is_unreachable() -> None:
    port = _closed_port()
    reading = await _read(f"http://127.0.0.1:{port}")
    assert reading.error == f"cannot reach 127.0.0.1:{port}: connection refused"


async def test_connection_reset_is_reported(server: FakeAlertmanager) -> None:
    reading = await _read(f"{server.url}/reset")
    assert reading.error is not None
    assert reading.error.startswith("connection to 127.0.0.1:"), reading.error


# ---- the fix a message suggests names [alertmanager], never another section --------------------


async def test_an_untrusted_certificate_names_the_alertmanager_section(tmp_path: Path) -> None:
    """The message says which setting, in which section; done as it says (`ca_file` in
    `[alertmanager]` of a config), the same server is read."""
    require_tool("openssl")
    with https_server({"/api/v2/alerts": json.dumps(FIRING).encode()}) as tls:
        port = tls.url.rsplit(":", 1)[1]
        reading = await _read(tls.url)
        assert reading.status is Status.ERROR
        error = reading.error or ""
        assert error.startswith(f"cannot reach 127.0.0.1:{port}: TLS certificate not trusted: ")
        assert error.endswith("; set ca_file in [alertmanager]"), error
        assert "prometheus" not in error
        config = parse_config(
            {
                "alertmanager": {"url": tls.url, "ca_file": str(tls.ca_file)},
                "panels": {"alerts": {}},
            }
        )
        sources = build_sources(Runtime.build(config, clock=FakeClock()))
        try:
            ((source, _),) = sources.sources
            fixed = await source.read()
        finally:
            await sources.aclose()
    assert fixed.error is None and dict(fixed.values) == {"firing": 5, "critical": 1}


async def test_an_https_url_on_a_plain_http_port_names_the_setting(
    server: FakeAlertmanager,
) -> None:
    port = server.url.rsplit(":", 1)[1]
    reading = await _read(f"https://127.0.0.1:{port}/firing")
    assert reading.error == (
        f"cannot reach 127.0.0.1:{port}: TLS handshake failed: the server does not speak TLS "
        "(should the url in [alertmanager] start with http://?)"
    )


async def test_a_wrong_path_names_the_url_setting(server: FakeAlertmanager) -> None:
    port = server.url.rsplit(":", 1)[1]
    reading = await _read(f"{server.url}/notfound")
    assert reading.error == (
        f"HTTP 404 for /api/v2/alerts at http://127.0.0.1:{port}/notfound: "
        "is the url in [alertmanager] right (path prefix included)?"
    )


async def test_a_login_redirect_names_the_alertmanager_section(server: FakeAlertmanager) -> None:
    reading = await _read(f"{server.url}/login")
    assert (reading.error or "").endswith(
        "a login proxy? set bearer_token_env or headers in [alertmanager]"
    ), reading.error


async def test_a_refusing_proxy_is_named_not_the_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """HTTPS through the proxy of the environment: the tunnel is refused, and the message says
    it was the proxy, and which variables send requests there."""
    port = _closed_port()
    with refusing_proxy() as proxy:
        only_proxy(monkeypatch, "HTTPS_PROXY", proxy.url)
        reading = await _read(f"https://127.0.0.1:{port}")
    assert reading.error == (
        f"the proxy refused the connection to 127.0.0.1:{port} "
        "(407 Proxy Authentication Required); check HTTPS_PROXY and NO_PROXY in the environment"
    )
    assert proxy.seen == [f"CONNECT 127.0.0.1:{port} HTTP/1.1"]


# ---- credentials -------------------------------------------------------------------------------


async def test_missing_token_variable_is_explained(
    server: FakeAlertmanager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(TOKEN_ENV, raising=False)
    reading = await _read(f"{server.url}/none", token_env=TOKEN_ENV)
    assert reading.error == f"bearer token variable {TOKEN_ENV} is not set or empty"


async def test_token_hint_names_the_variable(
    server: FakeAlertmanager, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TOKEN_ENV, "wrong")
    reading = await _read(f"{server.url}/unauthorized", token_env=TOKEN_ENV)
    assert reading.error is not None
    assert reading.error.endswith(f"check the token in ${TOKEN_ENV}")


async def test_token_is_read_at_request_time(
    server: FakeAlertmanager, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = AlertmanagerClient(f"{server.url}/none", timeout=2, bearer_token_env=TOKEN_ENV)
    try:
        monkeypatch.setenv(TOKEN_ENV, "first")
        await client.firing()
        monkeypatch.setenv(TOKEN_ENV, "rotated")
        await client.firing()
    finally:
        await client.aclose()
    assert server.auth_seen[-2:] == ["Bearer first", "Bearer rotated"]


async def test_basic_auth_from_url_and_extra_headers_are_sent(server: FakeAlertmanager) -> None:
    url = server.url.replace("http://", f"http://oncall:{TOKEN}@") + "/none"
    client = AlertmanagerClient(url, timeout=2, headers={"X-Scope-OrgID": "team-checkout"})
    try:
        await client.firing()
    finally:
        await client.aclose()
    expected = "Basic " + base64.b64encode(f"oncall:{TOKEN}".encode()).decode()
    assert server.auth_seen[-1] == expected
    assert server.header_seen[-1] == "team-checkout"
    assert TOKEN not in repr(client)
    assert TOKEN not in client.url


@pytest.fixture
async def all_loggers_debug(caplog: pytest.LogCaptureFixture) -> AsyncIterator[None]:
    with caplog.at_level(logging.DEBUG):
        for name in ("httpx", "httpcore", "cockpit", "asyncio"):
            logging.getLogger(name).setLevel(logging.DEBUG)
        yield


async def test_token_never_leaks(
    server: FakeAlertmanager,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    all_loggers_debug: None,
) -> None:
    monkeypatch.setenv(TOKEN_ENV, TOKEN)
    texts: list[str] = []
    for case in [*CANNED, "hang", "reset"]:
        client = AlertmanagerClient(
            f"{server.url}/{case}",
            timeout=0.5 if case == "hang" else 10.0,
            bearer_token_env=TOKEN_ENV,
            headers={"X-Scope-OrgID": TOKEN},
        )
        source = AlertmanagerAlerts("alerts", MEASURES, client, clock=FakeClock())
        reading = await source.read()
        texts += [repr(client), repr(source), repr(reading), str(reading.error), reading.note]
        await source.aclose()
    client = AlertmanagerClient(f"http://u:{TOKEN}@127.0.0.1:{_closed_port()}", timeout=0.5)
    try:
        with pytest.raises(AlertmanagerError) as info:
            await client.firing()
    finally:
        await client.aclose()
    texts += [repr(client), str(info.value), repr(info.value), caplog.text]
    texts += [record.getMessage() for record in caplog.records]
    assert any(r.name.startswith("httpx") for r in caplog.records)
    assert [t for t in texts if TOKEN in t] == []
    assert f"Bearer {TOKEN}" in server.auth_seen


# ---- changes between reads, for the timeline ---------------------------------------------------


def _alert(fingerprint: str, severity: str = "warning", minutes_ago: int = 0) -> FiringAlert:
    return FiringAlert(
        name=f"A{fingerprint}",
        severity=severity,
        summary="",
        starts_at=T0 - timedelta(minutes=minutes_ago),
        fingerprint=fingerprint,
    )


def test_alert_changes_by_fingerprint() -> None:
    a, b, c = _alert("a"), _alert("b"), _alert("c")
    assert alert_changes((), (a, b)) == ((a, b), ())
    assert alert_changes((a, b), (b, c)) == ((c,), (a,))
    assert alert_changes((a, b), (a, b)) == ((), ())
    assert alert_changes((a, b), ()) == ((), (a, b))
    # Same fingerprint, new summary text: the same alert, not a new one.
    relabelled = FiringAlert("Aa", "critical", "now worse", T0, "a")
    assert alert_changes((a,), (relabelled,)) == ((), ())


def test_sort_is_stable_between_reads() -> None:
    old_warning = _alert("w1", "warning", minutes_ago=30)
    new_warning = _alert("w2", "warning", minutes_ago=1)
    twin = _alert("w0", "warning", minutes_ago=1)
    page = _alert("p", "page", minutes_ago=0)
    shuffled = (new_warning, page, twin, old_warning)
    assert sort_alerts(shuffled) == (page, old_warning, twin, new_warning)
    assert sort_alerts(reversed(shuffled)) == sort_alerts(shuffled)


def test_labels_cannot_be_changed() -> None:
    alert = FiringAlert("A", "warning", "", T0, "f", {"team": "x"})
    with pytest.raises(TypeError):
        alert.labels["team"] = "y"  # type: ignore[index]


# ---- from the config ---------------------------------------------------------------------------


async def test_config_builds_a_working_alerts_panel(server: FakeAlertmanager) -> None:
    config = parse_config(
        {
            "alertmanager": {"url": f"{server.url}/firing", "timeout": "2s"},
            "panels": {"alerts": {"filter": ['team="checkout"'], "interval": "15s"}},
        }
    )
    (spec,) = panel_specs(config)
    assert (spec.panel, spec.title, spec.source) == ("alerts", "Alerts", "alertmanager")
    sources = build_sources(Runtime.build(config, clock=FakeClock()))
    try:
        ((source, _),) = sources.sources
        reading = await source.read()
    finally:
        await sources.aclose()
    assert reading.status is Status.CRIT
    assert server.queries[-1][-1] == ("filter", 'team="checkout"')
    # The panel's measures say what the status says: critical at 1 is CRIT, firing at 1 WARN.
    by_key = {m.key: m for m in spec.measures}
    assert by_key["critical"].threshold.evaluate(reading.values["critical"]) is Status.CRIT
    assert by_key["firing"].threshold.evaluate(1) is Status.WARN
