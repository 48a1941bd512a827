"""The READY, STATUS and RESTARTS columns of `kubectl get pods`, from a pod's raw JSON.

People on call compare the cockpit with `kubectl get pods` side by side, so these follow the
rules of kubectl's table printer (Kubernetes `pkg/printers/internalversion/printers.go`,
`printPod`, 1.29+ with restartable "sidecar" init containers) rather than inventing a friendlier
summary. Where those rules look odd (the first container with a waiting or terminated state wins,
a pod still initialising counts restarts of every init container) the oddity is deliberate.

Pure functions over the JSON dicts the API server sends: no kubernetes client objects (building
them for 10,000 pods costs seconds), no Textual.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from types import MappingProxyType
from typing import Any

from cockpit.core.model import PodRow

Pod = Mapping[str, Any]

# The kubelet's reason for a pod on a node that stopped reporting (NodeUnreachablePodReason).
NODE_LOST = "NodeLost"
SCHEDULING_GATED = "SchedulingGated"
TERMINAL_PHASES = frozenset({"Succeeded", "Failed"})
# Returned for absent fields. Compared by identity, because Go's "State.Running != nil" is true
# for a present but empty `"running": {}`, which must not read as absent.
_EMPTY: Mapping[str, Any] = MappingProxyType({})


def parse_time(value: object) -> datetime | None:
    """An RFC 3339 timestamp from the API (`2026-11-24T14:02:00Z`) as an aware UTC datetime."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _map(value: object) -> Mapping[str, Any]:
    # The API omits empty fields and a hand-written fixture may carry nulls; both read as {}.
    return value if isinstance(value, Mapping) else _EMPTY


def _list(value: object) -> list[Mapping[str, Any]]:
    if not isinstance(value, list):
        return []
    return [item for item in value if isinstance(item, Mapping)]


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _restartable_init_names(spec: Mapping[str, Any]) -> set[str]:
    # A sidecar is an init container with restartPolicy Always: it keeps running beside the app
    # containers, so kubectl counts it in READY and in RESTARTS once the pod is initialised.
    return {
        str(c.get("name", ""))
        for c in _list(spec.get("initContainers"))
        if c.get("restartPolicy") == "Always"
    }


def _condition_true(status: Mapping[str, Any], kind: str) -> bool:
    # kubectl looks at the first condition of the type only; duplicates do not occur in practice.
    for condition in _list(status.get("conditions")):
        if condition.get("type") == kind:
            return condition.get("status") == "True"
    return False


def _terminated_words(terminated: Mapping[str, Any]) -> str:
    """How kubectl names a terminated state: its reason, else Signal:N, else ExitCode:N."""
    reason = terminated.get("reason") or ""
    if reason:
        return str(reason)
    signal = _int(terminated.get("signal"))
    if signal:
        return f"Signal:{signal}"
    return f"ExitCode:{_int(terminated.get('exitCode'))}"


def _last_termination(status: Mapping[str, Any]) -> datetime | None:
    terminated = _map(_map(status.get("lastState")).get("terminated"))
    return parse_time(terminated.get("finishedAt")) if terminated else None


def _later(a: datetime | None, b: datetime | None) -> datetime | None:
    if a is None:
        return b
    if b is None:
        return a
    return max(a, b)


def _columns(pod: Pod) -> tuple[str, int, int, int, datetime | None]:
    """(status, ready, total, restarts, last restart) computed in one pass like kubectl."""
    spec = _map(pod.get("spec"))
    status = _map(pod.get("status"))
    metadata = _map(pod.get("metadata"))

    phase = str(status.get("phase") or "")
    reason = str(status.get("reason") or "") or phase
    for condition in _list(status.get("conditions")):
        if condition.get("type") == "PodScheduled" and condition.get("reason") == SCHEDULING_GATED:
            reason = SCHEDULING_GATED

    init_specs = _list(spec.get("initContainers"))
    sidecars = _restartable_init_names(spec)
    total = len(_list(spec.get("containers"))) + len(sidecars)
    ready = 0

    restarts = 0
    last_restart: datetime | None = None
    sidecar_restarts = 0
    sidecar_last: datetime | None = None

    initializing = False
    for index, cs in enumerate(_list(status.get("initContainerStatuses"))):
        count = _int(cs.get("restartCount"))
        finished = _last_termination(cs)
        restarts += count
        last_restart = _later(last_restart, finished)
        is_sidecar = cs.get("name") in sidecars
        if is_sidecar:
            sidecar_restarts += count
            sidecar_last = _later(sidecar_last, finished)
        state = _map(cs.get("state"))
        terminated = _map(state.get("terminated"))
        waiting = _map(state.get("waiting"))
        if terminated is not _EMPTY and _int(terminated.get("exitCode")) == 0:
            continue  # finished successfully: the next init container is the one to describe
        if is_sidecar and cs.get("started") is True:
            if cs.get("ready") is True:
                ready += 1
            continue
        initializing = True
        if terminated is not _EMPTY:
            reason = "Init:" + _terminated_words(terminated)
        elif waiting.get("reason") and waiting.get("reason") != "PodInitializing":
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        break  # only the first unfinished init container is described

    if not initializing or _condition_true(status, "Initialized"):
        # Once initialised, restarts of ordinary init containers are history; sidecars still count.
        restarts = sidecar_restarts
        last_restart = sidecar_last
        has_running = False
        # Walked last to first so the first container with something to say sets the reason.
        for cs in reversed(_list(status.get("containerStatuses"))):
            restarts += _int(cs.get("restartCount"))
            last_restart = _later(last_restart, _last_termination(cs))
            state = _map(cs.get("state"))
            waiting = _map(state.get("waiting"))
            terminated = _map(state.get("terminated"))
            if waiting.get("reason"):
                reason = str(waiting["reason"])
            elif terminated is not _EMPTY:
                reason = _terminated_words(terminated)
            elif cs.get("ready") is True and _map(state.get("running")) is not _EMPTY:
                has_running = True
                ready += 1
        if reason == "Completed" and has_running:
            # One container finished, another still serves: not "Completed" yet.
            reason = "Running" if _condition_true(status, "Ready") else "NotReady"

    if metadata.get("deletionTimestamp"):
        if status.get("reason") == NODE_LOST:
            reason = "Unknown"
        elif phase not in TERMINAL_PHASES:
            reason = "Terminating"

    if restarts == 0:
        last_restart = None  # kubectl prints a bare "0", never "0 (3m ago)"
    return reason, ready, total, restarts, last_restart


