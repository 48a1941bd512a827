"""Builders for realistic objects to load into the fake API server.

They produce what kube-apiserver would store after the kubelet reported: full container
statuses, conditions and timestamps, so the code under test parses the same shapes as in a
real cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

JSON = dict[str, Any]


def rfc3339(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def pod(
    name: str,
    *,
    namespace: str = "default",
    labels: Mapping[str, str] | None = None,
    created: datetime,
    node: str = "node-a",
    image: str = "registry.example.com/shop/app:v1",
    ready: bool = True,
    restarts: int = 0,
    last_restart: datetime | None = None,
    waiting: str | None = None,
    phase: str = "Running",
) -> JSON:
    """A single-container pod. `waiting` (e.g. "CrashLoopBackOff") puts the container in a
    waiting state; `last_restart` records the previous termination as the kubelet does."""
    started = created + timedelta(seconds=5)
    if waiting:
        state: JSON = {"waiting": {"reason": waiting, "message": f"{waiting} for {name}"}}
        ready = False
    elif phase == "Succeeded":
        state = {
            "terminated": {
                "exitCode": 0,
                "reason": "Completed",
                "startedAt": rfc3339(started),
                "finishedAt": rfc3339(started + timedelta(seconds=30)),
            }
        }
        ready = False
    else:
        state = {"running": {"startedAt": rfc3339(started)}}
    status: JSON = {
        "name": "app",
        "image": image,
        "imageID": f"{image}@sha256:{'0' * 64}",
        "ready": ready,
        "started": ready,
        "restartCount": restarts,
        "state": state,
        "lastState": {},
    }
    if last_restart is not None:
        status["lastState"] = {
            "terminated": {
                "exitCode": 1,
                "reason": "Error",
                "startedAt": rfc3339(last_restart - timedelta(seconds=20)),
                "finishedAt": rfc3339(last_restart),
            }
        }
    flag = "True" if ready else "False"
    return {
        "kind": "Pod",
        "apiVersion": "v1",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": dict(labels or {}),
            "creationTimestamp": rfc3339(created),
        },
        "spec": {
            "nodeName": node,
            "restartPolicy": "Never" if phase == "Succeeded" else "Always",
            "containers": [{"name": "app", "image": image}],
        },
        "status": {
            "phase": phase,
            "conditions": [
                {"type": "Initialized", "status": "True"},
                {"type": "Ready", "status": flag},
                {"type": "ContainersReady", "status": flag},
                {"type": "PodScheduled", "status": "True"},
            ],
            "hostIP": "10.0.0.10",
            "podIP": "10.244.1.17",
            "startTime": rfc3339(created),
            "containerStatuses": [status],
            "qosClass": "BestEffort",
        },
    }
