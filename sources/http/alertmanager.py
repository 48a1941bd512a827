"""Alerts firing now, from the Alertmanager API v2 (`GET /api/v2/alerts`).

The cockpit asks only for what needs a person: active alerts that are neither silenced nor
inhibited, narrowed by the label matchers of the config (Alertmanager's repeated `filter`
parameter, so the server does the matching with its own matcher syntax and semantics).

Every way the request can fail is one `AlertmanagerError` worded for the panel by
`cockpit.sources.http.errors`, as the Prometheus source's are, so both read alike at 3 a.m. and
each names its own config section. The bearer token is read from its
environment variable at request time and never stored, logged, put in a message or a repr.

`alert_changes` compares two readings' alerts by fingerprint; the app turns what it returns into
timeline entries ("alert firing", "alert resolved").
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import httpx

from cockpit.core.model import FiringAlert, Measure, Reading, Status, alert_changes
from cockpit.sources.base import Clock, utc_now
from cockpit.sources.http.client import ApiClient
from cockpit.sources.http.errors import HttpSourceError, excerpt, not_an_answer, not_found

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


class AlertmanagerError(HttpSourceError):
    """A failed request, worded for the panel. The message never carries credentials."""


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


class AlertmanagerClient(ApiClient):
    """`url` is Alertmanager's external URL, with its path prefix if any (`http://host/am`)."""

    error = AlertmanagerError
    table = "alertmanager"

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
        response = await self._send(path, params, {"Accept": "application/json"})
        return self._decode(response, path)

    def _decode(self, response: httpx.Response, path: str) -> Any:
        code = response.status_code
        try:
            body = response.json()
        except ValueError:
            if code == 404:
                raise AlertmanagerError(not_found(path, self.url, self.origin)) from None
            raise AlertmanagerError(
                not_an_answer("an Alertmanager", self.origin, response)
            ) from None
        if code == 200:
            return body
        # Alertmanager's documented errors (400, 500) carry a JSON string with its own words.
        if isinstance(body, str):
            text = excerpt(body, MESSAGE_LIMIT)
        else:
            text = f"unexpected JSON (HTTP {code})"
        if code == 400:
            raise AlertmanagerError(f"Alertmanager rejected the request: {text}")
        if code == 404:
            raise AlertmanagerError(not_found(path, self.url, self.origin))
        raise AlertmanagerError(f"Alertmanager error from {self.where} (HTTP {code}): {text}")


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