def pod_status(pod: Pod, now: datetime | None = None) -> str:
    """The STATUS column. `now` is accepted for symmetry with `pod_row`; the rule ignores it."""
    return _columns(pod)[0]


def pod_ready(pod: Pod) -> str:
    """The READY column, "ready/total", counting sidecar init containers like kubectl."""
    _, ready, total, _, _ = _columns(pod)
    return f"{ready}/{total}"


def pod_restarts(pod: Pod) -> tuple[int, datetime | None]:
    """The RESTARTS column: the count and when the last restart ended (the "(3m ago)" part)."""
    _, _, _, restarts, last = _columns(pod)
    return restarts, last


def pod_row(pod: Pod, now: datetime) -> PodRow:
    status, ready, total, restarts, last = _columns(pod)
    metadata = _map(pod.get("metadata"))
    spec = _map(pod.get("spec"))
    return PodRow(
        name=str(metadata.get("name", "")),
        ready=f"{ready}/{total}",
        status=status,
        restarts=restarts,
        # A pod without a timestamp has not been persisted yet; "now" shows it as brand new.
        created_at=parse_time(metadata.get("creationTimestamp")) or now,
        node=str(spec.get("nodeName") or ""),
        last_restart_at=last,
    )


def is_completed(pod: Pod) -> bool:
    """A pod whose work is done (Job pods): not-ready is its normal state, not a problem."""
    return _map(pod.get("status")).get("phase") == "Succeeded"


class PodRank(IntEnum):
    """How much a pod needs a person, worst first: the default order of the pods table and the
    colour of its STATUS cell, both read from the STATUS text (and READY, RESTARTS) above, so
    the table never sorts by one rule and colours by another."""

    FAILING = 0  # CrashLoopBackOff, Error, ImagePullBackOff, OOMKilled, Init:Error, Unknown…
    PENDING = 1  # on its way: Pending, ContainerCreating, Init:0/2, Terminating, not all ready
    RESTARTING = 2  # serving, but restarted within RECENT_RESTART
    HEALTHY = 3


# A restart this recent still explains a blip on the latency panel; older ones are history.
RECENT_RESTART = timedelta(minutes=30)
DONE = frozenset({"Running", "Completed", "Succeeded"})
# Words kubectl prints for a pod on its way up or down, not (yet) for one that failed.
ON_ITS_WAY = frozenset(
    {"Pending", "ContainerCreating", "PodInitializing", "Terminating", SCHEDULING_GATED}
)


def status_rank(status: str, ready: str = "") -> PodRank:
    """The rank of a STATUS text (and READY: a Running pod with no container ready serves
    nothing; one with some ready is still coming up). Any word kubectl prints that is neither
    done nor on its way (CrashLoopBackOff, ErrImagePull, OOMKilled, ExitCode:1, Evicted,
    NotReady, Unknown…) is a failure: an unknown word must not sort a broken pod out of sight."""
    if status in DONE:
        ready_now, _, total = ready.partition("/")
        if status != "Running" or not total or ready_now == total:
            return PodRank.HEALTHY
        return PodRank.FAILING if ready_now == "0" else PodRank.PENDING
    if status in ON_ITS_WAY:
        return PodRank.PENDING
    if status.startswith("Init:") and status[5:].partition("/")[0].isdigit():
        return PodRank.PENDING  # Init:1/3: the init containers are still running in turn
    return PodRank.FAILING


def pod_rank(row: PodRow, now: datetime) -> PodRank:
    """`status_rank`, with a healthy pod that restarted within RECENT_RESTART as RESTARTING."""
    rank = status_rank(row.status, row.ready)
    restarted = row.last_restart_at
    if rank is PodRank.HEALTHY and row.restarts and restarted is not None:
        return PodRank.RESTARTING if now - restarted < RECENT_RESTART else rank
    return rank


def rank_changes_at(row: PodRow) -> datetime | None:
    """When `pod_rank` of this row moves on with the clock alone (a recent restart ages out)."""
    if row.restarts and row.last_restart_at is not None:
        return row.last_restart_at + RECENT_RESTART
    return None


__all__ = [
    "RECENT_RESTART",
    "PodRank",
    "is_completed",
    "parse_time",
    "pod_rank",
    "pod_ready",
    "pod_restarts",
    "pod_row",
    "pod_status",
    "rank_changes_at",
    "status_rank",
]
