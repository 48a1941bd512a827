"""What every HTTP source does with its base URL: credentials in the URL become basic auth (so
the URL shown in messages and logged by httpx never carries them), and `host:port` names the
server in messages."""

from __future__ import annotations

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
