"""Alerts firing now, from the Alertmanager API v2 (`GET /api/v2/alerts`).

The cockpit asks only for what needs a person: active alerts that are neither silenced nor
inhibited, narrowed by the label matchers of the config (Alertmanager's repeated `filter`
parameter, so the server does the matching with its own matcher syntax and semantics).

Every way the request can fail is one `AlertmanagerError` worded for the panel, in the same words
the Prometheus source uses, so both read alike at 3 a.m. The bearer token is read from its
environment variable at request time and never stored, logged, put in a message or a repr.

`alert_changes` compares two readings' alerts by fingerprint; the app turns what it returns into
timeline entries ("alert firing", "alert resolved").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from cockpit.core.model import FiringAlert, Measure, Reading, Status, alert_changes
from cockpit.sources.base import Clock, utc_now
from cockpit.sources.http.client import HttpAuth, split_base_url
from cockpit.sources.http.prometheus import _connect_reason, _first_line, _transport_reason

ALERTS_PATH = "api/v2/alerts"
DEFAULT_CRITICAL = ("critical", "page")
# How many alerts the one-line note names: the worst few, the rest as a count.
NOTE_ALERTS = 3
MESSAGE_LIMIT = 200

# Severity words seen in the wild, most urgent first. The configured critical words always rank
# first; anything unknown sits between warning and info, so a typo is not buried under info.
_SEVERITY_RANK = {
    "error": 1,
    "high": 1,
    "major": 1,
    "warning": 2,
    "warn": 2,
    "medium": 2,
    "info": 4,
    "low": 4,
    "minor": 4,
    "none": 5,
}
_UNKNOWN_RANK = 3
# Go writes nanoseconds; older Pythons' fromisoformat takes at most microseconds.
_FRACTION = re.compile(r"(\.\d{6})\d+")


class AlertmanagerError(Exception):
    """A failed request, worded for the panel. The message never carries credentials."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def severity_rank(severity: str, critical: Iterable[str] = DEFAULT_CRITICAL) -> int:
    word = severity.strip().lower()
    if word in {c.lower() for c in critical}:
        return 0
    return _SEVERITY_RANK.get(word, _UNKNOWN_RANK)


def sort_alerts(
    alerts: Iterable[FiringAlert], critical: Iterable[str] = DEFAULT_CRITICAL
) -> tuple[FiringAlert, ...]:
    """Most severe first; within a severity the longest-firing first (often the cause, while the
    newer ones are its consequences); the fingerprint keeps the order stable between reads."""
    words = tuple(critical)
    return tuple(
        sorted(
            alerts,
            key=lambda a: (severity_rank(a.severity, words), a.starts_at, a.fingerprint),
        )
    )


