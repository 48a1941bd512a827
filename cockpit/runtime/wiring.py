"""Turns a validated config into live sources. The only module that knows every source kind.

Source modules are imported here on demand, so a config without Kubernetes never pays for the
`kubernetes` import, and one with it pays only when the sources start (after the first frame).
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cockpit.config.schema import (
    AlertmanagerSettings,
    Config,
    PanelSpec,
    PrometheusSettings,
    demo_config,
    panel_specs,
)
from cockpit.core import names
from cockpit.core.model import Reading
from cockpit.sources.base import Clock, Source, utc_now

if TYPE_CHECKING:
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
    sources: list[tuple[Source, PanelSpec]] = field(default_factory=list)
    world: object | None = None
    demo_clock: object | None = None
    # Scale / restart / rollback for the workloads on screen (ClusterActions), if any.
    actions: Any = None

    def incident_started(self) -> datetime | None:
        if self.world is None or self.demo_clock is None:
            return None
        from cockpit.sources.demo.simulation import DemoClock, DemoWorld, demo_incident_start

        assert isinstance(self.world, DemoWorld) and isinstance(self.demo_clock, DemoClock)
        return demo_incident_start(self.world, self.demo_clock)

    async def aclose(self) -> None:
        for source, _ in self.sources:
            await source.aclose()


def build_sources(runtime: Runtime) -> SourceSet:
    result = SourceSet()
    prometheus_client = None
    for spec in runtime.specs:
        kind = spec.source
        if kind == "demo":
            source = _demo_source(spec, runtime, result)
        elif kind == "kubernetes":
            from cockpit.sources.kube.pods import KubernetesPods

            pods = runtime.config.panels.pods
            assert pods is not None
            source = KubernetesPods(
                spec.panel,
                spec.measures,
                namespace=pods.namespace or runtime.namespace,
                selector=pods.selector,
                context=runtime.context,
                clock=runtime.clock,
                timeout=spec.timeout,
            )
        elif kind == "prometheus":
            if prometheus_client is None:
                prometheus_client = _prometheus_client(runtime)
            source = _prometheus_source(spec, runtime, prometheus_client)
        elif kind == "file":
            from cockpit.sources.file_backup import FileBackup

            backup = runtime.config.panels.backup
            assert backup is not None
            source = FileBackup(spec.panel, spec.measures, backup.path, clock=runtime.clock)
        elif kind == "alertmanager":
            source = _alertmanager_source(spec, runtime)
        elif kind == "health":
            source = _health_source(spec, runtime)
        else:  # config validation makes this unreachable; say so loudly if it is not
            raise ValueError(f"unknown source kind {kind!r} for panel {spec.panel}")
        result.sources.append((source, spec))
    pods = next((src for src, spec in result.sources if spec.source == "kubernetes"), None)
    if pods is not None:
        from cockpit.sources.kube.actions import KubeActions
        from cockpit.sources.kube.pods import KubernetesPods

        assert isinstance(pods, KubernetesPods)
        result.actions = KubeActions(pods, read_only=runtime.read_only)
    if result.world is not None:
        from cockpit.sources.demo.simulation import DemoActions, DemoClock, DemoWorld

        assert isinstance(result.world, DemoWorld)
        clock = result.demo_clock if isinstance(result.demo_clock, DemoClock) else None
        result.actions = DemoActions(result.world, read_only=runtime.read_only, clock=clock)
    return result


def build_cluster_actions(runtime: Runtime, namespace: str = "") -> KubeActions:
    """Actions on the cluster without the panels (the command line): the same adapter the
    pods panel's actions use, for `namespace` (else the pods panel's, else [cockpit]'s if set,
    else the kubeconfig context's, else "default")."""
    from cockpit.sources.kube.actions import KubeActions
    from cockpit.sources.kube.pods import KubernetesPods

    spec = next((s for s in runtime.specs if s.panel == "pods"), None)
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


def _demo_source(spec: PanelSpec, runtime: Runtime, result: SourceSet) -> Source:
    from cockpit.sources.demo import simulation as demo
    if result.world is None:
        result.world = demo.DemoWorld(namespace=runtime.namespace)
        result.demo_clock = demo.DemoClock(runtime.clock)
    assert isinstance(result.world, demo.DemoWorld)
    assert isinstance(result.demo_clock, demo.DemoClock)
    kinds: dict[str, type[demo.DemoSource]] = {
        "pods": demo.DemoPods,
        "latency": demo.DemoLatency,
        "error_rate": demo.DemoErrorRate,
        "queue": demo.DemoQueue,
        "backup": demo.DemoBackup,
        "alerts": demo.DemoAlerts,
        "health": demo.DemoHealth,
    }
    return kinds[spec.panel](spec.panel, result.world, result.demo_clock, spec.measures)


def _prometheus_client(runtime: Runtime) -> object:
    from cockpit.sources.http.prometheus import PrometheusClient

    settings = runtime.config.prometheus
    assert settings is not None
    return PrometheusClient(settings.url, **http_options(settings))


