"""Write verbs for Deployments on the fake API server: the scale subresource (get, patch, put)
and patches of the Deployment itself (strategic-merge and merge patches as deep merges of the
fields the cockpit and kubectl send; JSON patch), with `dryRun=All` and resourceVersion
preconditions answered like kube-apiserver (409 Conflict)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from tests.fakekube.server import ApiError, ApiRequest, FakeKube, Response, not_found

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
        wanted_rv = (after.get("metadata") or {}).get("resourceVersion")
        if wanted_rv and wanted_rv != before["metadata"]["resourceVersion"]:
            raise ApiError(
                409,
                "Conflict",
                f'Operation cannot be fulfilled on deployments.apps "{request.name}": the '
                "object has been modified; please apply your changes to the latest version "
                "and try again",
            )
        if after.get("spec") != before.get("spec"):
            meta = after.setdefault("metadata", {})
            meta["generation"] = int(before["metadata"].get("generation", 1)) + 1
        if request.query.get("dryRun") == "All":
            return after
        return kube.store.put(after)

    def patched(request: ApiRequest, doc: JSON) -> JSON:
        body = request.json()
        kind = request.headers.get("Content-Type", "").split(";")[0]
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

    kube.handle("get", "deployments", "scale", get_scale)
    kube.handle("patch", "deployments", "scale", patch_scale)
    kube.handle("update", "deployments", "scale", put_scale)
    kube.handle("patch", "deployments", "", patch_deployment)

