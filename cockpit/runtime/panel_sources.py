"""Panel kinds, the runtime side: the sources that can feed each kind, by `source = "..."`.

Every kind registered in `cockpit.config.panel_kinds` has a `PanelSources` here under the same
name; a factory turns the panel's spec (with its validated config table) into a live source.
Source modules are imported inside the factories, so a config without Kubernetes never pays
for the `kubernetes` import, and one with it pays only when the sources start (after the first
frame). What several panels share (the simulated world, one Prometheus client) is made once
per build, by `SourceBuild`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any, TypeVar

from cockpit.config.panel_kinds import KindRegistry
from cockpit.config.schema import (
    AlertmanagerSettings,
    AlertsPanel,
    BackupPanel,
    CustomMetric,
    ErrorRatePanel,
    HealthPanel,
    LatencyPanel,
    PanelSettings,
    PanelSpec,
    PodsPanel,
    PrometheusSettings,
    QueuePanel,
)
from cockpit.sources.base import Source

if TYPE_CHECKING:
    from cockpit.runtime.session import Runtime, SourceSet
    from cockpit.sources.demo.simulation import DemoClock, DemoSource, DemoWorld
    from cockpit.sources.http.prometheus import PrometheusClient

# Builds the source of one panel: its spec (`spec.settings` is its config table) and what the
# build shares.
SourceFactory = Callable[[PanelSpec, "SourceBuild"], Source]


@dataclass(frozen=True, slots=True)
class PanelSources:
    """The runtime side of one panel kind: a factory per value its `source` key may take."""

    kind: str
    factories: Mapping[str, SourceFactory]


SOURCES: KindRegistry[PanelSources] = KindRegistry("sources")


def register_panel_sources(kind: str, factories: Mapping[str, SourceFactory]) -> PanelSources:
    return SOURCES.add(kind, PanelSources(kind, dict(factories)))


@dataclass
class SourceBuild:
    """One `build_sources` run: the runtime, the set being filled, and what its panels share."""

    runtime: Runtime
    result: SourceSet
    _prometheus: PrometheusClient | None = field(default=None, repr=False)

    def prometheus(self) -> PrometheusClient:
        """The one client every Prometheus panel of this build uses (one connection pool)."""
        if self._prometheus is None:
            from cockpit.sources.http.prometheus import PrometheusClient

            settings = self.runtime.config.prometheus
            if settings is None:  # config validation requires [prometheus]; say so if not
                raise ValueError('a panel uses source = "prometheus" but [prometheus] is missing')
            self._prometheus = PrometheusClient(settings.url, **http_options(settings))
        return self._prometheus

    def demo(self) -> tuple[DemoWorld, DemoClock]:
        """The simulated world every demo panel of this build shows, and its clock."""
        from cockpit.sources.demo.simulation import DemoClock, DemoWorld

        result = self.result
        if result.world is None or result.demo_clock is None:
            result.world = DemoWorld(namespace=self.runtime.namespace)
            result.demo_clock = DemoClock(self.runtime.clock)
        return result.world, result.demo_clock


def source_for(spec: PanelSpec, build: SourceBuild) -> Source:
    """The live source of `spec`'s panel, from its kind's factory for `spec.source`."""
    factories = SOURCES.get(spec.kind).factories
    factory = factories.get(spec.source)
    if factory is None:  # config validation makes this unreachable; say so loudly if it is not
        raise ValueError(
            f'panel {spec.panel} cannot use source = "{spec.source}" '
            f"(its kind takes {', '.join(factories)})"
        )
    return factory(spec, build)


S = TypeVar("S", bound=PanelSettings)


def settings_of(spec: PanelSpec, kind: type[S]) -> S:
    """The panel's config table, as the type its factory was registered for."""
    if not isinstance(spec.settings, kind):
        raise TypeError(
            f"panel {spec.panel}: expected {kind.__name__} settings, found "
            f"{type(spec.settings).__name__}"
        )
    return spec.settings


def http_options(settings: PrometheusSettings | AlertmanagerSettings) -> dict[str, Any]:
    """The client keywords of an HTTP server's settings, for Prometheus and Alertmanager."""
    import os

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


# ---- the built-in kinds ---------------------------------------------------------------------


def _demo(pick: Callable[[ModuleType], type[DemoSource]]) -> SourceFactory:
    """A simulated source on the build's shared world: `pick` names its class in the demo
    module, imported only when a demo panel is built."""

    def build(spec: PanelSpec, build: SourceBuild) -> Source:
        from cockpit.sources.demo import simulation

        world, clock = build.demo()
        return pick(simulation)(spec.panel, world, clock, spec.measures)

    return build


def _kubernetes_pods(spec: PanelSpec, build: SourceBuild) -> Source:
    from cockpit.sources.kube.actions import KubeActions
    from cockpit.sources.kube.pods import KubernetesPods

    runtime = build.runtime
    pods = settings_of(spec, PodsPanel)
    source = KubernetesPods(
        spec.panel,
        spec.measures,
        namespace=pods.namespace or runtime.namespace,
        selector=pods.selector,
        context=runtime.context,
        clock=runtime.clock,
        timeout=spec.timeout,
    )
    if build.result.actions is None:
        # Scale / restart / rollback act on the workloads of the pods on screen.
        build.result.actions = KubeActions(source, read_only=runtime.read_only)
    return source