class AlertmanagerClient:
    """`url` is Alertmanager's external URL, with its path prefix if any (`http://host/am`)."""

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
        base = split.url
        self.url = base
        self.timeout = timeout
        self.auth = HttpAuth(
            bearer_token_env, bearer_token_file, basic_auth, ca_file, insecure_skip_verify
        )
        verify, self._setup_error = self.auth.verify()
        self._header_names = tuple(sorted(headers or {}))
        self.where = split.where
        self._http = httpx.AsyncClient(
            base_url=base + "/",
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
        return f"AlertmanagerClient({self.url!r}, timeout={self.timeout:g}, {self.auth!r}{headers})"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def firing(self, filters: Sequence[str] = ()) -> tuple[FiringAlert, ...]:
        """Active, unsilenced, uninhibited alerts matching every matcher in `filters`."""
        params: list[tuple[str, str]] = [
            ("active", "true"),
            ("silenced", "false"),
            ("inhibited", "false"),
        ]
        params += [("filter", f) for f in filters]
        body = await self._get(ALERTS_PATH, params)
        if not isinstance(body, list):
            raise AlertmanagerError(
                f"unexpected JSON from {self.where}: expected a list of alerts, "
                f"found {type(body).__name__}"
            )
        alerts = (_alert(item, index, self.where) for index, item in enumerate(body))
        # The state check guards against a proxy or an old server that ignores the query
        # parameters: a suppressed alert must not page the reader of this panel a second time.
        return tuple(a for a, state in alerts if state != "suppressed")

    async def _get(self, path: str, params: list[tuple[str, str]]) -> Any:
        if self._setup_error:
            raise AlertmanagerError(self._setup_error)
        try:
            headers = {"Accept": "application/json", **(await self.auth.headers())}
        except ValueError as exc:
            raise AlertmanagerError(str(exc)) from None
        try:
            response = await self._http.get(path, params=params, headers=headers)
        except httpx.TimeoutException:
            raise AlertmanagerError(
                f"no answer within {self.timeout:g}s from {self.where}"
            ) from None
        except httpx.ConnectError as exc:
            raise AlertmanagerError(f"cannot reach {self.where}: {_connect_reason(exc)}") from None
        except httpx.TransportError as exc:
            # Resets, protocol errors: name the class only; str(exc) may quote request bits.
            raise AlertmanagerError(
                f"connection to {self.where} failed: {_transport_reason(exc)}"
            ) from None
        return self._decode(response, path)

    def _decode(self, response: httpx.Response, path: str) -> Any:
        code = response.status_code
        if code in (401, 403):
            word = "unauthorized" if code == 401 else "forbidden"
            hint = self.auth.refused_hint("alertmanager")
            raise AlertmanagerError(
                f"authentication refused by {self.where} ({code} {word}); {hint}"
            )
        if response.is_redirect:
            # Usually an SSO proxy sending us to its login page. Only host and path are shown:
            # a redirect's query string may carry a session or state token.
            target = httpx.URL(response.headers.get("location", ""))
            raise AlertmanagerError(
                f"redirected by {self.where} (HTTP {code}) to {target.host}{target.path}; "
                "a login proxy? set bearer_token_env or headers in [alertmanager]"
            )
        try:
            body = response.json()
        except ValueError:
            if code == 404:
                raise AlertmanagerError(
                    f"HTTP 404 for /{path} at {self.url}: is the URL (and its path prefix) right?"
                ) from None
            raise AlertmanagerError(
                f"not an Alertmanager answer from {self.where}: HTTP {code}: "
                f"{_first_line(response.text)}"
            ) from None
        if code == 200:
            return body
        # Alertmanager's documented errors (400, 500) carry a JSON string with its own words.
        text = _clip(body) if isinstance(body, str) else f"unexpected JSON (HTTP {code})"
        if code == 400:
            raise AlertmanagerError(f"Alertmanager rejected the request: {text}")
        if code == 404:
            raise AlertmanagerError(
                f"HTTP 404 for /{path} at {self.url}: is the URL (and its path prefix) right?"
            )
        raise AlertmanagerError(f"Alertmanager error from {self.where} (HTTP {code}): {text}")


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


def _string_map(raw: object, what: str, index: int, where: str) -> dict[str, str]:
    if raw is None and what == "annotations":
        return {}
    if not isinstance(raw, dict):
        raise AlertmanagerError(f"unexpected JSON from {where}: alert {index} has no {what} object")
    return {str(k): str(v) for k, v in raw.items()}


def _time(raw: object, index: int, where: str) -> datetime:
    if not isinstance(raw, str):
        raise AlertmanagerError(f"unexpected JSON from {where}: alert {index} has no startsAt")
    try:
        parsed = datetime.fromisoformat(_FRACTION.sub(r"\1", raw.replace("Z", "+00:00")))
    except ValueError:
        raise AlertmanagerError(
            f"unexpected JSON from {where}: alert {index} startsAt {raw!r} is not a time"
        ) from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _alert(raw: object, index: int, where: str) -> tuple[FiringAlert, str]:
    """One documented `gettableAlert` → (FiringAlert, status.state)."""
    if not isinstance(raw, dict):
        raise AlertmanagerError(f"unexpected JSON from {where}: alert {index} is not an object")
    labels = _string_map(raw.get("labels"), "labels", index, where)
    annotations = _string_map(raw.get("annotations"), "annotations", index, where)
    fingerprint = raw.get("fingerprint")
    if not isinstance(fingerprint, str) or not fingerprint:
        raise AlertmanagerError(f"unexpected JSON from {where}: alert {index} has no fingerprint")
    status = raw.get("status")
    state = str(status.get("state", "")) if isinstance(status, dict) else ""
    alert = FiringAlert(
        name=labels.get("alertname", "(no alertname)"),
        severity=labels.get("severity", ""),
        summary=annotations.get("summary") or annotations.get("description", ""),
        starts_at=_time(raw.get("startsAt"), index, where),
        fingerprint=fingerprint,
        labels=labels,
        annotations=annotations,
    )
    return alert, state


@dataclass(eq=False, repr=False)
class AlertmanagerAlerts:
    """The alerts panel: how many fire, and which, worst first.

    CRIT when an alert whose severity is one of `critical_severities` fires, WARN when any other
    fires, OK when none does. `values` carries `firing` and `critical` so the panel's measures
    (and `cockpit snapshot`) show the same verdict as the status.
    """

    panel: str
    measures: tuple[Measure, ...]
    client: AlertmanagerClient
    filters: tuple[str, ...] = ()
    critical_severities: tuple[str, ...] = DEFAULT_CRITICAL
    clock: Clock = field(default=utc_now, kw_only=True)
    kind = "alertmanager"

    def __repr__(self) -> str:
        return f"AlertmanagerAlerts(panel={self.panel!r}, client={self.client!r})"

    async def read(self) -> Reading:
        now = self.clock()
        try:
            alerts = await self.client.firing(self.filters)
        except AlertmanagerError as exc:
            return Reading.failure(self.panel, now, exc.message)
        ordered = sort_alerts(alerts, self.critical_severities)
        words = self.critical_severities
        critical = sum(1 for a in ordered if severity_rank(a.severity, words) == 0)
        values = {"firing": float(len(ordered)), "critical": float(critical)}
        if critical:
            status = Status.CRIT
        elif ordered:
            status = Status.WARN
        else:
            status = Status.OK
        return Reading(
            self.panel,
            now,
            values,
            status,
            # A tuple of FiringAlert; the model's Detail union predates this panel kind.
            detail=ordered,
            note=_note(ordered),
        )

    async def aclose(self) -> None:
        await self.client.aclose()


def _note(alerts: Sequence[FiringAlert]) -> str:
    shown = [f"{a.name} ({a.severity})" if a.severity else a.name for a in alerts[:NOTE_ALERTS]]
    note = ", ".join(shown)
    if len(alerts) > NOTE_ALERTS:
        note += f" (+{len(alerts) - NOTE_ALERTS} more)"
    return note


__all__ = [
    "AlertmanagerAlerts",
    "AlertmanagerClient",
    "AlertmanagerError",
    "FiringAlert",
    "alert_changes",
    "severity_rank",
    "sort_alerts",
]
