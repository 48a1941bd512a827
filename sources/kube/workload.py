"""A Deployment's or StatefulSet's JSON as the cockpit's `Workload`: one reading of the fields
that `kubectl get` and `kubectl rollout status` look at, shared by the pods panel and actions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from cockpit.core.mitigation import Workload
from cockpit.sources.kube.rollback import images_of, revision_of


def workload_of(obj: Mapping[str, Any]) -> Workload:
    meta = obj.get("metadata") or {}
    spec = obj.get("spec") or {}
    status = obj.get("status") or {}
    kind = "statefulset" if obj.get("kind") == "StatefulSet" else "deployment"
    strategy = spec.get("updateStrategy") or {}
    rolling = strategy.get("rollingUpdate")
    deadline = any(
        c.get("type") == "Progressing" and c.get("reason") == "ProgressDeadlineExceeded"
        for c in status.get("conditions") or []
        if isinstance(c, Mapping)
    )
    return Workload(
        kind=kind,
        name=str(meta.get("name", "?")),
        namespace=str(meta.get("namespace", "")),
        # An absent spec.replicas means 1, as the API server defaults it.
        replicas=_int(spec.get("replicas"), 1),
        updated=_int(status.get("updatedReplicas")),
        ready=_int(status.get("readyReplicas")),
        available=_int(status.get("availableReplicas")),
        total=_int(status.get("replicas")),
        revision=revision_of(obj),
        images=images_of(spec.get("template") or {}),
        paused=bool(spec.get("paused")),
        generation=_int(meta.get("generation")),
        observed_generation=_int(status.get("observedGeneration")),
        deadline_exceeded=deadline,
        strategy=str(strategy.get("type") or "RollingUpdate"),
        partition=_int(rolling.get("partition")) if isinstance(rolling, Mapping) else None,
        current_revision=str(status.get("currentRevision") or ""),
        update_revision=str(status.get("updateRevision") or ""),
        current_replicas=_int(status.get("currentReplicas")),
    )


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value) if value is not None else default
    except (TypeError, ValueError):
        return default
