"""Mitigation actions as data: what the user asked for, what it would change, what happened.

The flow (DESIGN.md): key → preview (a server-side dry run) → confirmation → intent recorded →
apply → outcome recorded → rollout progress. These types carry each step; the cluster side
(`ClusterActions`: the demo world or a real API server) implements the verbs, and the read-only
guard lives there, where requests leave the process. Pure Python, no Textual.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol, runtime_checkable

from cockpit.core import names
from cockpit.core.safe_text import quoted


class Verb(StrEnum):
    SCALE = "scale"
    RESTART = "restart"
    ROLLBACK = "rollback"

    @property
    def kubectl(self) -> str:
        return {
            Verb.SCALE: "kubectl scale",
            Verb.RESTART: "kubectl rollout restart",
            Verb.ROLLBACK: "kubectl rollout undo",
        }[self]


class ReadOnlyError(Exception):
    """Raised by a cluster adapter before any mutating request leaves the process."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"read-only mode: {what} was not sent (start without --read-only to allow actions)"
        )


@dataclass(frozen=True, slots=True)
class Workload:
    kind: str  # "deployment" or "statefulset"
    name: str
    namespace: str
    replicas: int  # spec.replicas: what is wanted
    updated: int
    ready: int
    available: int
    total: int = 0  # status.replicas: pods of every revision that still exist
    revision: int = 0
    images: tuple[str, ...] = ()
    paused: bool = False
    generation: int = 0
    observed_generation: int = 0
    # Deployment: the Progressing condition says ProgressDeadlineExceeded.
    deadline_exceeded: bool = False
    # StatefulSet: update strategy; `partition` is None when spec.updateStrategy.rollingUpdate
    # is absent (kubectl's rules differ then); revisions are ControllerRevision names.
    strategy: str = "RollingUpdate"
    partition: int | None = None
    current_revision: str = ""
    update_revision: str = ""
    current_replicas: int = 0

    @property
    def ref(self) -> str:
        group = "apps"
        return f"{self.kind}.{group}/{self.name}"


@dataclass(frozen=True, slots=True)
class Revision:
    number: int
    images: tuple[str, ...]
    change_cause: str = ""
    created_at: datetime | None = None
    current: bool = False


@dataclass(frozen=True, slots=True)
class ActionRequest:
    verb: Verb
    kind: str
    name: str
    namespace: str
    context: str = ""
    replicas: int | None = None  # scale: the new count
    current_replicas: int | None = None  # scale: precondition, like --current-replicas
    to_revision: int = 0  # rollback: 0 means the previous revision
    # A configured command (e.g. helm rollback) instead of the Kubernetes API; an argv list.
    command: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # Every way into an action (keys, command line, runbook steps) builds one of these, so
        # a name the API server would refuse stops here, before anything is sent: the client
        # joins names into URL paths, and `.` or `..` would reach a different object.
        # An empty namespace is one not settled yet (the adapter's) or a program's own.
        if self.kind not in names.WORKLOAD_KINDS.values():
            raise names.InvalidName(
                f"unknown kind {quoted(self.kind)}: the cockpit acts on "
                "deployments and statefulsets"
            )
        names.object_name(self.kind, self.name)
        if self.namespace:
            names.namespace(self.namespace)
        if self.context:
            names.context_name(self.context)

    def describe(self) -> str:
        target = f"{self.kind}/{self.name}"
        if self.command:
            return f"{self.verb.value} {target} with `{shlex.join(self.command)}`"
        if self.verb is Verb.SCALE:
            return f"scale {target} to {self.replicas} replicas"
        if self.verb is Verb.RESTART:
            return f"rollout restart {target}"
        where = f"revision {self.to_revision}" if self.to_revision else "the previous revision"
        return f"rollout undo {target} to {where}"

    def argv(self) -> list[str]:
        """The equivalent kubectl command, for the preview and the record (never executed);
        for a configured command, that command."""
        if self.command:
            return list(self.command)
        base = ["kubectl"]
        if self.context:
            base += ["--context", self.context]
        base += ["-n", self.namespace]
        target = f"{self.kind}/{self.name}"
        if self.verb is Verb.SCALE:
            argv = [*base, "scale", target, f"--replicas={self.replicas}"]
            if self.current_replicas is not None:
                argv.append(f"--current-replicas={self.current_replicas}")
            return argv
        if self.verb is Verb.RESTART:
            return [*base, "rollout", "restart", target]
        argv = [*base, "rollout", "undo", target]
        if self.to_revision:
            argv.append(f"--to-revision={self.to_revision}")
        return argv


