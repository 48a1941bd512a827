"""Every way an HTTP request of a source fails, in words a person can act on at 3 a.m.

Prometheus, Alertmanager and the health checks word their failures here, so the same failure
reads the same on every panel and the fix it suggests points at the part of the config that owns
the URL: an untrusted certificate on the Alertmanager's URL says `set ca_file in [alertmanager]`,
on a health check `set ca_file for check "api" in [panels.health]`, never another section's.

What a message never carries: credentials (a URL's user and password are split off before any
request), a redirect's query string (it may hold a session or state token: host and path only),
or the text of an httpx exception, which may quote the request. The reason is read from the
types in the exception's chain; text is a last resort, reduced to a few known words. What a
server or proxy wrote (an error page's first line, a proxy's status reason) is cut to one short
line and made terminal-safe.
"""

from __future__ import annotations

import errno
import html
import re
import socket
import ssl
from dataclasses import dataclass

import httpx

from cockpit.core.causes import causes
from cockpit.core.safe_text import terminal_safe

# How much of a server's own text a message quotes: enough for "502 Bad Gateway" or an error
# sentence, short enough to stay one line on the panel.
EXCERPT = 120
_TAG = re.compile(r"<[^>]*>")
# How the resolver's failure reads when only text is left of it (glibc, macOS, Windows).
_DNS_WORDS = ("name or service not known", "nodename nor servname", "name resolution")


class HttpSourceError(Exception):
    """A failed request, worded for the panel. The message never carries credentials."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Origin:
    """Who a message is about: the server (`host:port`) and where its settings live in the
    config: a table (`prometheus`, `panels.health`) and, for one entry of a list in it, which."""

    where: str
    table: str
    entry: str = ""  # e.g. 'check "api"'

    @property
    def section(self) -> str:
        return f"[{self.table}]"

    def fix(self, setting: str) -> str:
        """`set <setting> in [table]`, or `… for <entry> in [table]`."""
        owner = f"for {self.entry} in {self.section}" if self.entry else f"in {self.section}"
        return f"set {setting} {owner}"


# ---- the request never got an answer ------------------------------------------------------------


def transport_failure(exc: httpx.TransportError, origin: Origin, timeout: float) -> str:
    """No HTTP answer: timed out, not reachable, refused by a proxy, or cut off."""
    if isinstance(exc, httpx.TimeoutException):
        return f"no answer within {timeout:g}s from {origin.where}"
    if isinstance(exc, httpx.ProxyError):
        # The proxy from the environment answered the tunnel request with an error status.
        return (
            f"the proxy refused the connection to {origin.where} ({excerpt(str(exc))}); "
            "check HTTPS_PROXY and NO_PROXY in the environment"
        )
    if isinstance(exc, httpx.ConnectError):
        return f"cannot reach {origin.where}: {connect_reason(exc, origin)}"
    return f"connection to {origin.where} failed: {transport_reason(exc)}"


def connect_reason(exc: BaseException, origin: Origin) -> str:
    """Why a connection could not be made: refused, DNS, TLS, unreachable."""
    chain = list(causes(exc))
    for err in chain:
        if isinstance(err, ssl.SSLCertVerificationError):
            # The usual cause behind a private CA: say what to configure, and where.
            detail = err.verify_message or "verification failed"
            return f"TLS certificate not trusted: {detail}; {origin.fix('ca_file')}"
        if isinstance(err, ssl.SSLError):
            if err.reason == "WRONG_VERSION_NUMBER":
                # An https:// URL on a port that answers in plain HTTP.
                return (
                    "TLS handshake failed: the server does not speak TLS "
                    f"(should {_url_of(origin)} start with http://?)"
                )
            return "TLS handshake failed"
        if isinstance(err, OSError):
            words = _os_words(err)
            if words:
                return words
    text = " ".join(str(err).lower() for err in chain)
    if "refused" in text:
        return "connection refused"
    if any(words in text for words in _DNS_WORDS):
        return "host name not found (DNS)"
    if "certificate" in text or "ssl" in text:
        return "TLS handshake failed"
    return "connection failed"


def transport_reason(exc: httpx.TransportError) -> str:
    # The class only: str(exc) may quote parts of the request.
    if isinstance(exc, httpx.RemoteProtocolError):
        return "server closed the connection or broke the protocol"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return "connection reset"
    return type(exc).__name__


def socket_failure(exc: OSError) -> str:
    """Why a plain TCP connect failed (a health check's `tcp = "host:port"`)."""
    return _os_words(exc) or (exc.strerror or "connection failed").lower()


def _os_words(err: OSError) -> str:
    if isinstance(err, socket.gaierror):
        return "host name not found (DNS)"
    if isinstance(err, ConnectionRefusedError) or err.errno == errno.ECONNREFUSED:
        return "connection refused"
    if err.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        return "network unreachable"
    if err.errno is None and f"[Errno {errno.ECONNREFUSED}]" in str(err):
        # A name with several addresses (localhost: ::1 and 127.0.0.1) fails with one OSError
        # that lists each attempt and carries no errno of its own.
        return "connection refused"
    return ""


def _url_of(origin: Origin) -> str:
    if origin.entry:
        return f"the url for {origin.entry} in {origin.section}"
    return f"the url in {origin.section}"


# ---- an answer that is not the one asked for -----------------------------------------------------


def status_problem(response: httpx.Response, origin: Origin, refused_hint: str) -> str:
    """What a 401/403, a 407 or a redirect means before the body is read; empty otherwise.
    `refused_hint` says where the credentials come from (`HttpAuth.refused_hint`)."""
    code = response.status_code
    if code in (401, 403):
        word = "unauthorized" if code == 401 else "forbidden"
        return f"authentication refused by {origin.where} ({code} {word}); {refused_hint}"
    if code == 407:
        return (
            f"a proxy between here and {origin.where} asks for credentials (407); "
            "check HTTP_PROXY, HTTPS_PROXY and NO_PROXY in the environment"
        )
    if response.is_redirect:
        # Usually an SSO proxy sending us to its login page.
        target = httpx.URL(response.headers.get("location", ""))
        return (
            f"redirected by {origin.where} (HTTP {code}) to {target.host}{target.path}; "
            f"a login proxy? {origin.fix('bearer_token_env or headers')}"
        )
    return ""


def not_found(path: str, url: str, origin: Origin) -> str:
    return f"HTTP 404 for /{path} at {url}: is {_url_of(origin)} right (path prefix included)?"


def not_an_answer(service: str, origin: Origin, response: httpx.Response) -> str:
    """A body that is not the service's JSON: usually a proxy's or load balancer's error page.
    `service` with its article: "a Prometheus", "an Alertmanager"."""
    return (
        f"not {service} answer from {origin.where}: HTTP {response.status_code}: "
        f"{first_line(response.text)}"
    )


def first_line(text: str) -> str:
    # Proxies answer with HTML; the first line of visible text ("502 Bad Gateway") says most.
    visible = html.unescape(_TAG.sub("\n", text))
    for line in visible.splitlines():
        if line.strip():
            return excerpt(line)
    return "(empty body)"


def excerpt(text: str, limit: int = EXCERPT) -> str:
    """A server's words on one short, terminal-safe line."""
    line = terminal_safe(" ".join(text.split()))
    return line if len(line) <= limit else line[: limit - 1] + "…"


__all__ = [
    "HttpSourceError",
    "Origin",
    "connect_reason",
    "excerpt",
    "first_line",
    "not_an_answer",
    "not_found",
    "socket_failure",
    "status_problem",
    "transport_failure",
    "transport_reason",
]
