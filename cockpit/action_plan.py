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
    changes: tuple[tuple[str, str, str], ...]  # (what, current, new)
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


def rollout_status(workload: Workload) -> tuple[bool, str]:
    """(done, message) by `kubectl rollout status` rules for a Deployment."""
    name = workload.name
    if workload.observed_generation < workload.generation:
        return False, "Waiting for deployment spec update to be observed..."
    if workload.updated < workload.replicas:
        return False, (
            f'Waiting for deployment "{name}" rollout to finish: {workload.updated} out of '
            f"{workload.replicas} new replicas have been updated..."
        )
    if workload.total > workload.updated:
        return False, (
            f'Waiting for deployment "{name}" rollout to finish: '
            f"{workload.total - workload.updated} old replicas are pending termination..."
        )
    if workload.available < workload.updated:
        return False, (
            f'Waiting for deployment "{name}" rollout to finish: {workload.available} of '
            f"{workload.updated} updated replicas are available..."
        )
    return True, f'deployment "{name}" successfully rolled out'
