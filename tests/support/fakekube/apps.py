"""Write verbs for Deployments on the fake API server: the scale subresource (get, patch, put)
and patches of the Deployment itself (strategic-merge and merge patches as deep merges of the
fields the cockpit and kubectl send; JSON patch), with `dryRun=All` and resourceVersion
preconditions answered like kube-apiserver (409 Conflict).

`rollout()` plays the deployment controller's part that rollbacks depend on: a changed pod
template gets a ReplicaSet (reused when one already holds that template, as after an undo) and
the next revision number, with the annotations the controller copies."""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from typing import Any

from cockpit.sources.kube.rollback import (
    KEPT_ON_DEPLOYMENT,
    REVISION,
    history,
    revision_of,
    same_template,
    semantic,
    without_hash,
)
from tests.support.fakekube.server import (
    ApiError,
    ApiRequest,
    FakeKube,
    Response,
    not_found,
    resource_for,
)

JSON = dict[str, Any]


def merge(base: Any, patch: Any) -> Any:
    """RFC 7386 merge (null deletes); strategic merge for the maps and scalars used here."""
    if not isinstance(patch, Mapping) or not isinstance(base, Mapping):
        return copy.deepcopy(patch)
    out = dict(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge(out.get(key), value)
    return out


def _pointer(path: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in path.split("/")[1:]]


def json_patch(doc: JSON, ops: list[Mapping[str, Any]]) -> JSON:
    doc = copy.deepcopy(doc)
    for op in ops:
        parts = _pointer(str(op["path"]))
        parent: Any = doc
        for part in parts[:-1]:
            parent = parent[int(part)] if isinstance(parent, list) else parent.setdefault(part, {})
        last = parts[-1]
        kind = op["op"]
        if kind == "test":
            current = parent[int(last)] if isinstance(parent, list) else parent.get(last)
            if current != op["value"]:
                raise ApiError(422, "Invalid", f"the test operation failed at {op['path']}")
        elif kind in ("add", "replace"):
            parent[last] = copy.deepcopy(op["value"])
        elif kind == "remove":
            parent.pop(last, None)
        else:
            raise ApiError(422, "Invalid", f"unsupported JSON patch op {kind!r}")
    return doc


def _scale_of(deployment: JSON) -> JSON:
    meta = deployment["metadata"]
    return {
        "kind": "Scale",
        "apiVersion": "autoscaling/v1",
        "metadata": {
            "name": meta["name"],
            "namespace": meta["namespace"],
            "uid": meta["uid"],
            "resourceVersion": meta["resourceVersion"],
            "creationTimestamp": meta["creationTimestamp"],
        },
        "spec": {"replicas": deployment["spec"].get("replicas", 1)},
        "status": {"replicas": (deployment.get("status") or {}).get("replicas", 0)},
    }


def install(kube: FakeKube) -> None:
    def current(request: ApiRequest) -> JSON:
        assert request.resource is not None
        obj = kube.store.get(request.resource, request.namespace, request.name)
        if obj is None:
            raise not_found(request.resource, request.name)
        return copy.deepcopy(obj)

    def save(request: ApiRequest, before: JSON, after: JSON) -> JSON:
        plural = request.resource.plural if request.resource else "deployments"
        wanted_rv = (after.get("metadata") or {}).get("resourceVersion")
        if wanted_rv and wanted_rv != before["metadata"]["resourceVersion"]:
            raise ApiError(
                409,
                "Conflict",
                f"Operation cannot be fulfilled on {plural}.apps "
                f'"{request.name}": the '
                "object has been modified; please apply your changes to the latest version "
                "and try again",
            )
        if after.get("spec") != before.get("spec"):
            meta = after.setdefault("metadata", {})
            meta["generation"] = int(before["metadata"].get("generation", 1)) + 1
        if request.query.get("dryRun") == "All":
            return after
        if after.get("kind") == "Deployment":
            return rollout(kube, after)
        return kube.store.put(after)

    def patched(request: ApiRequest, doc: JSON) -> JSON:
        body = request.json()
        kind = request.headers.get("content-type", "").split(";")[0]
        if kind == "application/json-patch+json":
            return json_patch(doc, body)
        return merge(doc, body)

    def get_scale(request: ApiRequest) -> Response:
        return Response.of(_scale_of(current(request)))

    def patch_scale(request: ApiRequest) -> Response:
        before = current(request)
        scale = patched(request, _scale_of(before))
        after = copy.deepcopy(before)
        after["spec"]["replicas"] = scale["spec"]["replicas"]
        after["metadata"]["resourceVersion"] = scale["metadata"].get("resourceVersion", "")
        return Response.of(_scale_of(save(request, before, after)))

    def put_scale(request: ApiRequest) -> Response:
        before = current(request)
        scale = request.json()
        after = copy.deepcopy(before)
        after["spec"]["replicas"] = scale["spec"]["replicas"]
        after["metadata"]["resourceVersion"] = (scale.get("metadata") or {}).get(
            "resourceVersion", ""
        )
        return Response.of(_scale_of(save(request, before, after)))

    def patch_deployment(request: ApiRequest) -> Response:
        # A patch that names a resourceVersion is a precondition; otherwise the merge keeps
        # the current one and the write simply wins, as on a real server.
        before = current(request)
        return Response.of(save(request, before, patched(request, before)))

    for plural in ("deployments", "statefulsets"):
        kube.handle("get", plural, "scale", get_scale)
        kube.handle("patch", plural, "scale", patch_scale)
        kube.handle("update", plural, "scale", put_scale)
        kube.handle("patch", plural, "", patch_deployment)


_SAFE = "bcdfghjklmnpqrstvwxz2456789"  # the controller's hash alphabet: no vowels, no look-alikes


def _template_hash(template: Mapping[str, Any]) -> str:
    digest = hashlib.sha256(
        json.dumps(semantic(without_hash(template)), sort_keys=True).encode()
    ).digest()
    return "".join(_SAFE[b % len(_SAFE)] for b in digest[:10])


def rollout(kube: FakeKube, deployment: Mapping[str, Any]) -> JSON:
    """Store `deployment` and, when its pod template is new, roll it out instantly: the
    matching ReplicaSet (an old one after an undo, else a new one) gets the next revision and
    all replicas; the others are scaled to zero."""
    stored = kube.store.put(deployment)
    rs_type = resource_for("replicasets", "apps")
    meta = stored["metadata"]
    spec = stored.get("spec") or {}
    template = spec.get("template") or {}
    owned = history(stored, kube.store.list(rs_type, meta["namespace"])[0])
    if any(e.number == revision_of(stored) and same_template(e.template, template) for e in owned):
        return stored  # nothing new to roll out (a scale, a status write)
    top = max((e.number for e in owned), default=0)
    match = next((e for e in owned if same_template(e.template, template)), None)
    carried = {
        k: v for k, v in (meta.get("annotations") or {}).items() if k not in KEPT_ON_DEPLOYMENT
    }
    replicas = int(spec.get("replicas", 1))
    if match is not None:
        rs = copy.deepcopy(dict(match.replica_set))
        notes = rs["metadata"].setdefault("annotations", {})
        old = notes.get(REVISION, "")
        previous = notes.get("deployment.kubernetes.io/revision-history", "")
        notes["deployment.kubernetes.io/revision-history"] = ",".join(
            p for p in (previous, old) if p
        )
    else:
        pod_hash = _template_hash(template)
        labels = dict((template.get("metadata") or {}).get("labels") or {}) | {
            "pod-template-hash": pod_hash
        }
        rs_template = copy.deepcopy(dict(template))
        rs_template.setdefault("metadata", {})["labels"] = labels
        selector = copy.deepcopy(dict(spec.get("selector") or {}))
        selector.setdefault("matchLabels", {})["pod-template-hash"] = pod_hash
        rs = {
            "apiVersion": "apps/v1",
            "kind": "ReplicaSet",
            "metadata": {
                "name": f"{meta['name']}-{pod_hash}",
                "namespace": meta["namespace"],
                "labels": labels,
                "ownerReferences": [
                    {
                        "apiVersion": "apps/v1",
                        "kind": "Deployment",
                        "name": meta["name"],
                        "uid": meta["uid"],
                        "controller": True,
                        "blockOwnerDeletion": True,
                    }
                ],
                "annotations": {},
            },
            "spec": {"replicas": replicas, "selector": selector, "template": rs_template},
        }
        notes = rs["metadata"]["annotations"]
    notes.update(carried)
    notes[REVISION] = str(top + 1)
    notes["deployment.kubernetes.io/desired-replicas"] = str(replicas)
    notes["deployment.kubernetes.io/max-replicas"] = str(replicas + 1)
    rs["spec"]["replicas"] = replicas
    rs["status"] = {"replicas": replicas, "readyReplicas": replicas,
                    "availableReplicas": replicas, "observedGeneration": 1}  # fmt: skip
    kube.store.put(rs)
    for entry in owned:
        if entry.replica_set["metadata"]["name"] != rs["metadata"]["name"]:
            idle = copy.deepcopy(dict(entry.replica_set))
            idle["spec"]["replicas"] = 0
            idle["status"] = {"replicas": 0, "observedGeneration": 1}
            kube.store.put(idle)
    stored = copy.deepcopy(stored)
    stored["metadata"].setdefault("annotations", {})[REVISION] = str(top + 1)
    return kube.store.put(stored)