def _prometheus_latency(spec: PanelSpec, build: SourceBuild) -> Source:
    from cockpit.sources.http.prometheus import PrometheusLatency

    latency = settings_of(spec, LatencyPanel)
    return PrometheusLatency(
        spec.panel,
        spec.measures,
        build.prometheus(),
        latency.p50_query,
        latency.p95_query,
        clock=build.runtime.clock,
        interval=spec.interval,
    )


def _prometheus_error_rate(spec: PanelSpec, build: SourceBuild) -> Source:
    from cockpit.sources.http.prometheus import PrometheusBurnRate, PrometheusValue

    errors = settings_of(spec, ErrorRatePanel)
    if errors.burn_queries:
        return PrometheusBurnRate(
            spec.panel,
            spec.measures,
            build.prometheus(),
            errors.query,
            "error_ratio",
            clock=build.runtime.clock,
            interval=spec.interval,
            burn_queries=dict(errors.burn_queries),
            budget=errors.slo_percent / 100,
        )
    return PrometheusValue(
        spec.panel,
        spec.measures,
        build.prometheus(),
        errors.query,
        "error_ratio",
        clock=build.runtime.clock,
        interval=spec.interval,
    )


def _prometheus_value(settings: type[QueuePanel | CustomMetric], measure: str) -> SourceFactory:
    """One PromQL query read as the panel's one measure."""

    def build(spec: PanelSpec, build: SourceBuild) -> Source:
        from cockpit.sources.http.prometheus import PrometheusValue

        return PrometheusValue(
            spec.panel,
            spec.measures,
            build.prometheus(),
            settings_of(spec, settings).query,
            measure,
            clock=build.runtime.clock,
            interval=spec.interval,
        )

    return build


def _prometheus_backup(spec: PanelSpec, build: SourceBuild) -> Source:
    from cockpit.sources.http.prometheus import PrometheusBackup

    return PrometheusBackup(
        spec.panel,
        spec.measures,
        build.prometheus(),
        settings_of(spec, BackupPanel).query,
        clock=build.runtime.clock,
        interval=spec.interval,
    )


def _file_backup(spec: PanelSpec, build: SourceBuild) -> Source:
    from cockpit.sources.file_backup import FileBackup

    backup = settings_of(spec, BackupPanel)
    return FileBackup(spec.panel, spec.measures, backup.path, clock=build.runtime.clock)


def _alertmanager(spec: PanelSpec, build: SourceBuild) -> Source:
    from cockpit.sources.http.alertmanager import AlertmanagerAlerts, AlertmanagerClient

    settings = build.runtime.config.alertmanager
    if settings is None:  # config validation requires [alertmanager]; say so if not
        raise ValueError('panel alerts uses source = "alertmanager" but [alertmanager] is missing')
    alerts = settings_of(spec, AlertsPanel)
    return AlertmanagerAlerts(
        spec.panel,
        spec.measures,
        AlertmanagerClient(settings.url, **http_options(settings)),
        tuple(alerts.filter),
        tuple(alerts.critical_severities),
        clock=build.runtime.clock,
    )


def _health_checks(spec: PanelSpec, build: SourceBuild) -> Source:
    from cockpit.config.schema import split_host_port
    from cockpit.sources.http.health import Check, HealthChecks, HttpCheck, TcpCheck

    checks: list[Check] = []
    for c in settings_of(spec, HealthPanel).checks:
        if c.url:
            checks.append(
                HttpCheck(
                    c.name,
                    c.url,
                    expect_status=c.expect_status,
                    timeout=c.timeout,
                    follow_redirects=c.follow_redirects,
                    verify=c.verify,
                    ca_file=_beside_config(build.runtime.config_path, c.ca_file),
                )
            )
        else:
            host, port = split_host_port(c.tcp)
            checks.append(TcpCheck(c.name, host, port, timeout=c.timeout))
    return HealthChecks(spec.panel, spec.measures, checks, clock=build.runtime.clock)


def _beside_config(config_path: Path | None, path: str) -> str:
    """A relative path in the config means next to the config file, not wherever the cockpit
    happens to be started from."""
    if not path:
        return ""
    resolved = Path(path).expanduser()
    if not resolved.is_absolute() and config_path is not None:
        resolved = config_path.parent / resolved
    return str(resolved)


# The built-in kinds, under the names cockpit.config.schema registers their settings with.
register_panel_sources(
    "pods", {"demo": _demo(lambda sim: sim.DemoPods), "kubernetes": _kubernetes_pods}
)
register_panel_sources(
    "latency", {"demo": _demo(lambda sim: sim.DemoLatency), "prometheus": _prometheus_latency}
)
register_panel_sources(
    "error_rate",
    {"demo": _demo(lambda sim: sim.DemoErrorRate), "prometheus": _prometheus_error_rate},
)
register_panel_sources(
    "queue",
    {
        "demo": _demo(lambda sim: sim.DemoQueue),
        "prometheus": _prometheus_value(QueuePanel, "depth"),
    },
)
register_panel_sources(
    "backup",
    {
        "demo": _demo(lambda sim: sim.DemoBackup),
        "prometheus": _prometheus_backup,
        "file": _file_backup,
    },
)
register_panel_sources(
    "alerts", {"demo": _demo(lambda sim: sim.DemoAlerts), "alertmanager": _alertmanager}
)
register_panel_sources(
    "health", {"demo": _demo(lambda sim: sim.DemoHealth), "health": _health_checks}
)
register_panel_sources("custom", {"prometheus": _prometheus_value(CustomMetric, "value")})
