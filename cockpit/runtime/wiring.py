"""Turns a validated config into live sources: the runtime settled from config and flags,
where requests go, and the set of sources (each built by its panel kind's factory, see
cockpit.runtime.panel_sources)."""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from cockpit.config.schema import Config, PanelSpec, demo_config, panel_specs
from cockpit.core import names
from cockpit.core.mitigation import ClusterActions
from cockpit.core.model import Reading
from cockpit.runtime.panel_sources import SourceBuild, http_options, source_for
from cockpit.sources.base import Clock, Source, utc_now

if TYPE_CHECKING:
    from cockpit.sources.demo.simulation import DemoClock, DemoWorld
    from cockpit.sources.kube.actions import KubeActions


@dataclass
class Runtime:
    """Everything the app and `snapshot` need, settled from config and command-line flags."""

    config: Config
    specs: list[PanelSpec]
    demo: bool = False
    read_only: bool = False
    theme: str = "cockpit-dark"
    context: str = ""
    namespace: str = "default"
    config_path: Path | None = None
    clock: Clock = utc_now
    debug: bool = False
    # The timeline file; None means the default under the user data dir. The demo, unless given
    # a file, keeps its incident in a throwaway file so it never mixes with real incidents.
    timeline_path: Path | None = None
    timeline_throwaway: bool = False
    # False when the namespace is only the built-in "default": then, as with kubectl, the
    # kubeconfig context's namespace is the one meant (see `effective_where`).
    namespace_chosen: bool = True

    @property
    def production(self) -> bool:
        """Actions here need the object's name typed, not just `y`."""
        return self.production_for(self.context)

    def production_for(self, context: str) -> bool:
        """Whether `context` (e.g. the kubeconfig's current one) is a production context."""
        patterns = self.config.cockpit.production_contexts
        return any(fnmatch.fnmatchcase(context, p) for p in patterns)

    @classmethod
    def build(
        cls,
        config: Config,
        *,
        demo: bool = False,
        config_path: Path | None = None,
        read_only: bool | None = None,
        theme: str | None = None,
        refresh: float | None = None,
        context: str | None = None,
        namespace: str | None = None,
        clock: Clock = utc_now,
        debug: bool = False,
        db: str | Path | None = None,
    ) -> Runtime:
        settings = config.cockpit
        db_text = str(db) if db else config.timeline.db
        return cls(
            config=config,
            specs=panel_specs(config, refresh),
            demo=demo,
            read_only=settings.read_only if read_only is None else read_only,
            theme=theme or settings.theme,
            context=context if context is not None else settings.context,
            namespace=namespace or settings.namespace,
            namespace_chosen=bool(namespace) or "namespace" in settings.model_fields_set,
            config_path=config_path,
            clock=clock,
            debug=debug,
            timeline_path=Path(db_text).expanduser() if db_text else None,
            timeline_throwaway=demo and not db_text,
        )

    @classmethod
    def for_demo(cls, clock: Clock = utc_now, **flags: object) -> Runtime:
        return cls.build(demo_config(), demo=True, clock=clock, **flags)  # type: ignore[arg-type]


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


@dataclass
class SourceSet:
    """The live sources of one run, each with its panel's spec, and what the app acts through."""

    sources: list[tuple[Source, PanelSpec]] = field(default_factory=list)
    # The simulated world and its clock, when any panel is a demo one.
    world: DemoWorld | None = None
    demo_clock: DemoClock | None = None
    # Scale / restart / rollback for the workloads on screen, if any panel shows them.
    actions: ClusterActions | None = None

    def incident_started(self) -> datetime | None:
        if self.world is None or self.demo_clock is None:
            return None
        from cockpit.sources.demo.simulation import demo_incident_start

        return demo_incident_start(self.world, self.demo_clock)

    async def aclose(self) -> None:
        for source, _ in self.sources:
            await source.aclose()


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
