"""What every HTTP API source does with its base URL and credentials: credentials in the URL
become basic auth (so the URL shown in messages and logged by httpx never carries them),
`host:port` names the server in messages, `HttpAuth` holds the bearer token / basic auth / TLS
settings that Prometheus and Alertmanager share, and `ApiClient` sends their requests and turns
every failure to get an answer into one error worded by `errors`."""

from __future__ import annotations

import asyncio
import os
import ssl
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar

import httpx

from cockpit.sources.http.errors import HttpSourceError, Origin, status_problem, transport_failure


@dataclass(frozen=True, slots=True)
class BaseUrl:
    url: str  # without credentials or a trailing slash
    where: str  # host:port, for messages
    auth: httpx.BasicAuth | None


def split_base_url(url: str) -> BaseUrl:
    parsed = httpx.URL(url)
    auth = None
    if parsed.username or parsed.password:
        auth = httpx.BasicAuth(parsed.username, parsed.password)
        parsed = parsed.copy_with(username=None, password=None)
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    return BaseUrl(str(parsed).rstrip("/"), f"{parsed.host}:{port}", auth)


@dataclass(frozen=True, slots=True)
class HttpAuth:
    """How an HTTP source proves who it is and checks who it talks to. The token itself is
    never stored: it is read from its variable or file at every request, so a rotated token
    (a projected service-account token, a sidecar-refreshed file) works without a restart."""

    bearer_token_env: str = ""
    bearer_token_file: str = ""
    basic_auth: tuple[str, str] | None = None
    ca_file: str = ""
    insecure_skip_verify: bool = False

    def __repr__(self) -> str:
        # Names of where secrets live, never the secrets (the basic-auth password included).
        parts = [
            f"{name}={value!r}"
            for name, value in (
                ("bearer_token_env", self.bearer_token_env),
                ("bearer_token_file", self.bearer_token_file),
                ("ca_file", self.ca_file),
            )
            if value
        ]
        if self.basic_auth:
            parts.append(f"basic_auth_user={self.basic_auth[0]!r}")
        if self.insecure_skip_verify:
            parts.append("insecure_skip_verify=True")
        return f"HttpAuth({', '.join(parts)})"

    def verify(self) -> tuple[ssl.SSLContext | bool, str]:
        """httpx's `verify` and, when the CA file cannot be used, why (shown on the panel at
        each read rather than failing the whole dashboard at start)."""
        if self.insecure_skip_verify:
            return False, ""
        if self.ca_file:
            try:
                return ca_context(self.ca_file), ""
            except CaFileError as exc:
                return True, exc.message
        return True, ""

    def basic(self, url_auth: httpx.BasicAuth | None) -> httpx.BasicAuth | None:
        return httpx.BasicAuth(*self.basic_auth) if self.basic_auth else url_auth

    async def headers(self) -> dict[str, str]:
        """The Authorization header for this request; `ValueError` with the reason when the
        token cannot be had."""
        if self.bearer_token_env:
            token = os.environ.get(self.bearer_token_env, "").strip()
            if not token:
                raise ValueError(
                    f"bearer token variable {self.bearer_token_env} is not set or empty"
                )
            return {"Authorization": f"Bearer {token}"}
        if self.bearer_token_file:
            try:
                text = await asyncio.to_thread(_read_text, self.bearer_token_file)
            except OSError as exc:
                raise ValueError(
                    f"bearer_token_file {self.bearer_token_file}: {exc.strerror or exc}"
                ) from None
            if not text.strip():
                raise ValueError(f"bearer_token_file {self.bearer_token_file} is empty")
            return {"Authorization": f"Bearer {text.strip()}"}
        return {}

    def refused_hint(self, table: str) -> str:
        """What to check after a 401/403, naming where the credentials come from."""
        if self.bearer_token_env:
            return f"check the token in ${self.bearer_token_env}"
        if self.bearer_token_file:
            return f"check the token in {self.bearer_token_file}"
        if self.basic_auth:
            return f"check basic_auth_user / basic_auth_password_env in [{table}]"
        return f"set bearer_token_env, bearer_token_file or headers in [{table}]"