@dataclass(frozen=True, slots=True)
class ActionPreview:
    """What the confirmation modal shows: current → new, and the dry run's verdict."""

    request: ActionRequest
    # (object path, current, new), e.g. ("spec.replicas", "3", "5"); see `action_diff`.
    changes: tuple[tuple[str, str, str], ...]
    ok: bool = True  # False: the dry run refused; the modal says why and offers no confirm
    message: str = ""
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ActionResult:
    request: ActionRequest
    ok: bool
    message: str  # kubectl's words on success ("deployment.apps/web scaled"), the error else
    before: Mapping[str, Any] = field(default_factory=dict)
    after: Mapping[str, Any] = field(default_factory=dict)


@runtime_checkable
class ClusterActions(Protocol):
    read_only: bool

    async def workloads(self) -> Sequence[Workload]: ...

    async def history(self, kind: str, name: str) -> Sequence[Revision]: ...

    async def preview(self, request: ActionRequest) -> ActionPreview: ...

    async def apply(self, request: ActionRequest) -> ActionResult: ...


@runtime_checkable
class NamesContext(Protocol):
    """Actions on a real cluster, which can say the kubeconfig context their requests go to
    (the demo cannot). Blocking: it reads the kubeconfig, so callers run it in a thread."""

    def context_name(self) -> str: ...


@dataclass(frozen=True, slots=True)
class RolloutStatus:
    done: bool  # nothing more to wait for: complete, or failed
    message: str
    failed: bool = False


def rollout_status(workload: Workload) -> RolloutStatus:
    """`kubectl rollout status` for a Deployment or a StatefulSet, in kubectl's words."""
    if workload.kind == "statefulset":
        return _statefulset_status(workload)
    name = workload.name
    if workload.observed_generation < workload.generation:
        return RolloutStatus(False, "Waiting for deployment spec update to be observed...")
    if workload.deadline_exceeded:
        return RolloutStatus(True, f'deployment "{name}" exceeded its progress deadline', True)
    waiting = f'Waiting for deployment "{name}" rollout to finish: '
    if workload.updated < workload.replicas:
        return RolloutStatus(
            False,
            f"{waiting}{workload.updated} out of {workload.replicas} new replicas have been "
            "updated...",
        )
    if workload.total > workload.updated:
        return RolloutStatus(
            False,
            f"{waiting}{workload.total - workload.updated} old replicas are pending termination...",
        )
    if workload.available < workload.updated:
        return RolloutStatus(
            False,
            f"{waiting}{workload.available} of {workload.updated} updated replicas are "
            "available...",
        )
    return RolloutStatus(True, f'deployment "{name}" successfully rolled out')


def _statefulset_status(sts: Workload) -> RolloutStatus:
    if sts.strategy != "RollingUpdate":
        return RolloutStatus(
            True, "rollout status is only available for RollingUpdate strategy type", True
        )
    if sts.observed_generation == 0 or sts.generation > sts.observed_generation:
        return RolloutStatus(False, "Waiting for statefulset spec update to be observed...")
    if sts.ready < sts.replicas:
        return RolloutStatus(False, f"Waiting for {sts.replicas - sts.ready} pods to be ready...")
    if sts.partition is not None:
        # The API server defaults rollingUpdate.partition to 0, so this is the usual path.
        if sts.updated < sts.replicas - sts.partition:
            return RolloutStatus(
                False,
                f"Waiting for partitioned roll out to finish: {sts.updated} out of "
                f"{sts.replicas - sts.partition} new pods have been updated...",
            )
        return RolloutStatus(
            True, f"partitioned roll out complete: {sts.updated} new pods have been updated..."
        )
    if sts.update_revision != sts.current_revision:
        return RolloutStatus(
            False,
            f"waiting for statefulset rolling update to complete {sts.updated} pods at "
            f"revision {sts.update_revision}...",
        )
    return RolloutStatus(
        True,
        f"statefulset rolling update complete {sts.current_replicas} pods at revision "
        f"{sts.current_revision}...",
    )
