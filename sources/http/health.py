"""HTTP(S) and TCP health checks, all run at once on every read.

Each check runs under its own time limit, and all of them run concurrently (`asyncio.gather`),
so one endpoint that hangs costs its own timeout and never holds back the verdict of the others.
A check never raises: every failure becomes a `HealthResult` with a short message ("HTTP 503",
"connection refused", "timed out after 2s"), and the panel is CRIT while any check fails.

Every probe opens a fresh connection (no keep-alive): a server that has stopped accepting
connections must fail its check, not pass it over a socket kept open since it was healthy. The
body of an HTTP answer is never read, so a large health page costs nothing.

Credentials written into a check's URL become basic auth and are never shown: the target the
panel names is scheme, host, port and path only (a query string may carry a token too).
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import httpx

from cockpit.core.model import HealthResult, Measure, Reading, Status
from cockpit.core.safe_text import quoted
from cockpit.sources.base import Clock, utc_now
from cockpit.sources.http.client import CaFileError, ca_context
from cockpit.sources.http.errors import Origin, connect_reason, socket_failure, transport_reason

DEFAULT_TIMEOUT = 2.0
# How many failing checks the one-line note names.
NOTE_CHECKS = 3


@dataclass(frozen=True, slots=True)
class HttpCheck:
    name: str
    url: str
    expect_status: int = 200
    timeout: float = DEFAULT_TIMEOUT
    follow_redirects: bool = False
    verify: bool = True
    ca_file: str = ""


@dataclass(frozen=True, slots=True)
class TcpCheck:
    name: str
    host: str
    port: int
    timeout: float = DEFAULT_TIMEOUT


Check = HttpCheck | TcpCheck


def http_target(url: str) -> str:
    """What the panel shows for an HTTP check: no credentials, no query string."""
    parsed = httpx.URL(url)
    default = {"http": 80, "https": 443}.get(parsed.scheme)
    port = f":{parsed.port}" if parsed.port and parsed.port != default else ""
    host = f"[{parsed.host}]" if ":" in parsed.host else parsed.host
    return f"{parsed.scheme}://{host}{port}{parsed.path}"


def tcp_target(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def target_of(check: Check) -> str:
    if isinstance(check, HttpCheck):
        return http_target(check.url)
    return tcp_target(check.host, check.port)


class _Failed(Exception):
    """A check failed with a message for the panel (and maybe a latency: the answer came)."""

    def __init__(self, message: str, latency: float | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.latency = latency


def _seconds(value: float) -> str:
    return f"{value:g}s"


class HealthChecks:
    """The health panel: values `failing` and `checks`, CRIT while any check fails."""

    kind = "health"

    def __init__(
        self,
        panel: str,
        measures: tuple[Measure, ...],
        checks: Sequence[Check],
        *,
        clock: Clock = utc_now,
        transport: httpx.AsyncBaseTransport | None = None,
        table: str = "",
    ) -> None:
        self.panel = panel
        # Where the checks are configured, for the fix a message suggests: the panel's table
        # (`[panels.health]`) unless the caller knows better.
        self.table = table or f"panels.{panel}"
        self.measures = measures
        self.checks = tuple(checks)
        self.clock = clock
        self._transport = transport
        # One client per distinct TLS/redirect setting, made on first use: loading a CA bundle
        # is not free, and most configs need exactly one.
        self._clients: dict[tuple[bool, str, bool], httpx.AsyncClient] = {}
        self._last_failure: dict[str, datetime] = {}
        self._failing_since: dict[str, datetime] = {}

    def __repr__(self) -> str:
        names = [c.name for c in self.checks]
        return f"HealthChecks(panel={self.panel!r}, checks={names!r})"

    async def read(self) -> Reading:
        now = self.clock()
        outcomes = await asyncio.gather(*(self._run(check) for check in self.checks))
        results = []
        for check, (ok, latency, message) in zip(self.checks, outcomes, strict=True):
            if ok:
                self._failing_since.pop(check.name, None)
            else:
                self._last_failure[check.name] = now
                self._failing_since.setdefault(check.name, now)
            results.append(
                HealthResult(
                    name=check.name,
                    target=target_of(check),
                    ok=ok,
                    latency_s=latency,
                    message=message,
                    last_failure=self._last_failure.get(check.name),
                    failing_since=self._failing_since.get(check.name),
                )
            )
        failing = [r for r in results if not r.ok]
        values = {"failing": float(len(failing)), "checks": float(len(results))}
        note = "; ".join(f"{r.name}: {r.message}" for r in failing[:NOTE_CHECKS])
        if len(failing) > NOTE_CHECKS:
            note += f" (+{len(failing) - NOTE_CHECKS} more)"
        return Reading(
            self.panel,
            now,
            values,
            Status.CRIT if failing else Status.OK,
            # A tuple of HealthResult; the model's Detail union predates this panel kind.
            detail=tuple(results),
            note=note,
        )

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()

    # ---- one check ---------------------------------------------------------------------------

    async def _run(self, check: Check) -> tuple[bool, float | None, str]:
        """(ok, latency, message); never raises except when the read itself is cancelled."""
        try:
            async with asyncio.timeout(check.timeout):
                if isinstance(check, HttpCheck):
                    latency, message = await self._http(check)
                else:
                    latency, message = await _tcp(check)
        except TimeoutError:
            return False, None, f"timed out after {_seconds(check.timeout)}"
        except _Failed as failed:
            return False, failed.latency, failed.message
        except Exception as exc:  # a surprise in one check must not hide the others' results
            return False, None, f"check failed: {type(exc).__name__}"
        return True, latency, message

    async def _http(self, check: HttpCheck) -> tuple[float, str]:
        client = self._client(check)
        url = httpx.URL(check.url)
        auth = None
        if url.username or url.password:
            auth = httpx.BasicAuth(url.username, url.password)
            url = url.copy_with(username=None, password=None)
        started = time.perf_counter()
        try:
            # Streamed and closed unread: the status line is the whole verdict.
            async with client.stream(
                "GET", url, auth=auth, timeout=httpx.Timeout(check.timeout)
            ) as response:
                latency = time.perf_counter() - started
                code = response.status_code
                location = response.headers.get("location", "")
        except httpx.TimeoutException:
            raise TimeoutError from None
        except httpx.ConnectError as exc:
            raise _Failed(connect_reason(exc, self._origin(check))) from None
        except httpx.TransportError as exc:
            raise _Failed(transport_reason(exc)) from None
        if code == check.expect_status:
            return latency, f"HTTP {code}"
        message = f"HTTP {code}"
        if 300 <= code < 400 and location and not check.follow_redirects:
            # Host and path only: a redirect's query string may carry a session or state token.
            target = url.join(location)
            message += f" → {target.host}{target.path}"
        if check.expect_status != 200:
            message += f" (expected {check.expect_status})"
        raise _Failed(message, latency)

    def _origin(self, check: HttpCheck) -> Origin:
        return Origin(http_target(check.url), self.table, f"check {quoted(check.name)}")

    def _client(self, check: HttpCheck) -> httpx.AsyncClient:
        key = (check.verify, check.ca_file, check.follow_redirects)
        client = self._clients.get(key)
        if client is None:
            verify: ssl.SSLContext | bool = check.verify
            if check.verify and check.ca_file:
                try:
                    verify = ca_context(check.ca_file)
                except CaFileError as exc:
                    raise _Failed(exc.message) from None
            client = httpx.AsyncClient(
                verify=verify,
                follow_redirects=check.follow_redirects,
                limits=httpx.Limits(max_keepalive_connections=0),
                transport=self._transport,
            )
            self._clients[key] = client
        return client


async def _tcp(check: TcpCheck) -> tuple[float, str]:
    started = time.perf_counter()
    try:
        _, writer = await asyncio.open_connection(check.host, check.port)
    except OSError as exc:
        raise _Failed(socket_failure(exc)) from None
    latency = time.perf_counter() - started
    writer.close()
    # The connect is the check; a reset while hanging up says nothing more.
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return latency, "connected"


__all__ = [
    "Check",
    "HealthChecks",
    "HealthResult",
    "HttpCheck",
    "TcpCheck",
    "http_target",
    "tcp_target",
]