class CaFileError(Exception):
    """A `ca_file` that cannot be used, with the reason; the message names the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def ca_context(ca_file: str) -> ssl.SSLContext:
    """A TLS context that trusts the CA in `ca_file` (`~` expanded); `CaFileError` if it
    cannot be read or holds no certificate."""
    try:
        return ssl.create_default_context(cafile=os.path.expanduser(ca_file))
    except ssl.SSLError:
        raise CaFileError(f"ca_file {ca_file}: not a PEM certificate") from None
    except OSError as exc:
        reason = (exc.strerror or type(exc).__name__).lower()
        raise CaFileError(f"ca_file {ca_file}: {reason}") from None


_PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy")


def _plain_http_direct(url: str) -> bool:
    """A plain-HTTP URL reached without a proxy from the environment (which httpx honours and
    which may itself be HTTPS)."""
    proxied = any(os.environ.get(v) or os.environ.get(v.upper()) for v in _PROXY_VARIABLES)
    return url.lower().startswith("http://") and not proxied


class ApiClient:
    """One `httpx.AsyncClient` for one HTTP API, with its credentials and TLS settings.

    `url` may carry a path prefix (`http://host/prometheus`); request paths are appended to it.
    Redirects are refused, not followed: one to a login page must be reported, and following
    one could carry the credentials elsewhere. `table` is the config section the settings come
    from, named in every message that suggests a fix.
    """

    error: ClassVar[type[HttpSourceError]] = HttpSourceError
    table: ClassVar[str]

    def __init__(
        self,
        url: str,
        *,
        timeout: float,
        bearer_token_env: str = "",
        headers: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        bearer_token_file: str = "",
        basic_auth: tuple[str, str] | None = None,
        ca_file: str = "",
        insecure_skip_verify: bool = False,
    ) -> None:
        split = split_base_url(url)
        self.url = split.url
        self.where = split.where
        self.origin = Origin(split.where, self.table)
        self.timeout = timeout
        self.auth = HttpAuth(
            bearer_token_env, bearer_token_file, basic_auth, ca_file, insecure_skip_verify
        )
        verify, self._setup_error = self.auth.verify()
        if verify is True and _plain_http_direct(self.url) and transport is None:
            # Nothing here ever speaks TLS (redirects are refused, not followed, and no proxy
            # is set), so the CA bundle need not be loaded: a tenth of a second on the event
            # loop right after the first frame. A context that trusts nothing fails closed.
            verify = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        self._header_names = tuple(sorted(headers or {}))
        self._http = httpx.AsyncClient(
            base_url=self.url + "/",
            timeout=httpx.Timeout(timeout),
            headers=dict(headers or {}),
            auth=self.auth.basic(split.auth),
            transport=transport,
            follow_redirects=False,
            verify=verify,
        )

    def __repr__(self) -> str:
        # Header values and secrets are deliberately absent: HttpAuth names only where they live.
        headers = f", headers={list(self._header_names)!r}" if self._header_names else ""
        name = type(self).__name__
        return f"{name}({self.url!r}, timeout={self.timeout:g}, {self.auth!r}{headers})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _send(
        self,
        path: str,
        params: Mapping[str, str] | Sequence[tuple[str, str]],
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """GET `path`; an answer that is not refused or redirected, or `self.error` with why."""
        if self._setup_error:
            raise self.error(self._setup_error)
        try:
            auth_headers = await self.auth.headers()
        except ValueError as exc:
            raise self.error(str(exc)) from None
        try:
            response = await self._http.get(
                path, params=params, headers={**(headers or {}), **auth_headers}
            )
        except httpx.TransportError as exc:
            raise self.error(transport_failure(exc, self.origin, self.timeout)) from None
        problem = status_problem(response, self.origin, self.auth.refused_hint(self.table))
        if problem:
            raise self.error(problem)
        return response


def _read_text(path: str) -> str:
    with open(os.path.expanduser(path), encoding="utf-8") as handle:
        return handle.read()
