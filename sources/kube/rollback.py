"""`kubectl rollout undo` for a Deployment, as pure functions over the objects' JSON.

The rules, as kubectl applies them:
- the candidates are the ReplicaSets the Deployment controls (owner reference with
  `controller: true` and the Deployment's uid), each with its
  `deployment.kubernetes.io/revision` annotation;
- with no revision asked for, the target is the second-highest revision ("no rollout history
  found" when there is none); with one, exactly that revision ("unable to find specified
  revision N in history");
- a paused Deployment is refused; a target whose pod template already equals the Deployment's
  (ignoring `pod-template-hash`) is "skipped rollback", and nothing is sent;
- otherwise one JSON patch replaces `/spec/template` (the ReplicaSet's, without
  `pod-template-hash`) and `/metadata/annotations` (the Deployment's own bookkeeping
  annotations kept, the rest taken from the ReplicaSet).

One deliberate difference: kubectl says "matches revision 0" when it skips a rollback to the
previous revision; the cockpit names the revision it compared with.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cockpit.core.changes import NOT_SET, list_item, map_key, path

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
HASH_LABEL = "pod-template-hash"

# Annotations that describe the Deployment's own bookkeeping: a rollback keeps the
# Deployment's values and never copies the ReplicaSet's.
KEPT_ON_DEPLOYMENT = frozenset(
    {
        "kubectl.kubernetes.io/last-applied-configuration",
        REVISION,
        "deployment.kubernetes.io/revision-history",
        "deployment.kubernetes.io/desired-replicas",
        "deployment.kubernetes.io/max-replicas",
        "deprecated.deployment.rollback.to",
    }
)

JSON = dict[str, Any]


class RollbackRefused(Exception):
    """The rollback cannot be done; the message is what the user reads."""


@dataclass(frozen=True, slots=True)
class RevisionEntry:
    """One line of `kubectl rollout history`, with the ReplicaSet behind it."""

    number: int
    replica_set: Mapping[str, Any]

    @property
    def template(self) -> Mapping[str, Any]:
        return (self.replica_set.get("spec") or {}).get("template") or {}

    @property
    def images(self) -> tuple[str, ...]:
        return images_of(self.template)

    @property
    def change_cause(self) -> str:
        return str(_annotations(self.replica_set).get(CHANGE_CAUSE, ""))

    @property
    def created_at(self) -> datetime | None:
        stamp = (self.replica_set.get("metadata") or {}).get("creationTimestamp")
        if not stamp:
            return None
        try:
            return datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
        except ValueError:
            return None


@dataclass(frozen=True, slots=True)
class RollbackPlan:
    """What undo would do: `patch` is None when it is a skip (`message` says why). `changes`
    are (object path, current, new) on the Deployment: its revision, the pod template's
    fields, then its own annotations."""

    target: RevisionEntry
    current_revision: int
    patch: list[JSON] | None
    message: str
    changes: tuple[tuple[str, str, str], ...]


def label_selector(selector: Mapping[str, Any] | None) -> str:
    """A Deployment's `spec.selector` as the `labelSelector` query string."""
    if not selector:
        return ""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or []:
        key, op = expr.get("key", ""), expr.get("operator", "")
        values = ",".join(sorted(str(v) for v in expr.get("values") or []))
        if op == "In":
            parts.append(f"{key} in ({values})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)


def history(
    deployment: Mapping[str, Any], replica_sets: Iterable[Mapping[str, Any]]
) -> list[RevisionEntry]:
    """The Deployment's revisions, oldest first; ReplicaSets it does not control are ignored."""
    uid = (deployment.get("metadata") or {}).get("uid")
    entries = [
        RevisionEntry(revision_of(rs), rs)
        for rs in replica_sets
        if any(
            ref.get("controller") and ref.get("uid") == uid
            for ref in (rs.get("metadata") or {}).get("ownerReferences") or []
        )
    ]
    return sorted(entries, key=lambda e: e.number)


def revision_of(obj: Mapping[str, Any]) -> int:
    text = str(_annotations(obj).get(REVISION, "0"))
    return int(text) if text.isdigit() else 0


def plan_rollback(
    deployment: Mapping[str, Any], entries: Sequence[RevisionEntry], to_revision: int = 0
) -> RollbackPlan:
    """The rollback kubectl would do, or `RollbackRefused` in kubectl's words."""
    name = str((deployment.get("metadata") or {}).get("name", "?"))
    # A negative revision matches no entry: the same "unable to find" as kubectl says.
    target = _target(name, entries, to_revision)
    spec = deployment.get("spec") or {}
    if spec.get("paused"):
        raise RollbackRefused(
            "you cannot rollback a paused deployment; resume it first with "
            "'kubectl rollout resume' and try again"
        )
    current = revision_of(deployment)
    template = without_hash(target.template)
    if same_template(target.template, spec.get("template") or {}):
        message = f"skipped rollback (current template already matches revision {target.number})"
        return RollbackPlan(target, current, None, message, ())
    annotations = {k: v for k, v in _annotations(deployment).items() if k in KEPT_ON_DEPLOYMENT} | {
        k: v for k, v in _annotations(target.replica_set).items() if k not in KEPT_ON_DEPLOYMENT
    }
    # The controller gives the re-used template the next revision number, as kubectl's
    # `rollout history` shows afterwards.
    following = max([current, *(e.number for e in entries)]) + 1
    changes = (
        (
            path("metadata", "annotations", REVISION),
            str(current) if current else NOT_SET,
            f"{following} (revision {target.number}'s template)",
        ),
        *template_changes(spec.get("template") or {}, template),
        *annotation_changes(_annotations(deployment), annotations),
    )
    patch = [
        {"op": "replace", "path": "/spec/template", "value": template},
        {"op": "replace", "path": "/metadata/annotations", "value": annotations},
    ]
    return RollbackPlan(target, current, patch, "rolled back", changes)


def _target(name: str, entries: Sequence[RevisionEntry], to_revision: int) -> RevisionEntry:
    if to_revision:
        for entry in entries:
            if entry.number == to_revision:
                return entry
        raise RollbackRefused(f"unable to find specified revision {to_revision} in history")
    ordered = sorted(entries, key=lambda e: e.number)
    if len(ordered) < 2:
        raise RollbackRefused(f'no rollout history found for deployment "{name}"')
    return ordered[-2]


def without_hash(template: Mapping[str, Any]) -> JSON:
    out = copy.deepcopy(dict(template))
    labels = (out.get("metadata") or {}).get("labels")
    if isinstance(labels, dict):
        labels.pop(HASH_LABEL, None)
    return out


def semantic(value: Any) -> Any:
    """A value with empty and null fields dropped: Go clients write zero values
    (`"creationTimestamp": null`, `"resources": {}`) that mean the same as leaving them out."""
    if isinstance(value, Mapping):
        out = {k: semantic(v) for k, v in value.items()}
        return {k: v for k, v in out.items() if v not in (None, {}, [])}
    if isinstance(value, list):
        return [semantic(v) for v in value]
    return value


def same_template(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    return semantic(without_hash(a)) == semantic(without_hash(b))


def images_of(template: Mapping[str, Any]) -> tuple[str, ...]:
    containers = (template.get("spec") or {}).get("containers") or []
    return tuple(str(c.get("image", "")) for c in containers if isinstance(c, Mapping))


TEMPLATE = path("spec", "template")


def template_changes(
    current: Mapping[str, Any], target: Mapping[str, Any]
) -> tuple[tuple[str, str, str], ...]:
    """(path, current, after) per container image, then one per other changed field of the
    pod template, each path from the Deployment (`spec.template.…`)."""
    rows: list[tuple[str, str, str]] = []
    have = _containers(current)
    want = _containers(target)
    containers = path("spec", "template", "spec", "containers")
    for name in dict.fromkeys([*have, *want]):
        old = _short(have.get(name, {}).get("image"))
        new = _short(want.get(name, {}).get("image"))
        if old != new:
            rows.append((list_item(containers, name) + ".image", old, new))
    flat_a, flat_b = (
        _flatten(semantic(without_hash(current)), TEMPLATE),
        _flatten(semantic(without_hash(target)), TEMPLATE),
    )
    for field in sorted(set(flat_a) | set(flat_b)):
        if field.startswith(containers + "[") and field.endswith("].image"):
            continue
        if flat_a.get(field) != flat_b.get(field):
            rows.append((field, _short(flat_a.get(field)), _short(flat_b.get(field))))
    return tuple(rows)


def annotation_changes(
    current: Mapping[str, Any], after: Mapping[str, Any]
) -> tuple[tuple[str, str, str], ...]:
    """The Deployment's own annotations the patch replaces (the change cause, mostly); its
    revision is the controller's and has its own row."""
    keys = sorted((set(current) | set(after)) - {REVISION})
    return tuple(
        (path("metadata", "annotations", key), _short(current.get(key)), _short(after.get(key)))
        for key in keys
        if current.get(key) != after.get(key)
    )


def _containers(template: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    containers = (template.get("spec") or {}).get("containers") or []
    return {str(c.get("name", i)): c for i, c in enumerate(containers) if isinstance(c, Mapping)}


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out |= _flatten(v, map_key(prefix, str(k)))
        return out
    if isinstance(value, list):
        out = {}
        for i, v in enumerate(value):
            key = v.get("name", i) if isinstance(v, Mapping) else i
            out |= _flatten(v, list_item(prefix, key))
        return out
    return {prefix: value}


def _short(value: Any) -> str:
    text = NOT_SET if value is None else str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def _annotations(obj: Mapping[str, Any]) -> Mapping[str, Any]:
    return (obj.get("metadata") or {}).get("annotations") or {}
