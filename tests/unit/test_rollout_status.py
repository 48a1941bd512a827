"""`kubectl rollout status` rules for Deployments (progress deadline) and StatefulSets, in
kubectl's words, from the objects' JSON as the API server returns them."""

from __future__ import annotations

from typing import Any

import pytest

from cockpit.core.mitigation import rollout_status
from cockpit.sources.kube.workload import workload_of


def sts(replicas: int = 3, partition: int | None = 0, **status: Any) -> dict[str, Any]:
    strategy: dict[str, Any] = {"type": "RollingUpdate"}
    if partition is not None:
        strategy["rollingUpdate"] = {"partition": partition}
    return {
        "kind": "StatefulSet",
        "metadata": {"name": "db", "generation": status.pop("generation", 1)},
        "spec": {"replicas": replicas, "updateStrategy": strategy},
        "status": {"observedGeneration": 1, "replicas": replicas, **status},
    }


@pytest.mark.parametrize(
    ("obj", "done", "message"),
    [
        (sts(generation=2, readyReplicas=3), False,
         "Waiting for statefulset spec update to be observed..."),
        (sts(readyReplicas=1), False, "Waiting for 2 pods to be ready..."),
        (sts(partition=1, readyReplicas=3, updatedReplicas=1), False,
         "Waiting for partitioned roll out to finish: 1 out of 2 new pods have been updated..."),
        (sts(readyReplicas=3, updatedReplicas=3), True,
         "partitioned roll out complete: 3 new pods have been updated..."),
        (sts(partition=None, readyReplicas=3, updatedReplicas=1, currentRevision="db-1",
             updateRevision="db-2"), False,
         "waiting for statefulset rolling update to complete 1 pods at revision db-2..."),
        (sts(partition=None, readyReplicas=3, currentReplicas=3, currentRevision="db-2",
             updateRevision="db-2"), True,
         "statefulset rolling update complete 3 pods at revision db-2..."),
    ],
)  # fmt: skip
def test_statefulset_rollout_status_in_kubectls_words(
    obj: dict[str, Any], done: bool, message: str
) -> None:
    status = rollout_status(workload_of(obj))
    assert (status.done, status.message, status.failed) == (done, message, False)


def test_on_delete_statefulsets_have_no_rollout_status() -> None:
    obj = sts()
    obj["spec"]["updateStrategy"] = {"type": "OnDelete"}
    status = rollout_status(workload_of(obj))
    assert status.done and status.failed
    assert "only available for RollingUpdate" in status.message


def test_a_deployment_past_its_progress_deadline_has_failed() -> None:
    deployment = {
        "kind": "Deployment",
        "metadata": {"name": "web", "generation": 3},
        "spec": {"replicas": 4},
        "status": {
            "observedGeneration": 3, "replicas": 5, "updatedReplicas": 2,
            "conditions": [{"type": "Progressing", "status": "False",
                            "reason": "ProgressDeadlineExceeded"}],
        },
    }  # fmt: skip
    status = rollout_status(workload_of(deployment))
    assert status.failed and status.done
    assert status.message == 'deployment "web" exceeded its progress deadline'
    # Not yet observed: kubectl waits rather than trusting an old condition.
    deployment["metadata"]["generation"] = 4
    assert not rollout_status(workload_of(deployment)).failed