def http_options(settings: PrometheusSettings | AlertmanagerSettings) -> dict[str, Any]:
    """The client keywords of an HTTP server's settings, for Prometheus and Alertmanager."""
    basic_auth = None
    if settings.basic_auth_user:
        # Read once here: the password never sits in the config file, only in the environment.
        password = os.environ.get(settings.basic_auth_password_env, "")
        basic_auth = (settings.basic_auth_user, password)
    return {
        "timeout": settings.timeout,
        "bearer_token_env": settings.bearer_token_env,
        "headers": dict(settings.headers),
        "bearer_token_file": settings.bearer_token_file,
        "basic_auth": basic_auth,
        "ca_file": settings.ca_file,
        "insecure_skip_verify": settings.insecure_skip_verify,
    }


def _prometheus_source(spec: PanelSpec, runtime: Runtime, client: object) -> Source:
    from cockpit.sources.http import prometheus as prom
    assert isinstance(client, prom.PrometheusClient)
    panels = runtime.config.panels
    if spec.panel == "latency" and panels.latency is not None:
        return prom.PrometheusLatency(
            spec.panel,
            spec.measures,
            client,
            panels.latency.p50_query,
            panels.latency.p95_query,
            clock=runtime.clock,
            interval=spec.interval,
        )
    if spec.panel == "error_rate" and panels.error_rate and panels.error_rate.burn_queries:
        return prom.PrometheusBurnRate(
            spec.panel,
            spec.measures,
            client,
            panels.error_rate.query,
            "error_ratio",
            clock=runtime.clock,
            interval=spec.interval,
            burn_queries=dict(panels.error_rate.burn_queries),
            budget=panels.error_rate.slo_percent / 100,
        )
    if spec.panel == "error_rate" and panels.error_rate is not None:
        return prom.PrometheusValue(
            spec.panel,
            spec.measures,
            client,
            panels.error_rate.query,
            "error_ratio",
            clock=runtime.clock,
            interval=spec.interval,
        )
    if spec.panel == "queue" and panels.queue is not None:
        return prom.PrometheusValue(
            spec.panel,
            spec.measures,
            client,
            panels.queue.query,
            "depth",
            clock=runtime.clock,
            interval=spec.interval,
        )
    custom = next((m for m in panels.custom if m.panel_id == spec.panel), None)
    if custom is not None:
        return prom.PrometheusValue(
            spec.panel,
            spec.measures,
            client,
            custom.query,
            "value",
            clock=runtime.clock,
            interval=spec.interval,
        )
    if spec.panel == "backup" and panels.backup is not None:
        return prom.PrometheusBackup(
            spec.panel,
            spec.measures,
            client,
            panels.backup.query,
            clock=runtime.clock,
            interval=spec.interval,
        )
    raise ValueError(f'panel {spec.panel} cannot use source = "prometheus"')


def _alertmanager_source(spec: PanelSpec, runtime: Runtime) -> Source:
    from cockpit.sources.http.alertmanager import AlertmanagerAlerts, AlertmanagerClient

    settings = runtime.config.alertmanager
    alerts = runtime.config.panels.alerts
    assert settings is not None and alerts is not None
    client = AlertmanagerClient(settings.url, **http_options(settings))
    return AlertmanagerAlerts(
        spec.panel,
        spec.measures,
        client,
        tuple(alerts.filter),
        tuple(alerts.critical_severities),
        clock=runtime.clock,
    )


def _health_source(spec: PanelSpec, runtime: Runtime) -> Source:
    from cockpit.config.schema import split_host_port
    from cockpit.sources.http.health import Check, HealthChecks, HttpCheck, TcpCheck

    health = runtime.config.panels.health
    assert health is not None
    checks: list[Check] = []
    for c in health.checks:
        if c.url:
            checks.append(
                HttpCheck(
                    c.name,
                    c.url,
                    expect_status=c.expect_status,
                    timeout=c.timeout,
                    follow_redirects=c.follow_redirects,
                    verify=c.verify,
                    ca_file=_beside_config(runtime, c.ca_file),
                )
            )
        else:
            host, port = split_host_port(c.tcp)
            checks.append(TcpCheck(c.name, host, port, timeout=c.timeout))
    return HealthChecks(spec.panel, spec.measures, checks, clock=runtime.clock)


def _beside_config(runtime: Runtime, path: str) -> str:
    """A relative path in the config means next to the config file, not wherever the cockpit
    happens to be started from."""
    if not path:
        return ""
    resolved = Path(path).expanduser()
    if not resolved.is_absolute() and runtime.config_path is not None:
        resolved = runtime.config_path.parent / resolved
    return str(resolved)


__all__ = [
    "Reading",
    "Runtime",
    "SourceSet",
    "Where",
    "build_sources",
    "effective_where",
    "settle_where",
]
