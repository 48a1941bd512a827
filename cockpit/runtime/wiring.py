"""Turns a validated config into live sources: the runtime settled from config and flags,
where requests go, and the set of sources (each built by its panel kind's factory, see
cockpit.runtime.panel_sources)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from cockpit.core import names
from cockpit.core.model import Reading
from cockpit.runtime.panel_sources import SourceBuild, http_options, source_for
from cockpit.runtime.session import Runtime, SourceSet

if TYPE_CHECKING:
    from cockpit.sources.kube.actions import KubeActions


@dataclass(frozen=True, slots=True)
class Where:
    """The cluster and namespace requests really go to, as kubectl would pick them."""

    context: str  # "" when neither the command line, the config nor a kubeconfig names one
    namespace: str


def chosen_namespace(runtime: Runtime, namespace: str = "") -> str:
    """The namespace someone chose (`-n`, the pods panel's, [cockpit]'s), "" if none did."""
    pods = runtime.config.panels.pods
    return (
        namespace
        or (pods.namespace if pods else "")
        or (runtime.namespace if runtime.namespace_chosen else "")
    )


def effective_where(runtime: Runtime) -> Where:
    """kubectl's rule: the context named, else the kubeconfig's current-context; the namespace
    chosen, else the context's, else "default". Blocking: it reads the kubeconfig (call it in a
    thread). A kubeconfig that cannot be read leaves the configured values; the sources say
    what is wrong with it."""
    chosen = chosen_namespace(runtime)
    if runtime.demo:
        return Where(runtime.context, chosen or runtime.namespace)
    from cockpit.sources.kube.pods import KubernetesPods

    probe = KubernetesPods("pods", (), namespace=chosen or "default", context=runtime.context)
    context = probe.context_name()
    try:
        names.context_name(context)
    except names.InvalidName:
        # A name the API server would refuse is not pinned; the pods panel reports it.
        context = runtime.context
    return Where(context, chosen or probe.context_namespace() or "default")


def settle_where(runtime: Runtime, where: Where) -> None:
    """Pin the context and namespace for everything started after this: the panels, actions
    and runbook commands go where the header says, even if the kubeconfig's current-context
    changes while the cockpit runs."""
    runtime.context = where.context
    runtime.namespace = where.namespace
    runtime.namespace_chosen = True


def build_sources(runtime: Runtime) -> SourceSet:
    """A source for every panel, each from its kind's factory (cockpit.runtime.panel_sources)."""
    result = SourceSet()
    build = SourceBuild(runtime, result)
    for spec in runtime.specs:
        result.sources.append((source_for(spec, build), spec))
    if result.world is not None:
        from cockpit.sources.demo.simulation import DemoActions

        # The demo's workloads are the simulated ones, whatever else is configured.
        result.actions = DemoActions(
            result.world, read_only=runtime.read_only, clock=result.demo_clock
        )
    return result


def build_cluster_actions(runtime: Runtime, namespace: str = "") -> KubeActions:
    """Actions on the cluster without the panels (the command line): the same adapter the
    pods panel's actions use, for `namespace` (else the pods panel's, else [cockpit]'s if set,
    else the kubeconfig context's, else "default")."""
    from cockpit.sources.kube.actions import KubeActions
    from cockpit.sources.kube.pods import KubernetesPods

    spec = next((s for s in runtime.specs if s.kind == "pods"), None)
    chosen = chosen_namespace(runtime, namespace)
    source = KubernetesPods(
        "pods",
        spec.measures if spec is not None else (),
        namespace=chosen or "default",
        context=runtime.context,
        clock=runtime.clock,
        timeout=spec.timeout if spec is not None else 10.0,
    )
    if not chosen:
        # As kubectl does: no -n and none configured means the kubeconfig context's namespace.
        source.namespace = source.context_namespace() or "default"
    return KubeActions(source, read_only=runtime.read_only)


__all__ = [
    "Reading",
    "Runtime",
    "SourceSet",
    "Where",
    "build_sources",
    "effective_where",
    "http_options",
    "settle_where",
]
