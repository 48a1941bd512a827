"""What every HTTP source does with its base URL and credentials: credentials in the URL become
basic auth (so the URL shown in messages and logged by httpx never carries them), `host:port`
names the server in messages, and `HttpAuth` holds the bearer token / basic auth / TLS settings
that Prometheus and Alertmanager share."""

from __future__ import annotations

import asyncio
import os
import ssl
from dataclasses import dataclass

import httpx


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
                return ssl.create_default_context(cafile=os.path.expanduser(self.ca_file)), ""
            except (OSError, ssl.SSLError) as exc:
                return True, f"ca_file {self.ca_file}: {getattr(exc, 'strerror', None) or exc}"
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


def _read_text(path: str) -> str:
    with open(os.path.expanduser(path), encoding="utf-8") as handle:
        return handle.read()
