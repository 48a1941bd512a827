"""READY, STATUS and RESTARTS as `kubectl get pods` prints them, case by case.

Each case is a pod as the API server returns it (after the kubelet reported) and the columns
kubectl shows for it. The comment on each case names the branch of kubectl's `printPod`
(kubernetes/pkg/printers/internalversion/printers.go) it exercises, so a surprise in a future
kubectl release can be traced to the rule that changed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from cockpit.core.model import PodRow
from cockpit.core.podstatus import parse_time, pod_ready, pod_restarts, pod_row, pod_status
from tests.conftest import T0

JSON = dict[str, Any]
CREATED = T0 - timedelta(hours=2)


def ts(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def ago(**kw: float) -> datetime:
    return T0 - timedelta(**kw)


# ---- container statuses, shaped like the kubelet reports them ------------------------------


def _status(
    name: str,
    state: JSON,
    *,
    ready: bool,
    started: bool | None,
    restarts: int = 0,
    last_finished: datetime | None = None,
    last_reason: str = "Error",
) -> JSON:
    image = f"registry.example.com/shop/{name}:v1.9.0"
    status: JSON = {
        "name": name,
        "image": image,
        "imageID": "",
        "ready": ready,
        "restartCount": restarts,
        "state": state,
        "lastState": {},
    }
    if started is not None:
        status["started"] = started
    if "running" in state or "terminated" in state:
        status["imageID"] = f"{image}@sha256:{'ab' * 32}"
        status["containerID"] = f"containerd://{'cd' * 32}"
    if last_finished is not None:
        status["lastState"] = {
            "terminated": {
                "exitCode": 137 if last_reason == "OOMKilled" else 1,
                "reason": last_reason,
                "startedAt": ts(last_finished - timedelta(seconds=40)),
                "finishedAt": ts(last_finished),
                "containerID": f"containerd://{'ef' * 32}",
            }
        }
    return status


def running(name: str = "app", *, ready: bool = True, started: bool = True, **kw: Any) -> JSON:
    state = {"running": {"startedAt": ts(CREATED + timedelta(seconds=20))}}
    return _status(name, state, ready=ready, started=started, **kw)


def waiting(name: str, reason: str, *, message: str = "", **kw: Any) -> JSON:
    state: JSON = {"waiting": {"reason": reason}}
    if message:
        state["waiting"]["message"] = message
    return _status(name, state, ready=False, started=False, **kw)


def terminated(
    name: str = "app",
    *,
    exit_code: int,
    reason: str | None = None,
    signal: int | None = None,
    **kw: Any,
) -> JSON:
    term: JSON = {
        "exitCode": exit_code,
        "startedAt": ts(CREATED + timedelta(seconds=20)),
        "finishedAt": ts(CREATED + timedelta(minutes=1)),
        "containerID": f"containerd://{'12' * 32}",
    }
    if reason is not None:
        term["reason"] = reason
    if signal is not None:
        term["signal"] = signal
    return _status(name, {"terminated": term}, ready=False, started=False, **kw)


def condition(kind: str, status: str, reason: str = "", message: str = "") -> JSON:
    cond: JSON = {"type": kind, "status": status, "lastProbeTime": None}
    cond["lastTransitionTime"] = ts(CREATED + timedelta(seconds=30))
    if reason:
        cond["reason"] = reason
    if message:
        cond["message"] = message
    return cond


def conditions(**flags: bool) -> list[JSON]:
    """Conditions in the order the kubelet writes them; only the ones given are present."""
    order = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled")
    return [condition(k, "True" if flags[k] else "False") for k in order if k in flags]


def make_pod(
    name: str,
    *,
    phase: str,
    containers: Sequence[str] = ("app",),
    init_containers: Sequence[tuple[str, bool]] = (),
    statuses: Sequence[JSON] = (),
    init_statuses: Sequence[JSON] = (),
    conds: Sequence[JSON] = (),
    reason: str = "",
    message: str = "",
    deleted: datetime | None = None,
    node: str = "pool-a-7f3k",
) -> JSON:
    """A pod of a Deployment; `init_containers` is (name, is_sidecar) pairs."""
    init_specs = []
    for init_name, sidecar in init_containers:
        spec: JSON = {"name": init_name, "image": f"registry.example.com/{init_name}:1"}
        if sidecar:
            spec["restartPolicy"] = "Always"
        init_specs.append(spec)
    metadata: JSON = {
        "name": name,
        "generateName": name.rsplit("-", 1)[0] + "-",
        "namespace": "shop",
        "uid": "9b0c3f6e-2f1d-4f59-9d4e-1c2b3a4d5e6f",
        "resourceVersion": "48213",
        "creationTimestamp": ts(CREATED),
        "labels": {"app": "checkout", "pod-template-hash": "7d9c8b6f5"},
        "ownerReferences": [
            {
                "apiVersion": "apps/v1",
                "kind": "ReplicaSet",
                "name": "checkout-7d9c8b6f5",
                "uid": "0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b",
                "controller": True,
                "blockOwnerDeletion": True,
            }
        ],
    }
    if deleted is not None:
        metadata["deletionTimestamp"] = ts(deleted)
        metadata["deletionGracePeriodSeconds"] = 30
    status: JSON = {"phase": phase, "qosClass": "Burstable"}
    if conds:
        status["conditions"] = list(conds)
    if reason:
        status["reason"] = reason
    if message:
        status["message"] = message
    if statuses or init_statuses:
        status.update(hostIP="10.0.3.4", podIP="10.244.2.19", startTime=ts(CREATED))
    if init_statuses:
        status["initContainerStatuses"] = list(init_statuses)
    if statuses:
        status["containerStatuses"] = list(statuses)
    spec = {
        "containers": [
            {"name": c, "image": f"registry.example.com/shop/{c}:v1.9.0"} for c in containers
        ],
        "restartPolicy": "Always",
        "terminationGracePeriodSeconds": 30,
        "dnsPolicy": "ClusterFirst",
        "serviceAccountName": "default",
        "schedulerName": "default-scheduler",
    }
    if init_specs:
        spec["initContainers"] = init_specs
    if node:
        spec["nodeName"] = node
    return {"kind": "Pod", "apiVersion": "v1", "metadata": metadata, "spec": spec, "status": status}


READY_ALL = {"PodReadyToStartContainers": True, "Initialized": True, "Ready": True,
             "ContainersReady": True, "PodScheduled": True}  # fmt: skip
NOT_READY = {**READY_ALL, "Ready": False, "ContainersReady": False}


@dataclass(frozen=True)
class Case:
    id: str
    pod: Mapping[str, Any]
    status: str
    ready: str
    restarts: int = 0
    last_restart: datetime | None = None


# A pod copied in shape from `kubectl get pod -o json` of a crash-looping Deployment pod.
CRASHLOOP_LITERAL: JSON = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "creationTimestamp": "2026-11-24T12:02:00Z",
        "generateName": "checkout-7d9c8b6f5-",
        "labels": {"app": "checkout", "pod-template-hash": "7d9c8b6f5"},
        "name": "checkout-7d9c8b6f5-x2x9q",
        "namespace": "shop",
        "resourceVersion": "48213",
        "uid": "2c1d5b7e-0f51-4d0e-9a8a-6b8d2e1f4c33",
    },
    "spec": {
        "containers": [
            {
                "image": "registry.example.com/shop/checkout:v1.9.0",
                "imagePullPolicy": "IfNotPresent",
                "name": "checkout",
                "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
            }
        ],
        "nodeName": "pool-b-2mw4",
        "restartPolicy": "Always",
    },
    "status": {
        "conditions": [
            {"status": "True", "type": "PodReadyToStartContainers"},
            {"status": "True", "type": "Initialized"},
            {
                "message": "containers with unready status: [checkout]",
                "reason": "ContainersNotReady",
                "status": "False",
                "type": "Ready",
            },
            {
                "message": "containers with unready status: [checkout]",
                "reason": "ContainersNotReady",
                "status": "False",
                "type": "ContainersReady",
            },
            {"status": "True", "type": "PodScheduled"},
        ],
        "containerStatuses": [
            {
                "containerID": "containerd://5f0e4c1b9a7d",
                "image": "registry.example.com/shop/checkout:v1.9.0",
                "imageID": "registry.example.com/shop/checkout@sha256:8c1f",
                "lastState": {
                    "terminated": {
                        "containerID": "containerd://5f0e4c1b9a7d",
                        "exitCode": 2,
                        "finishedAt": "2026-11-24T13:59:00Z",
                        "reason": "Error",
                        "startedAt": "2026-11-24T13:58:41Z",
                    }
                },
                "name": "checkout",
                "ready": False,
                "restartCount": 5,
                "started": False,
                "state": {
                    "waiting": {
                        "message": "back-off 2m40s restarting failed container=checkout "
                        "pod=checkout-7d9c8b6f5-x2x9q_shop(2c1d5b7e-0f51-4d0e-9a8a-6b8d2e1f4c33)",
                        "reason": "CrashLoopBackOff",
                    }
                },
            }
        ],
        "hostIP": "10.0.3.4",
        "phase": "Running",
        "podIP": "10.244.2.19",
        "qosClass": "BestEffort",
        "startTime": "2026-11-24T12:02:00Z",
    },
}


CASES = [
    # Plain phase: reason starts as status.phase and no container overrides it.
    Case("running", make_pod("checkout-7d9c8b6f5-a", phase="Running", statuses=[running()],
         conds=conditions(**READY_ALL)), "Running", "1/1"),
    # A readiness probe failing: the container runs but is not ready. kubectl still says Running;
    # only READY shows it (NotReady is reserved for the Completed+running case below).
    Case("running-unready", make_pod("checkout-7d9c8b6f5-b", phase="Running",
         statuses=[running(ready=False)], conds=conditions(**NOT_READY)), "Running", "0/1"),
    # Phase only, nothing scheduled yet: no container statuses at all.
    Case("pending-unschedulable", make_pod("checkout-7d9c8b6f5-c", phase="Pending", node="",
         conds=[condition("PodScheduled", "False", "Unschedulable",
                          "0/4 nodes are available: 4 Insufficient cpu.")]),
         "Pending", "0/1"),
    # Container waiting reason wins over the phase.
    Case("container-creating", make_pod("checkout-7d9c8b6f5-d", phase="Pending",
         statuses=[waiting("app", "ContainerCreating")],
         conds=conditions(Initialized=True, Ready=False, ContainersReady=False,
                          PodScheduled=True)), "ContainerCreating", "0/1"),
    # Waiting reason, with restarts and the last restart from lastState.terminated.finishedAt
    # (kubectl: "5 (3m ago)").
    Case("crashloop", make_pod("checkout-7d9c8b6f5-e", phase="Running",
         statuses=[waiting("app", "CrashLoopBackOff", restarts=5, last_finished=ago(minutes=3))],
         conds=conditions(**NOT_READY)), "CrashLoopBackOff", "0/1", 5, ago(minutes=3)),
    Case("crashloop-literal", CRASHLOOP_LITERAL, "CrashLoopBackOff", "0/1", 5, ago(minutes=3)),
    Case("image-pull-backoff", make_pod("checkout-7d9c8b6f5-f", phase="Pending",
         statuses=[waiting("app", "ImagePullBackOff",
                           message='Back-off pulling image "registry.example.com/shop/app:v9"')],
         conds=conditions(**NOT_READY)), "ImagePullBackOff", "0/1"),
    Case("err-image-pull", make_pod("checkout-7d9c8b6f5-g", phase="Pending",
         statuses=[waiting("app", "ErrImagePull")], conds=conditions(**NOT_READY)),
         "ErrImagePull", "0/1"),
    # Init containers, default branch: the first unfinished one is running -> Init:i/n.
    Case("init-0-of-2", make_pod("checkout-7d9c8b6f5-h", phase="Pending",
         init_containers=[("migrate", False), ("warm-cache", False)],
         init_statuses=[running("migrate", ready=False, started=True),
                        waiting("warm-cache", "PodInitializing")],
         statuses=[waiting("app", "PodInitializing")],
         conds=conditions(Initialized=False, Ready=False, ContainersReady=False,
                          PodScheduled=True)), "Init:0/2", "0/1"),
    # Terminated with exit 0 is skipped, so the second init container is the one described.
    Case("init-1-of-2", make_pod("checkout-7d9c8b6f5-i", phase="Pending",
         init_containers=[("migrate", False), ("warm-cache", False)],
         init_statuses=[terminated("migrate", exit_code=0, reason="Completed"),
                        running("warm-cache", ready=False)],
         statuses=[waiting("app", "PodInitializing")],
         conds=conditions(Initialized=False, Ready=False, PodScheduled=True)),
         "Init:1/2", "0/1"),
    # Init waiting reason -> "Init:" + reason; init restarts count while initialising.
    Case("init-crashloop", make_pod("checkout-7d9c8b6f5-j", phase="Pending",
         init_containers=[("migrate", False)],
         init_statuses=[waiting("migrate", "CrashLoopBackOff", restarts=4,
                                last_finished=ago(minutes=1))],
         statuses=[waiting("app", "PodInitializing")],
         conds=conditions(Initialized=False, Ready=False, PodScheduled=True)),
         "Init:CrashLoopBackOff", "0/1", 4, ago(minutes=1)),
    # Init terminated non-zero with a reason -> "Init:" + reason.
    Case("init-error", make_pod("checkout-7d9c8b6f5-k", phase="Pending",
         init_containers=[("migrate", False)],
         init_statuses=[terminated("migrate", exit_code=1, reason="Error")],
         statuses=[waiting("app", "PodInitializing")],
         conds=conditions(Initialized=False, Ready=False, PodScheduled=True)),
         "Init:Error", "0/1"),
    # Init terminated without a reason and no signal -> Init:ExitCode:N.
    Case("init-exitcode", make_pod("checkout-7d9c8b6f5-l", phase="Pending",
         init_containers=[("migrate", False)],
         init_statuses=[terminated("migrate", exit_code=3)],
         conds=conditions(Initialized=False, Ready=False, PodScheduled=True)),
         "Init:ExitCode:3", "0/1"),
    # Init terminated without a reason, killed by a signal -> Init:Signal:N.
    Case("init-signal", make_pod("checkout-7d9c8b6f5-m", phase="Pending",
         init_containers=[("migrate", False)],
         init_statuses=[terminated("migrate", exit_code=137, signal=9)],
         conds=conditions(Initialized=False, Ready=False, PodScheduled=True)),
         "Init:Signal:9", "0/1"),
    # Container terminated with a reason -> that reason (a finished Job pod).
    Case("completed", make_pod("report-28911-q8v2d", phase="Succeeded",
         statuses=[terminated(exit_code=0, reason="Completed")],
         conds=conditions(Initialized=True, Ready=False, ContainersReady=False,
                          PodScheduled=True)), "Completed", "0/1"),
    Case("error", make_pod("report-28911-z7k4p", phase="Failed",
         statuses=[terminated(exit_code=1, reason="Error")],
         conds=conditions(Initialized=True, Ready=False, PodScheduled=True)), "Error", "0/1"),
    # Terminated reason OOMKilled while the kubelet has not restarted it yet.
    Case("oomkilled", make_pod("checkout-7d9c8b6f5-n", phase="Running",
         statuses=[terminated(exit_code=137, reason="OOMKilled", restarts=1,
                              last_finished=ago(minutes=7), last_reason="OOMKilled")],
         conds=conditions(**NOT_READY)), "OOMKilled", "0/1", 1, ago(minutes=7)),
    # Terminated without a reason: Signal:N when a signal is known, else ExitCode:N.
    Case("signal", make_pod("checkout-7d9c8b6f5-o", phase="Running",
         statuses=[terminated(exit_code=137, signal=9)], conds=conditions(**NOT_READY)),
         "Signal:9", "0/1"),
    Case("exitcode", make_pod("checkout-7d9c8b6f5-p", phase="Failed",
         statuses=[terminated(exit_code=2)], conds=conditions(**NOT_READY)),
         "ExitCode:2", "0/1"),
    # status.reason replaces the phase: an evicted pod whose containers were never reported.
    Case("evicted", make_pod("checkout-7d9c8b6f5-q", phase="Failed", reason="Evicted",
         message="The node was low on resource: memory. Threshold quantity: 100Mi, "
                 "available: 91Mi.", node="pool-a-9qzx"), "Evicted", "0/1"),
    # ...but a container status, when present, still wins over status.reason: newer kubelets
    # report evicted containers as ContainerStatusUnknown, and kubectl shows exactly that.
    Case("evicted-container-unknown", make_pod("checkout-7d9c8b6f5-r", phase="Failed",
         reason="Evicted", statuses=[terminated(exit_code=137, reason="ContainerStatusUnknown")],
         conds=conditions(Initialized=True, Ready=False, PodScheduled=True)),
         "ContainerStatusUnknown", "0/1"),
    # deletionTimestamp on a non-terminal pod -> Terminating (READY keeps its value).
    Case("terminating", make_pod("checkout-7d9c8b6f5-s", phase="Running",
         statuses=[running()], conds=conditions(**READY_ALL), deleted=ago(seconds=10)),
         "Terminating", "1/1"),
    # Since kubectl 1.27 a deleted pod in a terminal phase keeps its terminal status.
    Case("terminating-succeeded", make_pod("report-28911-t4t4t", phase="Succeeded",
         statuses=[terminated(exit_code=0, reason="Completed")], deleted=ago(seconds=10)),
         "Completed", "0/1"),
    # deletionTimestamp + status.reason NodeLost -> Unknown.
    Case("node-lost", make_pod("checkout-7d9c8b6f5-u", phase="Running", reason="NodeLost",
         message="Node pool-b-k81d which was running pod checkout-7d9c8b6f5-u is unresponsive",
         statuses=[running()], conds=conditions(**READY_ALL), deleted=ago(minutes=6)),
         "Unknown", "1/1"),
    # "Completed" with another container still running -> NotReady when Ready is False...
    Case("not-ready", make_pod("checkout-7d9c8b6f5-v", phase="Running",
         containers=("app", "setup"),
         statuses=[running("app"), terminated("setup", exit_code=0, reason="Completed")],
         conds=conditions(**NOT_READY)), "NotReady", "1/2"),
    # ...and Running when it is True.
    Case("completed-but-running", make_pod("checkout-7d9c8b6f5-w", phase="Running",
         containers=("app", "setup"),
         statuses=[running("app"), terminated("setup", exit_code=0, reason="Completed")],
         conds=conditions(**READY_ALL)), "Running", "1/2"),
    # Containers are walked last to first, so the first one with a reason wins.
    Case("first-container-wins", make_pod("checkout-7d9c8b6f5-x", phase="Running",
         containers=("app", "log-shipper"),
         statuses=[waiting("app", "CrashLoopBackOff", restarts=2, last_finished=ago(minutes=2)),
                   waiting("log-shipper", "ContainerCreating")],
         conds=conditions(**NOT_READY)), "CrashLoopBackOff", "0/2", 2, ago(minutes=2)),
    # PodScheduled condition with reason SchedulingGated -> SchedulingGated.
    Case("scheduling-gated", make_pod("checkout-7d9c8b6f5-y", phase="Pending", node="",
         conds=[condition("PodScheduled", "False", "SchedulingGated",
                          "Scheduling is blocked due to non-empty scheduling gates")]),
         "SchedulingGated", "0/1"),
    # Sidecar (restartable init container) started and ready: counted in READY, and the pod
    # goes on to the app containers.
    Case("sidecar-running", make_pod("checkout-7d9c8b6f5-z", phase="Running",
         init_containers=[("istio-proxy", True)],
         init_statuses=[running("istio-proxy")], statuses=[running()],
         conds=conditions(**READY_ALL)), "Running", "2/2"),
    # Sidecar not started yet: it is the unfinished init container -> Init:0/1.
    Case("sidecar-starting", make_pod("checkout-7d9c8b6f5-za", phase="Pending",
         init_containers=[("istio-proxy", True)],
         init_statuses=[running("istio-proxy", ready=False, started=False)],
         statuses=[waiting("app", "PodInitializing")],
         conds=conditions(Initialized=False, Ready=False, PodScheduled=True)),
         "Init:0/1", "0/2"),
    # After initialisation restarts of ordinary init containers drop out, sidecars' stay:
    # 2 (sidecar) + 1 (app); the old migrate restarts (3) are history.
    Case("sidecar-restarts", make_pod("checkout-7d9c8b6f5-zb", phase="Running",
         init_containers=[("migrate", False), ("istio-proxy", True)],
         init_statuses=[terminated("migrate", exit_code=0, reason="Completed", restarts=3,
                                   last_finished=ago(minutes=1)),
                        running("istio-proxy", restarts=2, last_finished=ago(minutes=10))],
         statuses=[running(restarts=1, last_finished=ago(minutes=5))],
         conds=conditions(**READY_ALL)), "Running", "2/2", 3, ago(minutes=5)),
]  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_columns_match_kubectl(case: Case) -> None:
    assert pod_status(case.pod, T0) == case.status
    assert pod_ready(case.pod) == case.ready
    assert pod_restarts(case.pod) == (case.restarts, case.last_restart)


def test_pod_row_carries_every_column() -> None:
    pod = make_pod(
        "checkout-7d9c8b6f5-e",
        phase="Running",
        statuses=[waiting("app", "CrashLoopBackOff", restarts=5, last_finished=ago(minutes=3))],
        conds=conditions(**NOT_READY),
    )
    assert pod_row(pod, T0) == PodRow(
        name="checkout-7d9c8b6f5-e",
        ready="0/1",
        status="CrashLoopBackOff",
        restarts=5,
        created_at=CREATED,
        node="pool-a-7f3k",
        last_restart_at=ago(minutes=3),
    )


def test_restarts_without_a_recorded_termination_have_no_time() -> None:
    # kubectl prints a bare "2" when no lastState.terminated says when the restart was.
    pod = make_pod("checkout-7d9c8b6f5-b", phase="Running", statuses=[running(restarts=2)])
    assert pod_restarts(pod) == (2, None)


def test_sparse_pod_does_not_crash() -> None:
    # A pod just created has neither status nor timestamp; it must still make a row.
    pod: JSON = {"metadata": {"name": "bare"}, "spec": {"containers": [{"name": "c"}]}}
    row = pod_row(pod, T0)
    assert (row.status, row.ready, row.restarts, row.created_at) == ("", "0/1", 0, T0)


def test_parse_time_handles_api_formats() -> None:
    assert parse_time("2026-11-24T14:02:00Z") == T0
    assert parse_time("2026-11-24T15:02:00+01:00") == T0
    assert parse_time("2026-11-24T14:02:00.000000Z") == T0
    assert parse_time("") is None
    assert parse_time(None) is None
    assert parse_time("yesterday") is None
