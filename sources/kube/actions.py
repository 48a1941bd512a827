"""Scale, rollout restart and rollout undo of Deployments through the Kubernetes API, as
kubectl does them.

- scale: the `scale` subresource; with `current_replicas`, the current count is read first and
  a mismatch refused in kubectl's words (`kubectl scale --current-replicas`), nothing sent.
- restart: a strategic-merge patch of the pod template annotation
  `kubectl.kubernetes.io/restartedAt` (RFC 3339), refused for a paused Deployment.
- undo: the rules in `kube_rollback` (ReplicaSets the Deployment controls, their revision
  annotations, one JSON patch of the template and annotations; skipped when already equal).
- preview: the same request with `dryRun=All`, so the API server validates it and nothing is
  stored. Dry runs are mutating verbs on the wire too, so read-only mode refuses them as well
  (the preview is then computed from reads alone).

The read-only guard is at the top of every mutating method: nothing leaves the process.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from cockpit.core.changes import AT_APPLY, NOT_SET, path
from cockpit.core.mitigation import (
    ActionPreview,
    ActionRequest,
    ActionResult,
    ReadOnlyError,
    Revision,
    Verb,
    Workload,
)
from cockpit.sources.kube.pods import KubeError, KubernetesPods, checked_name
from cockpit.sources.kube.rollback import (
    RevisionEntry,
    RollbackPlan,
    RollbackRefused,
    label_selector,
    plan_rollback,
    revision_of,
)
from cockpit.sources.kube.rollback import history as revision_history
from cockpit.sources.kube.workload import workload_of

RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
# Where each verb writes, as the preview names it.
REPLICAS_PATH = path("spec", "replicas")
RESTARTED_PATH = path("spec", "template", "metadata", "annotations", RESTARTED_AT)
# The generated client's method suffix per kind (read_namespaced_<x>, patch_namespaced_<x>).
_API = {"deployment": "deployment", "statefulset": "stateful_set"}


class KubeActions:
    """`ClusterActions` for the namespace the pods panel watches; shares its client."""

    def __init__(self, pods: KubernetesPods, *, read_only: bool) -> None:
        self.pods = pods
        self.read_only = read_only

    def context_name(self) -> str:
        """The context requests go to (the named one, else the kubeconfig's current one)."""
        return self.pods.context_name()

    # ---- reads --------------------------------------------------------------------------

    async def workloads(self) -> list[Workload]:
        return await asyncio.to_thread(self._workloads)

    def _workloads(self) -> list[Workload]:
        found = [workload_of(d) for d in self._items("deployments")]
        try:
            found += [workload_of(s) for s in self._items("statefulsets")]
        except KubeError as error:
            # Many roles may touch Deployments but not StatefulSets: offer what is allowed.
            if error.code != 403:
                raise
        return sorted(found, key=lambda w: (w.name, w.kind))

    def _items(self, plural: str) -> list[dict[str, Any]]:
        def call(apps: Any) -> Any:
            lister = (
                apps.list_namespaced_deployment
                if plural == "deployments"
                else apps.list_namespaced_stateful_set
            )
            return lister(
                self.pods.namespace,
                label_selector=self.pods.selector or None,
                _preload_content=False,
                _request_timeout=self.pods.timeout,
            )

        body = self._json(call, "list")
        items = [item for item in body.get("items", []) if isinstance(item, dict)]
        kind = "Deployment" if plural == "deployments" else "StatefulSet"
        for item in items:
            item.setdefault("kind", kind)  # list items carry no kind on the wire
        return items

    async def history(self, kind: str, name: str) -> list[Revision]:
        """`kubectl rollout history`: oldest first, the Deployment's own revision marked."""
        if kind != "deployment":
            return []
        checked_name(kind, name)
        deployment, entries = await asyncio.to_thread(self._revisions, name)
        current = revision_of(deployment)
        return [
            Revision(e.number, e.images, e.change_cause, e.created_at, e.number == current)
            for e in entries
        ]

    def _revisions(self, name: str) -> tuple[Mapping[str, Any], list[RevisionEntry]]:
        deployment = self._object("deployment", name)
        selector = label_selector((deployment.get("spec") or {}).get("selector"))
        body = self._json(
            lambda apps: apps.list_namespaced_replica_set(
                self.pods.namespace, label_selector=selector or None,
                _preload_content=False, _request_timeout=self.pods.timeout,
            ),
            "list",
        )  # fmt: skip
        items = [rs for rs in body.get("items", []) if isinstance(rs, dict)]
        return deployment, revision_history(deployment, items)

    def _plan(self, request: ActionRequest) -> tuple[Mapping[str, Any], RollbackPlan]:
        if request.kind != "deployment":
            # A StatefulSet's history lives in ControllerRevisions, not offered here yet.
            raise RollbackRefused(
                f"rollback of a {request.kind} is not offered by the cockpit; use "
                f"kubectl rollout undo {request.kind}/{request.name}"
            )
        deployment, entries = self._revisions(request.name)
        return deployment, plan_rollback(deployment, entries, request.to_revision)

    # ---- previews and writes ------------------------------------------------------------------

    async def preview(self, request: ActionRequest) -> ActionPreview:
        if request.verb is Verb.ROLLBACK:
            return await self._preview_rollback(request)
        try:
            current = await asyncio.to_thread(self._object, request.kind, request.name)
            problem = self._refusal(request, current)
            if problem:
                return ActionPreview(request, (), ok=False, message=problem)
            if self.read_only:
                # A dry run is still a PATCH on the wire: read-only refuses it too.
                return ActionPreview(
                    request, self._changes(request, current),
                    notes=("read-only: no dry run was sent",),
                )  # fmt: skip
            await asyncio.to_thread(self._send, request, True)
        except KubeError as error:
            return ActionPreview(request, (), ok=False, message=error.message)
        return ActionPreview(
            request, self._changes(request, current), notes=("server-side dry run passed",)
        )

    async def _preview_rollback(self, request: ActionRequest) -> ActionPreview:
        try:
            _, plan = await asyncio.to_thread(self._plan, request)
            if plan.patch is None:
                # kubectl's "skipped rollback": not a refusal, just nothing to change.
                return ActionPreview(request, (), ok=True, message=plan.message)
            changes = plan.changes
            if self.read_only:
                return ActionPreview(request, changes, notes=("read-only: no dry run was sent",))
            await asyncio.to_thread(self._patch, request.name, plan.patch, True)
        except RollbackRefused as refused:
            return ActionPreview(request, (), ok=False, message=str(refused))
        except KubeError as error:
            return ActionPreview(request, (), ok=False, message=error.message)
        return ActionPreview(request, changes, notes=("server-side dry run passed",))

    async def apply(self, request: ActionRequest) -> ActionResult:
        if self.read_only:
            raise ReadOnlyError(request.describe())
        if request.verb is Verb.ROLLBACK:
            return await asyncio.to_thread(self._rollback, request)
        try:
            before = await asyncio.to_thread(self._object, request.kind, request.name)
            problem = self._refusal(request, before)
            if problem:
                return ActionResult(request, False, problem)
            await asyncio.to_thread(self._send, request, False)
        except KubeError as error:
            return ActionResult(request, False, error.message)
        ref = f"{request.kind}.apps/{request.name}"
        word = "scaled" if request.verb is Verb.SCALE else "restarted"
        replicas = (before.get("spec") or {}).get("replicas")
        after = {"replicas": request.replicas} if request.verb is Verb.SCALE else {}
        return ActionResult(request, True, f"{ref} {word}", {"replicas": replicas}, after)

    # ---- the blocking part ----------------------------------------------------------------------

    def _rollback(self, request: ActionRequest) -> ActionResult:
        ref = f"deployment.apps/{request.name}"
        try:
            deployment, plan = self._plan(request)
            images = list(workload_of(deployment).images)
            before = {"revision": plan.current_revision, "images": images}
            if plan.patch is None:
                return ActionResult(request, True, f"{ref} {plan.message}", before, before)
            self._patch(request.name, plan.patch, False)
        except RollbackRefused as refused:
            return ActionResult(request, False, f"error: {refused}")
        except KubeError as error:
            return ActionResult(
                request, False, f"failed restoring revision {request.to_revision}: "
                f"{error.message}",
            )  # fmt: skip
        after = {"revision": plan.target.number, "images": list(plan.target.images)}
        return ActionResult(request, True, f"{ref} rolled back", before, after)

    def _patch(self, name: str, patch: list[dict[str, Any]], dry_run: bool) -> None:
        extra = {"dry_run": "All"} if dry_run else {}
        self._json(
            lambda apps: apps.patch_namespaced_deployment(
                name, self.pods.namespace, patch, _preload_content=False,
                _request_timeout=self.pods.timeout, **extra,
            ),
            "patch",
        )  # fmt: skip

    def _refusal(self, request: ActionRequest, current: Mapping[str, Any]) -> str:
        spec = current.get("spec") or {}
        if request.verb is Verb.SCALE and request.current_replicas is not None:
            have = spec.get("replicas", 1)
            if have != request.current_replicas:
                return f"Expected replicas to be {request.current_replicas}, was {have}"
        if request.verb is Verb.RESTART and spec.get("paused"):
            return (
                f'deployments.apps "{request.name}" can\'t restart paused deployment '
                "(run rollout resume first)"
            )
        return ""

    def _changes(
        self, request: ActionRequest, current: Mapping[str, Any]
    ) -> tuple[tuple[str, str, str], ...]:
        """(path, current, new) from the object as read: the real current values."""
        spec = current.get("spec") or {}
        if request.verb is Verb.SCALE:
            return ((REPLICAS_PATH, str(spec.get("replicas", 1)), str(request.replicas)),)
        template = (spec.get("template") or {}).get("metadata") or {}
        stamp = (template.get("annotations") or {}).get(RESTARTED_AT)
        # The stamp is taken when the patch is sent, so the preview cannot know it exactly.
        return ((RESTARTED_PATH, str(stamp) if stamp else NOT_SET, AT_APPLY),)

    def _object(self, kind: str, name: str) -> Mapping[str, Any]:
        # Every preview and apply reads the object first: the last guard on its name.
        checked_name(kind, name)
        return self._json(
            lambda apps: getattr(apps, f"read_namespaced_{_API[kind]}")(
                name, self.pods.namespace, _preload_content=False,
                _request_timeout=self.pods.timeout,
            ),
            "get",
        )  # fmt: skip

    def _send(self, request: ActionRequest, dry_run: bool) -> None:
        extra = {"dry_run": "All"} if dry_run else {}
        if request.verb is Verb.SCALE:
            self._json(
                lambda apps: getattr(apps, f"patch_namespaced_{_API[request.kind]}_scale")(
                    request.name,
                    self.pods.namespace,
                    {"spec": {"replicas": request.replicas}},
                    _preload_content=False,
                    _request_timeout=self.pods.timeout,
                    **extra,
                ),
                "patch",
            )
            return
        stamp = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        patch = {"spec": {"template": {"metadata": {"annotations": {RESTARTED_AT: stamp}}}}}
        self._json(
            lambda apps: getattr(apps, f"patch_namespaced_{_API[request.kind]}")(
                request.name,
                self.pods.namespace,
                patch,
                _preload_content=False,
                _request_timeout=self.pods.timeout,
                **extra,
            ),
            "patch",
        )

    def _json(self, call: Any, verb: str) -> Any:
        with self.pods._lock:
            self.pods._client()
        raw = self.pods._call(lambda: call(self.pods._apps()), verb=verb)
        try:
            return json.loads(raw)
        except ValueError:
            raise KubeError(f"unexpected answer from {self.pods.server}: not JSON") from None
