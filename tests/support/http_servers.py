"""Loopback servers for the HTTP sources' failure tests: an HTTPS server whose certificate the
client does not trust until told to (the throwaway CA of `fakekube.server.tls_material`), and an
HTTP proxy that refuses every request, as a corporate proxy without credentials does.

Both record what reached them, so a test proves the request took the path it names.
"""

from __future__ import annotations

import ssl
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.support.fakekube.server import tls_material


@dataclass
class Served:
    url: str
    ca_file: Path  # the CA that signed the server's certificate
    seen: list[str] = field(default_factory=list)  # request lines


class _Quiet(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return  # a client that refuses the certificate hangs up mid-handshake: expected


@contextmanager
def _running(httpd: ThreadingHTTPServer) -> Iterator[None]:
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@contextmanager
def https_server(answers: Mapping[str, bytes]) -> Iterator[Served]:
    """HTTPS on 127.0.0.1: each path in `answers` is a 200 with that JSON body, anything else
    a 404. The certificate is for 127.0.0.1, signed by a CA no system trusts."""
    material = tls_material()
    served = Served("", material.cert_file.parent / "ca.crt")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def do_GET(self) -> None:
            served.seen.append(self.requestline)
            path = self.path.split("?", 1)[0]
            body = answers.get(path)
            self.send_response(200 if body is not None else 404)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body or b"")))
            self.end_headers()
            self.wfile.write(body or b"")

    httpd = _Quiet(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(material.cert_file, material.key_file)
    # The handshake happens in the handler thread, so a refusing client cannot block accept.
    httpd.socket = context.wrap_socket(
        httpd.socket, server_side=True, do_handshake_on_connect=False
    )
    served.url = f"https://127.0.0.1:{httpd.server_address[1]}"
    with _running(httpd):
        yield served


@dataclass
class Proxy:
    url: str
    seen: list[str] = field(default_factory=list)  # request lines: CONNECT host:port, GET url


@contextmanager
def refusing_proxy() -> Iterator[Proxy]:
    """A plain-HTTP proxy on 127.0.0.1 that answers every tunnel (CONNECT) and every forwarded
    request with 407 Proxy Authentication Required."""
    proxy = Proxy("")

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            return

        def _refuse(self) -> None:
            proxy.seen.append(self.requestline)
            self.send_response(407, "Proxy Authentication Required")
            self.send_header("Proxy-Authenticate", 'Basic realm="corporate proxy"')
            self.send_header("Content-Length", "0")
            self.end_headers()

        do_CONNECT = _refuse
        do_GET = _refuse

    httpd = _Quiet(("127.0.0.1", 0), Handler)
    proxy.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    with _running(httpd):
        yield proxy


_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")


def only_proxy(monkeypatch: pytest.MonkeyPatch, variable: str, url: str) -> None:
    """The environment names one proxy (`variable`, e.g. HTTPS_PROXY) and no exceptions: the
    machine's own proxy settings, in either case, must not decide where the request goes."""
    for name in _PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv(variable, url)
