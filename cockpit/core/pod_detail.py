"""What `kubectl describe pod` and `kubectl logs` tell an on-call, as data: each container's
state and last termination (reason, exit code, when), recent events, the last log lines.

`from_json` reads the API's JSON (pods and core/v1 Events, raw dicts); the demo builds the same
data from its simulation. Pure Python: sources fetch, screens render.

Everything here comes from the cluster (names, reasons, event messages, log lines), so it is
made terminal-safe once, here, before any screen can show it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cockpit.core.podstatus import pod_row
from cockpit.core.safe_text import terminal_safe
from cockpit.core.units import short_age

LOG_LINES = 50


@dataclass(frozen=True, slots=True)
class ContainerDetail:
    name: str
    image: str
    ready: bool
    restarts: int
    state: str  # "Running since 14:01:05", "Waiting: CrashLoopBackOff", ...
    last_state: str = ""  # "Terminated: OOMKilled (exit code 137) at 14:00:58"


@dataclass(frozen=True, slots=True)
class EventLine:
    age: str
    type: str
    reason: str
    obj: str
    message: str
    count: int = 1


@dataclass(frozen=True, slots=True)
class PodDetail:
    name: str
    namespace: str
    status: str
    node: str
    containers: tuple[ContainerDetail, ...]
    events: tuple[EventLine, ...] = ()
    logs: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()  # what could not be fetched (events forbidden, logs gone…)


def _hhmmss(text: str | None) -> str:
    if not text:
        return "?"
    return text[11:19] if len(text) >= 19 else text


def _state_text(state: Mapping[str, Any] | None) -> str:
    if not state:
        return ""
    if "running" in state:
        return f"Running since {_hhmmss(state['running'].get('startedAt'))}"
    if "waiting" in state:
        waiting = state["waiting"] or {}
        reason = waiting.get("reason", "Waiting")
        message = waiting.get("message", "")
        return f"Waiting: {reason}" + (f" ({message})" if message else "")
    if "terminated" in state:
        term = state["terminated"] or {}
        reason = term.get("reason") or "Terminated"
        code = term.get("exitCode")
        signal = term.get("signal")
        extra = f" (exit code {code})" if code is not None else ""
        extra += f" signal {signal}" if signal else ""
        return f"Terminated: {reason}{extra} at {_hhmmss(term.get('finishedAt'))}"
    return ""


def from_json(
    pod: Mapping[str, Any],
    events: Iterable[Mapping[str, Any]],
    logs: str,
    now: datetime,
    problems: Iterable[str] = (),
) -> PodDetail:
    meta = pod.get("metadata", {})
    spec = pod.get("spec", {})
    status = pod.get("status", {})
    images = {c.get("name"): c.get("image", "") for c in spec.get("containers", [])}
    containers = []
    for cs in status.get("containerStatuses") or []:
        containers.append(
            ContainerDetail(
                name=_safe(cs.get("name", "?")),
                image=_safe(cs.get("image") or images.get(cs.get("name"), "")),
                ready=bool(cs.get("ready")),
                restarts=int(cs.get("restartCount") or 0),
                state=_safe(_state_text(cs.get("state"))),
                last_state=_safe(_state_text(cs.get("lastState"))),
            )
        )
    lines = []
    for event in sorted(events, key=_event_time, reverse=True)[:20]:
        when = _event_time(event)
        age = "?"
        if when:
            stamp = datetime.fromisoformat(when.replace("Z", "+00:00"))
            age = short_age((now - stamp).total_seconds())
        involved = event.get("involvedObject", {})
        lines.append(
            EventLine(
                age=age,
                type=_safe(event.get("type", "")),
                reason=_safe(event.get("reason", "")),
                obj=_safe(f"{str(involved.get('kind', '')).lower()}/{involved.get('name', '')}"),
                message=_safe(str(event.get("message", "")).strip()),
                count=int(event.get("count") or 1),
            )
        )
    row = pod_row(dict(pod), now)
    return PodDetail(
        name=_safe(meta.get("name", "?")),
        namespace=_safe(meta.get("namespace", "")),
        status=_safe(row.status),
        node=_safe(spec.get("nodeName", "") or "<none>"),
        containers=tuple(containers),
        events=tuple(lines),
        # One entry per line already; tabs kept, every other control character shown.
        logs=tuple(terminal_safe(line, multiline=True) for line in logs.splitlines()[-LOG_LINES:]),
        problems=tuple(problems),
    )


def _safe(value: Any) -> str:
    return terminal_safe(str(value))


def _event_time(event: Mapping[str, Any]) -> str:
    return str(
        event.get("lastTimestamp")
        or event.get("eventTime")
        or (event.get("metadata") or {}).get("creationTimestamp")
        or ""
    )
