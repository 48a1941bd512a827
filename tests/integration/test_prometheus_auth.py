"""Connection settings for Prometheus-compatible servers and Alertmanager: a bearer token from a
file (re-read, so rotation works), basic auth, a private CA or skip-verify. Secrets never show
up in messages. Served over real HTTPS on loopback with a throwaway CA."""

from __future__ import annotations

import base64
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from cockpit.core.model import Measure, Status, Threshold
from cockpit.sources.http.alertmanager import AlertmanagerAlerts, AlertmanagerClient
from cockpit.sources.http.prometheus import PrometheusClient, PrometheusValue
from tests.support.fakekube.server import tls_material

DEPTH = (Measure("depth", "depth", "count", Threshold(crit=100, warn=80)),)
ANSWER = {"status": "success", "data": {"resultType": "vector",
          "result": [{"metric": {}, "value": [1700000000, "42"]}]}}  # fmt: skip
ALERTS = [{"labels": {"alertname": "CheckoutDown", "severity": "critical"},
           "annotations": {"summary": "checkout is down"}, "fingerprint": "f1",
           "startsAt": "2026-11-24T14:00:00Z", "endsAt": "2026-11-24T15:00:00Z",
           "updatedAt": "2026-11-24T14:00:00Z", "receivers": [{"name": "pager"}],
           "status": {"state": "active", "silencedBy": [], "inhibitedBy": []}}]  # fmt: skip
ALERT_MEASURES = (
    Measure("firing", "firing", "count", Threshold(crit=None, warn=1)),
    Measure("critical", "critical", "count", Threshold(crit=1)),
)


class Server:
    def __init__(self) -> None:
        self.expected = ""  # the Authorization header value the server accepts

        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                return

            def do_GET(self) -> None:
                ok = self.headers.get("Authorization", "") == outer.expected
                answer: Any = ALERTS if self.path.startswith("/api/v2/alerts") else ANSWER
                body = json.dumps(answer if ok else {"status": "error"}).encode()
                self.send_response(200 if ok else 401)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        material = tls_material()
        self.ca_file = material.cert_file.parent / "ca.crt"
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(material.cert_file, material.key_file)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[Server]:
    srv = Server()
    yield srv
    srv.close()


async def read(client: PrometheusClient) -> Any:
    source = PrometheusValue("queue", DEPTH, client, "depth", "depth")
    try:
        return await source.read()
    finally:
        await source.aclose()


async def test_bearer_token_file_is_reread_so_rotation_works(
    server: Server, tmp_path: Path
) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("first-secret-token\n")
    server.expected = "Bearer first-secret-token"
    client = PrometheusClient(
        server.url, timeout=5, bearer_token_file=str(token_file), ca_file=str(server.ca_file)
    )
    source = PrometheusValue("queue", DEPTH, client, "depth", "depth")
    try:
        assert (await source.read()).values == {"depth": 42.0}
        token_file.write_text("second-secret-token")
        server.expected = "Bearer second-secret-token"
        assert (await source.read()).values == {"depth": 42.0}
        server.expected = "Bearer something-else"
        refused = await source.read()
    finally:
        await source.aclose()
    assert refused.status is Status.ERROR and "401 unauthorized" in (refused.error or "")
    assert "second-secret-token" not in (refused.error or "") + repr(client)


async def test_basic_auth(server: Server) -> None:
    server.expected = "Basic " + base64.b64encode(b"oncall:pa55").decode()
    client = PrometheusClient(
        server.url, timeout=5, basic_auth=("oncall", "pa55"), ca_file=str(server.ca_file)
    )
    reading = await read(client)
    assert reading.error is None and reading.values == {"depth": 42.0}


async def test_private_ca_unknown_ca_and_skip_verify(server: Server) -> None:
    server.expected = ""
    trusted = await read(PrometheusClient(server.url, timeout=5, ca_file=str(server.ca_file)))
    assert trusted.error is None
    untrusted = await read(PrometheusClient(server.url, timeout=5))
    assert untrusted.status is Status.ERROR
    assert "certificate" in (untrusted.error or "").lower(), untrusted.error
    skipped = await read(PrometheusClient(server.url, timeout=5, insecure_skip_verify=True))
    assert skipped.error is None


async def test_a_missing_ca_file_is_named(server: Server, tmp_path: Path) -> None:
    reading = await read(
        PrometheusClient(server.url, timeout=5, ca_file=str(tmp_path / "missing.pem"))
    )
    assert reading.status is Status.ERROR
    assert "missing.pem" in (reading.error or "")


# ---- Alertmanager: the same settings, the same code --------------------------------------


async def read_alerts(client: AlertmanagerClient) -> Any:
    source = AlertmanagerAlerts("alerts", ALERT_MEASURES, client)
    try:
        return await source.read()
    finally:
        await source.aclose()


async def test_alertmanager_with_a_token_file_a_private_ca_and_basic_auth(
    server: Server, tmp_path: Path
) -> None:
    token_file = tmp_path / "am-token"
    token_file.write_text("am-secret\n")
    server.expected = "Bearer am-secret"
    with_token = AlertmanagerClient(
        server.url, timeout=5, bearer_token_file=str(token_file), ca_file=str(server.ca_file)
    )
    reading = await read_alerts(with_token)
    assert reading.error is None and reading.values["critical"] == 1
    server.expected = "Basic " + base64.b64encode(b"oncall:pa55").decode()
    basic = AlertmanagerClient(
        server.url, timeout=5, basic_auth=("oncall", "pa55"), ca_file=str(server.ca_file)
    )
    assert (await read_alerts(basic)).error is None
    refused = await read_alerts(
        AlertmanagerClient(
            server.url, timeout=5, bearer_token_file=str(token_file), ca_file=str(server.ca_file)
        )
    )
    assert "401 unauthorized" in (refused.error or "")
    assert f"check the token in {token_file}" in (refused.error or "")
    assert "am-secret" not in (refused.error or "") + repr(with_token) + repr(with_token.auth)


async def test_alertmanager_private_ca_and_skip_verify(server: Server, tmp_path: Path) -> None:
    server.expected = ""
    untrusted = await read_alerts(AlertmanagerClient(server.url, timeout=5))
    assert untrusted.status is Status.ERROR
    assert "certificate" in (untrusted.error or "").lower(), untrusted.error
    skipped = await read_alerts(
        AlertmanagerClient(server.url, timeout=5, insecure_skip_verify=True)
    )
    assert skipped.error is None
    missing = await read_alerts(
        AlertmanagerClient(server.url, timeout=5, ca_file=str(tmp_path / "nope.pem"))
    )
    assert missing.status is Status.ERROR and "nope.pem" in (missing.error or "")


def test_alertmanager_settings_take_the_same_keys_as_prometheus() -> None:
    from cockpit.config.schema import Config
    from cockpit.runtime.wiring import http_options

    config = Config.model_validate(
        {"alertmanager": {"url": "https://am.internal:9093", "bearer_token_file": "/run/token",
                          "ca_file": "ca.pem", "headers": {"X-Scope-OrgID": "team"}}}
    )  # fmt: skip
    assert config.alertmanager is not None
    options = http_options(config.alertmanager)
    assert options["bearer_token_file"] == "/run/token" and options["ca_file"] == "ca.pem"
    with pytest.raises(ValueError, match="not both"):
        Config.model_validate(
            {"alertmanager": {"bearer_token_env": "T", "bearer_token_file": "/run/token"}}
        )
