"""Typed configuration: TOML validated by pydantic, with errors a person can fix.

Every error names the file, the key path, what was expected and what was found. Unknown keys are
errors, because a misspelt threshold that silently falls back to a default is worse than none.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from cockpit import promql
from cockpit.keymap import BINDING_IDS
from cockpit.model import Measure, Threshold
from cockpit.units import parse_duration

APP_NAME = "incident-cockpit"
ENV_CONFIG = "COCKPIT_CONFIG"
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
# The themes in cockpit.themes; listed here so validating a config never imports Textual.
THEME_NAMES = ("cockpit-dark", "cockpit-light", "high-contrast", "colorblind")


def _duration(value: Any) -> float:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return parse_duration(value)
    raise ValueError(f'expected a duration like "300ms", "15s" or "12h", found {value!r}')


Duration = Annotated[float, BeforeValidator(_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class CockpitSettings(_Strict):
    refresh: Duration = Field(5.0, description="default interval of every panel")
    read_only: bool = False
    theme: str = "cockpit-dark"
    context: str = Field("", description="kubeconfig context; empty means current-context")
    namespace: str = "default"
    production_contexts: list[str] = Field(
        default_factory=list,
        description='kubeconfig contexts (globs, e.g. "prod-*") where actions need the '
        "object's name typed to confirm",
    )

    @field_validator("theme")
    @classmethod
    def _known_theme(cls, v: str) -> str:
        if v not in THEME_NAMES:
            raise ValueError(f"expected one of {', '.join(THEME_NAMES)}, found {v!r}")
        return v

    @field_validator("refresh")
    @classmethod
    def _refresh_floor(cls, v: float) -> float:
        if v < 0.5:
            raise ValueError(f"refresh must be at least 0.5s (found {v:g}s)")
        return v


class IncidentSettings(_Strict):
    title: str = ""
    severity: Literal["SEV1", "SEV2", "SEV3", "SEV4"] = "SEV3"

    @field_validator("severity", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        return v.upper() if isinstance(v, str) else v


def _check_keys(keys: dict[str, str]) -> dict[str, str]:
    for binding_id, key in keys.items():
        if binding_id not in BINDING_IDS:
            hint = difflib.get_close_matches(binding_id, list(BINDING_IDS), n=1)
            maybe = f" (did you mean {hint[0]!r}?)" if hint else ""
            raise ValueError(
                f"unknown binding id {binding_id!r}{maybe}; known ids: {', '.join(BINDING_IDS)}"
            )
        parts = [k.strip() for k in key.split(",")]
        if not key.strip() or any(not k or " " in k for k in parts):
            raise ValueError(
                f"{binding_id}: expected key names such as \"n\" or \"ctrl+n,f2\", found {key!r}"
            )
    return keys


Keys = Annotated[dict[str, str], AfterValidator(_check_keys)]


class TimelineSettings(_Strict):
    db: str = Field("", description="timeline file; defaults to the user data dir (or --db)")
    actor: str = Field("", description="who records events; defaults to $USER@host")
    status_every: Duration = Field(15 * 60.0, description="status-update reminder period")

    @field_validator("status_every")
    @classmethod
    def _period(cls, v: float) -> float:
        if v < 60:
            raise ValueError(f"status_every must be at least 1m (found {v:g}s)")
        return v


def _http_url(value: str) -> str:
    """An http(s) URL with a host and, if given, a valid port; otherwise a clear error."""
    if not value.startswith(("http://", "https://")):
        raise ValueError(f"expected an http:// or https:// URL, found {value!r}")
    parts = urlsplit(value)
    try:
        _ = parts.port  # urlsplit checks the port only when it is read
    except ValueError:
        raise ValueError(f"bad port in URL {value!r}") from None
    if not parts.hostname:
        raise ValueError(f"URL {value!r} has no host")
    return value


class _HttpServer(_Strict):
    """Where an HTTP API is and how to prove who we are; secrets stay in the environment or a
    file, never in this config."""

    url: str
    timeout: Duration = 5.0
    bearer_token_env: str = Field("", description="name of an env var holding a bearer token")
    bearer_token_file: str = Field("", description="file holding a bearer token (re-read)")
    basic_auth_user: str = ""
    basic_auth_password_env: str = Field("", description="env var holding the password")
    ca_file: str = Field("", description="PEM file of the CA that signed the server's cert")
    insecure_skip_verify: bool = Field(False, description="accept any TLS certificate")
    headers: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_way_each(self) -> _HttpServer:
        if self.bearer_token_env and self.bearer_token_file:
            raise ValueError("give bearer_token_env or bearer_token_file, not both")
        if bool(self.basic_auth_user) != bool(self.basic_auth_password_env):
            raise ValueError("basic auth needs both basic_auth_user and basic_auth_password_env")
        if self.ca_file and self.insecure_skip_verify:
            raise ValueError("ca_file has no effect with insecure_skip_verify = true; drop one")
        return self

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        return _http_url(v).rstrip("/")


class PrometheusSettings(_HttpServer):
    url: str = "http://127.0.0.1:9090"


class AlertmanagerSettings(_HttpServer):
    url: str = "http://127.0.0.1:9093"


def _runbook_ref(value: str) -> str:
    """`file.md#section-slug` (or just `file.md`): a link the runbook key opens."""
    file_part, _, section = value.partition("#")
    if value and (not file_part.strip() or "#" in section or any(c.isspace() for c in value)):
        raise ValueError(
            'expected "FILE.md#section-slug" (the section\'s anchor, as `cockpit runbook show '
            f'FILE` lists it), found {value!r}'
        )
    return value


RunbookRef = Annotated[str, AfterValidator(_runbook_ref)]


class _Panel(_Strict):
    enabled: bool = True
    interval: Duration | None = Field(None, description="defaults to [cockpit].refresh")
    timeout: Duration | None = Field(None, description="defaults to the interval, at most 10s")
    runbook: RunbookRef = Field(
        "", description='runbook section the runbook key opens, "FILE.md#section"; default: matched'
    )

    @model_validator(mode="after")
    def _sane_timing(self) -> _Panel:
        if self.interval is not None and self.interval < 0.5:
            raise ValueError(f"interval must be at least 0.5s (found {self.interval:g}s)")
        if self.timeout is not None and self.timeout <= 0:
            raise ValueError("timeout must be more than 0s")
        return self


class PodsPanel(_Panel):
    source: Literal["demo", "kubernetes"] = "kubernetes"
    namespace: str = Field("", description="defaults to [cockpit].namespace")
    selector: str = Field("", description="label selector, as kubectl -l")
    max_not_ready: int = Field(0, ge=0, description="not-ready pods tolerated before CRIT")


class _Preset(_Panel):
    """A preset writes the PromQL from a metric name (cockpit.promql); `query` and friends may
    then not be given too: two sources of truth for one number is a typo waiting to happen."""

    preset: str = ""
    metric: str = Field("", description="metric name for the preset")
    selector: str = Field("", description='extra label matchers, e.g. job="checkout"')
    window: str = Field("5m", description="rate window of the preset")
    name: str = Field("", description="queue / cronjob / schedule / job name for the preset")
    preset_namespace: str = Field("", description="namespace label for the cronjob preset")

    _QUERIES: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _fill_from_preset(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("preset"):
            return data
        given = [q for q in cls._QUERIES.default if data.get(q)]  # type: ignore[attr-defined]
        if given:
            raise ValueError(f"give preset or {' / '.join(given)}, not both")
        try:
            return {**data, **cls._preset_queries(data)}
        except ValueError as exc:
            raise ValueError(f"preset {data['preset']!r}: {exc}") from None

    @classmethod
    def _preset_queries(cls, data: dict[str, Any]) -> dict[str, str]:
        raise ValueError("this panel has no presets")


def _need(data: dict[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str) or not value:
        raise ValueError(f"needs {key}")
    return value


class LatencyPanel(_Preset):
    source: Literal["demo", "prometheus"] = "prometheus"
    p50_query: str = ""
    p95_query: str = ""
    _QUERIES = ("p50_query", "p95_query")

    @classmethod
    def _preset_queries(cls, data: dict[str, Any]) -> dict[str, str]:
        args = (data["preset"], _need(data, "metric"))
        extra = {"selector": data.get("selector", ""), "window": data.get("window", "5m")}
        return {
            "p50_query": promql.latency(*args, 0.5, **extra),
            "p95_query": promql.latency(*args, 0.95, **extra),
        }
    p50_slo: Duration = 0.150
    p95_slo: Duration = 0.300
    warn_at: float = Field(0.8, gt=0, le=1, description="fraction of the SLO that warns")

    @model_validator(mode="after")
    def _queries(self) -> LatencyPanel:
        if self.enabled and self.source == "prometheus" and not (self.p50_query or self.p95_query):
            raise ValueError(
                'source = "prometheus" needs p50_query and/or p95_query (PromQL returning seconds)'
            )
        return self


class ErrorRatePanel(_Preset):
    source: Literal["demo", "prometheus"] = "prometheus"
    query: str = Field("", description="PromQL returning the 5xx share as a ratio (0..1)")
    status_label: str = Field("code", description="label holding the HTTP status (http_5xx)")
    burn_rate: bool = Field(False, description="multiwindow burn rate: page / ticket / ok")
    # Filled by the http_5xx preset when burn_rate is on: window → error-ratio query.
    burn_queries: dict[str, str] = Field(default_factory=dict)
    _QUERIES = ("query",)

    @classmethod
    def _preset_queries(cls, data: dict[str, Any]) -> dict[str, Any]:
        if data["preset"] not in promql.ERROR_PRESETS:
            raise ValueError(f"unknown; use one of {', '.join(promql.ERROR_PRESETS)}")
        metric = _need(data, "metric")
        selector, label = data.get("selector", ""), data.get("status_label", "code")
        filled: dict[str, Any] = {
            "query": promql.error_ratio(metric, selector, label, data.get("window", "5m"))
        }
        if data.get("burn_rate"):
            filled["burn_queries"] = {
                w: promql.error_ratio(metric, selector, label, w) for w in promql.BURN_WINDOWS
            }
        return filled

    @model_validator(mode="after")
    def _burn_needs_preset(self) -> ErrorRatePanel:
        if self.burn_rate and not self.burn_queries and self.source == "prometheus":
            raise ValueError('burn_rate needs preset = "http_5xx" (it queries four windows)')
        return self
    slo_percent: float = Field(1.0, gt=0, le=100)
    warn_at: float = Field(0.8, gt=0, le=1)

    @model_validator(mode="after")
    def _query(self) -> ErrorRatePanel:
        if self.enabled and self.source == "prometheus" and not self.query:
            raise ValueError('source = "prometheus" needs query (PromQL returning a ratio 0..1)')
        return self


class QueuePanel(_Preset):
    source: Literal["demo", "prometheus"] = "prometheus"
    query: str = ""
    _QUERIES = ("query",)

    @classmethod
    def _preset_queries(cls, data: dict[str, Any]) -> dict[str, str]:
        return {"query": promql.queue_depth(data["preset"], _need(data, "name"))}
    slo: float = Field(100, gt=0, description="depth at or above which the panel is CRIT")
    warn_at: float = Field(0.8, gt=0, le=1)

    @model_validator(mode="after")
    def _query(self) -> QueuePanel:
        if self.enabled and self.source == "prometheus" and not self.query:
            raise ValueError('source = "prometheus" needs query (PromQL returning a depth)')
        return self


class BackupPanel(_Preset):
    source: Literal["demo", "prometheus", "file"] = "prometheus"
    query: str = Field("", description="PromQL returning the Unix time of the last success")
    _QUERIES = ("query",)

    @classmethod
    def _preset_queries(cls, data: dict[str, Any]) -> dict[str, str]:
        query = promql.backup_last_success(
            data["preset"], _need(data, "name"), data.get("preset_namespace", "")
        )
        return {"query": query}
    path: str = Field("", description='glob of backup files for source = "file"')
    warn_after: Duration = 12 * 3600.0
    crit_after: Duration = 36 * 3600.0

    @model_validator(mode="after")
    def _check(self) -> BackupPanel:
        if self.crit_after <= self.warn_after:
            raise ValueError(
                f"crit_after ({self.crit_after:g}s) must be later than warn_after "
                f"({self.warn_after:g}s)"
            )
        if self.enabled and self.source == "prometheus" and not self.query:
            raise ValueError(
                'source = "prometheus" needs query (PromQL returning the last success as a '
                "Unix timestamp)"
            )
        if self.enabled and self.source == "file" and not self.path:
            raise ValueError('source = "file" needs path (a glob such as "/backups/*.dump")')
        return self


# One Alertmanager matcher: a label name (bare or quoted), an operator, a value (bare or quoted).
# Alertmanager itself is the final judge; this catches the usual slips (braces, several matchers
# in one string, a missing operator) while the config is checked instead of at 3 a.m.
_MATCHER = re.compile(
    r'\s*(?:[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)+")\s*(?:=~|!~|!=|=)\s*'
    r'(?:"(?:[^"\\]|\\.)*"|[^"\s{},]*)\s*'
)


def _check_matchers(matchers: list[str]) -> list[str]:
    for matcher in matchers:
        if not _MATCHER.fullmatch(matcher):
            raise ValueError(
                'expected one label matcher per string, such as team="checkout" or '
                f'env=~"prod.*" (no braces, no commas), found {matcher!r}'
            )
    return matchers


Matchers = Annotated[list[str], AfterValidator(_check_matchers)]


class AlertsPanel(_Panel):
    source: Literal["alertmanager", "demo"] = "alertmanager"
    filter: Matchers = Field(
        default_factory=list, description="Alertmanager label matchers; an alert must match all"
    )
    critical_severities: list[str] = Field(
        default_factory=lambda: ["critical", "page"],
        description="values of the severity label that make the panel CRIT (others WARN)",
    )


def split_host_port(value: str) -> tuple[str, int]:
    """`host:port` or `[ipv6]:port` → (host, port), with an error worded for the config."""
    text = value.strip()
    if text.startswith("["):
        host, sep, port_text = text[1:].partition("]:")
    else:
        host, sep, port_text = text.rpartition(":")
        if ":" in host:
            raise ValueError(f"write an IPv6 address in brackets, e.g. [{host}]:{port_text}")
    if not (sep and host and port_text.isdigit() and 1 <= int(port_text) <= 65535):
        raise ValueError(
            f'expected "host:port" with a port 1-65535, such as "db.internal:5432", found {value!r}'
        )
    return host, int(port_text)


# Options that only mean something for an HTTP check; set on a TCP check they are a mistake.
_HTTP_ONLY = ("expect_status", "follow_redirects", "verify", "ca_file")


class HealthCheck(_Strict):
    """One check: `url` (HTTP GET, status must equal `expect_status`) or `tcp` (connects)."""

    name: str = Field(min_length=1)
    url: str = ""
    tcp: str = ""
    expect_status: int = Field(200, ge=100, le=599)
    timeout: Duration = 2.0
    follow_redirects: bool = False
    verify: bool = Field(True, description="false: accept any TLS certificate")
    ca_file: str = Field("", description="PEM file of the CA that signed the server certificate")

    @model_validator(mode="after")
    def _target(self) -> HealthCheck:
        who = f"check {self.name!r}"
        if self.url and self.tcp:
            raise ValueError(f"{who}: give url or tcp, not both")
        if not (self.url or self.tcp):
            raise ValueError(f'{who}: needs url = "https://..." or tcp = "host:port"')
        if self.timeout <= 0:
            raise ValueError(f"{who}: timeout must be more than 0s")
        try:
            if self.url:
                _http_url(self.url)
            else:
                split_host_port(self.tcp)
        except ValueError as exc:
            raise ValueError(f"{who}: {exc}") from None
        if self.tcp:
            misplaced = [k for k in _HTTP_ONLY if k in self.model_fields_set]
            if misplaced:
                raise ValueError(
                    f"{who}: options for url checks on a tcp check: {', '.join(misplaced)}"
                )
        if self.ca_file and not self.verify:
            raise ValueError(f"{who}: ca_file has no effect with verify = false; drop one")
        return self


class HealthPanel(_Panel):
    source: Literal["health", "demo"] = "health"
    checks: list[HealthCheck] = Field(default_factory=list)

    @property
    def longest_timeout(self) -> float:
        return max((c.timeout for c in self.checks), default=0.0)

    @model_validator(mode="after")
    def _checks(self) -> HealthPanel:
        if self.enabled and self.source != "demo" and not self.checks:
            raise ValueError(
                'needs at least one check, e.g. checks = [{ name = "api", '
                'url = "https://api.example.com/healthz" }]'
            )
        names = [c.name for c in self.checks]
        twice = sorted({n for n in names if names.count(n) > 1})
        if twice:
            raise ValueError(f"check names must be unique; repeated: {', '.join(twice)}")
        # The panel's timeout bounds the whole read; each check has its own inside it.
        if self.timeout is not None and self.timeout <= self.longest_timeout:
            raise ValueError(
                f"timeout ({self.timeout:g}s) must be longer than the slowest check's "
                f"({self.longest_timeout:g}s), or left out"
            )
        return self


class CustomMetric(_Panel):
    """One more PromQL number (CPU throttling, DB connections, cache misses…), listed with
    the others in the dashboard's metrics table. Higher is worse, as for every panel."""

    name: str = Field(
        pattern=r"^[a-z][a-z0-9_]{0,39}$",
        description="short id: lower-case letters, digits and _ (e.g. db_connections)",
    )
    title: str = Field("", description="what the table shows; defaults to the name")
    source: Literal["prometheus"] = "prometheus"
    query: str = Field(min_length=1, description="PromQL; with several series the worst counts")
    unit: Literal["seconds", "ratio", "count"] = Field(
        "count", description="seconds show as ms, ratio as %"
    )
    crit: float | None = Field(None, description="at or above this: CRIT (in the query's unit)")
    warn: float | None = Field(None, description="at or above this: WARN")

    @model_validator(mode="after")
    def _warn_below_crit(self) -> CustomMetric:
        if self.warn is not None and self.crit is not None and self.warn > self.crit:
            raise ValueError(f"warn ({self.warn:g}) must not be above crit ({self.crit:g})")
        return self

    @property
    def panel_id(self) -> str:
        return f"custom_{self.name}"


class Panels(_Strict):
    """A panel that is not configured is not shown."""

    pods: PodsPanel | None = None
    latency: LatencyPanel | None = None
    error_rate: ErrorRatePanel | None = None
    queue: QueuePanel | None = None
    backup: BackupPanel | None = None
    alerts: AlertsPanel | None = None
    health: HealthPanel | None = None
    custom: list[CustomMetric] = Field(
        default_factory=list, description="more PromQL numbers, one table row each"
    )

    @model_validator(mode="after")
    def _unique_custom_names(self) -> Panels:
        seen: set[str] = set()
        for metric in self.custom:
            if metric.name in seen:
                raise ValueError(f'two custom metrics are named "{metric.name}"; names must differ')
            seen.add(metric.name)
        return self

    def configured(self) -> list[tuple[str, _Panel]]:
        """(panel id, settings) of every configured panel, in display order."""
        named: list[tuple[str, _Panel]] = [
            (name, panel) for name, panel in self if isinstance(panel, _Panel)
        ]
        return named + [(metric.panel_id, metric) for metric in self.custom]


class RollbackCommand(_Strict):
    """Roll back a workload with a command instead of `rollout undo` (e.g. `helm rollback`).
    An argv list, never a shell string: no quoting or injection surprises."""

    workload: str = Field(description='"deployment/NAME" or "statefulset/NAME"')
    argv: list[str] = Field(min_length=1, description='e.g. ["helm", "rollback", "checkout"]')
    timeout: Duration = 120.0

    @field_validator("workload")
    @classmethod
    def _workload(cls, v: str) -> str:
        kind, _, name = v.partition("/")
        if kind not in ("deployment", "statefulset") or not name:
            raise ValueError(f'expected "deployment/NAME" or "statefulset/NAME", found {v!r}')
        return v

    @field_validator("argv")
    @classmethod
    def _no_shell(cls, v: list[str]) -> list[str]:
        if len(v) == 1 and " " in v[0]:
            raise ValueError(
                f"argv is a list of words, not a shell string: write {v[0].split()!r}"
            )
        return v


class ActionsSettings(_Strict):
    rollback_commands: list[RollbackCommand] = Field(default_factory=list)


def _check_phases(boxes: dict[str, float]) -> dict[str, float]:
    from cockpit.phases import Phase  # here, not at the top: start-up does not pay for it

    for name, seconds in boxes.items():
        if Phase.parse(name) is None or Phase.parse(name) != name:
            known = ", ".join(p.value for p in Phase)
            hint = difflib.get_close_matches(name, [p.value for p in Phase], n=1)
            maybe = f' (did you mean "{hint[0]}"?)' if hint else ""
            raise ValueError(f"unknown phase {name!r}{maybe}; phases: {known}")
        if seconds <= 0:
            raise ValueError(f"{name}: a time box must be more than 0s")
    return boxes


PhaseBoxes = Annotated[dict[str, Duration], AfterValidator(_check_phases)]


class RunbooksSettings(_Strict):
    """Runbooks beside the dashboard: where they are, which section an alert opens, and the
    incident phases' time boxes (these win over a runbook's own)."""

    dirs: list[str] = Field(
        default_factory=list, description="directories (or files) of Markdown / text runbooks"
    )
    alerts: dict[str, RunbookRef] = Field(
        default_factory=dict, description='alertname = "FILE.md#section"'
    )
    phases: PhaseBoxes = Field(
        default_factory=dict, description='time box per phase, e.g. triage = "10m"'
    )


class Config(_Strict):
    cockpit: CockpitSettings = CockpitSettings()
    incident: IncidentSettings = IncidentSettings()
    timeline: TimelineSettings = TimelineSettings()
    keys: Keys = Field(default_factory=dict, description="binding id = key(s), to rebind")
    actions: ActionsSettings = ActionsSettings()
    prometheus: PrometheusSettings | None = None
    alertmanager: AlertmanagerSettings | None = None
    panels: Panels = Panels()
    runbooks: RunbooksSettings = RunbooksSettings()

    @model_validator(mode="after")
    def _prometheus_needed(self) -> Config:
        users = [
            name
            for name, panel in self.panels.configured()
            if panel.enabled and getattr(panel, "source", "") == "prometheus"
        ]
        if users and self.prometheus is None:
            raise ValueError(
                f'panels {", ".join(users)} use source = "prometheus" but there is no '
                "[prometheus] table with its url"
            )
        return self

    @model_validator(mode="after")
    def _alertmanager_needed(self) -> Config:
        alerts = self.panels.alerts
        if (
            alerts is not None
            and alerts.enabled
            and alerts.source == "alertmanager"
            and self.alertmanager is None
        ):
            raise ValueError(
                'panel alerts uses source = "alertmanager" but there is no [alertmanager] '
                "table with its url"
            )
        return self


# ---- panel specs: what the scheduler and the UI need from the config ---------------------


@dataclass(frozen=True, slots=True)
class PanelSpec:
    panel: str
    title: str
    source: str
    interval: float
    timeout: float
    measures: tuple[Measure, ...]


PANEL_TITLES = {
    "pods": "Pods",
    "latency": "Latency",
    "error_rate": "Error rate",
    "queue": "Queue depth",
    "backup": "Backup freshness",
    "alerts": "Alerts",
    "health": "Health checks",
}
# A health read waits for its slowest check; this much more lets that check's own timeout,
# not the panel's, be what a hanging endpoint reports.
HEALTH_TIMEOUT_MARGIN = 1.0


def panel_measures(name: str, panel: _Panel) -> tuple[Measure, ...]:
    """The numbers a panel shows and their thresholds, in base units (s, ratio, count)."""
    if isinstance(panel, PodsPanel):
        return (
            Measure("not_ready", "not ready", "count", Threshold(crit=panel.max_not_ready + 1)),
        )
    if isinstance(panel, LatencyPanel):
        return (
            Measure(
                "p50",
                "p50",
                "seconds",
                Threshold(crit=panel.p50_slo, warn=panel.p50_slo * panel.warn_at),
            ),
            Measure(
                "p95",
                "p95",
                "seconds",
                Threshold(crit=panel.p95_slo, warn=panel.p95_slo * panel.warn_at),
            ),
        )
    if isinstance(panel, ErrorRatePanel):
        slo = panel.slo_percent / 100
        return (
            Measure("error_ratio", "5xx", "ratio", Threshold(crit=slo, warn=slo * panel.warn_at)),
        )
    if isinstance(panel, QueuePanel):
        return (
            Measure(
                "depth", "depth", "count", Threshold(crit=panel.slo, warn=panel.slo * panel.warn_at)
            ),
        )
    if isinstance(panel, BackupPanel):
        return (
            Measure("age", "age", "age", Threshold(crit=panel.crit_after, warn=panel.warn_after)),
        )
    if isinstance(panel, AlertsPanel):
        # Mirrors the source's rule: any alert firing warns, a critical one is CRIT.
        return (
            Measure("firing", "firing", "count", Threshold(crit=None, warn=1)),
            Measure("critical", "critical", "count", Threshold(crit=1)),
        )
    if isinstance(panel, HealthPanel):
        return (Measure("failing", "failing", "count", Threshold(crit=1)),)
    if isinstance(panel, CustomMetric):
        label = panel.title or panel.name
        return (Measure("value", label, panel.unit, Threshold(panel.crit, panel.warn)),)
    raise TypeError(f"no measures for panel {name}")


def panel_specs(config: Config, refresh_override: float | None = None) -> list[PanelSpec]:
    """Enabled panels in display order. `--refresh` overrides every panel's interval."""
    specs = []
    for name, panel in config.panels.configured():
        if not panel.enabled:
            continue
        interval = refresh_override or panel.interval or config.cockpit.refresh
        timeout = panel.timeout or min(interval, 10.0)
        if isinstance(panel, HealthPanel) and panel.timeout is None:
            timeout = max(timeout, panel.longest_timeout + HEALTH_TIMEOUT_MARGIN)
        title = PANEL_TITLES.get(name, "")
        if isinstance(panel, CustomMetric):
            title = panel.title or panel.name
        specs.append(
            PanelSpec(
                name,
                title,
                panel.source,
                interval,
                timeout,
                panel_measures(name, panel),
            )
        )
    return specs


def demo_runbook_dirs() -> list[str]:
    """The example runbooks (examples/runbooks/, shipped in the package) for the demo."""
    shipped = Path(str(resources.files("cockpit").joinpath("demo_runbooks")))
    return [str(shipped)] if shipped.is_dir() else []


def demo_config() -> Config:
    return Config(
        runbooks=RunbooksSettings(dirs=demo_runbook_dirs()),
        cockpit=CockpitSettings(refresh=1.0, namespace="shop", context="demo"),
        incident=IncidentSettings(
            title="checkout: p95 and 5xx up after v1.9.0 rollout", severity="SEV2"
        ),
        panels=Panels(
            pods=PodsPanel(source="demo"),
            latency=LatencyPanel(source="demo"),
            error_rate=ErrorRatePanel(source="demo"),
            queue=QueuePanel(source="demo"),
            backup=BackupPanel(source="demo"),
            alerts=AlertsPanel(source="demo"),
            health=HealthPanel(source="demo"),
        ),
    )


# ---- loading and errors ---------------------------------------------------------------------


class ConfigError(Exception):
    """A config problem, already worded for the person who has to fix it."""

    def __init__(self, path: Path | None, problems: list[str]):
        self.path = path
        self.problems = problems
        where = str(path) if path else "configuration"
        super().__init__(f"{where}: " + "; ".join(problems))

    def render(self) -> str:
        head = f"cockpit: invalid config {self.path}" if self.path else "cockpit: invalid config"
        return "\n".join([head, *(f"  {p}" for p in self.problems)])


def default_config_path() -> Path:
    from platformdirs import user_config_path

    return user_config_path(APP_NAME) / "config.toml"


def resolve_config_path(explicit: str | None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    env = os.environ.get(ENV_CONFIG)
    if env:
        return Path(env).expanduser()
    return default_config_path()


def load_config(path: Path) -> Config:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            path,
            [
                "file not found; create one with: cockpit config example > " + str(path),
                "or try the simulated incident: cockpit --demo",
            ],
        ) from None
    except IsADirectoryError:
        raise ConfigError(path, ["is a directory, expected a TOML file"]) from None
    except PermissionError:
        raise ConfigError(path, ["cannot be read: permission denied"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(path, [f"is not UTF-8 text (byte {exc.start})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"TOML syntax error: {exc}"]) from None
    return parse_config(data, path)


def parse_config(data: Mapping[str, Any], path: Path | None = None) -> Config:
    try:
        return Config.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(path, [_describe(err) for err in exc.errors()]) from None


def _describe(err: Mapping[str, Any]) -> str:
    loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
    key = ".".join(loc) or "(top level)"
    kind = err["type"]
    found = err.get("input")
    if kind == "extra_forbidden":
        known = _known_keys(loc[:-1])
        hint = difflib.get_close_matches(loc[-1], known, n=1)
        suggestion = f'; did you mean "{hint[0]}"?' if hint else ""
        allowed = f" (known keys: {', '.join(sorted(known))})" if known and not hint else ""
        return f"{key}: unknown key{suggestion}{allowed}"
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"{key}: expected one of {expected}, found {found!r}"
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind in {"value_error", "assertion_error"}:
        return f"{key}: {message}"
    if kind == "missing":
        return f"{key}: required key is missing"
    return f"{key}: {message}, found {found!r}"


def _known_keys(loc: list[str]) -> list[str]:
    model: type[BaseModel] = Config
    for part in loc:
        field = model.model_fields.get(part)
        if field is None:
            return []
        annotation = field.annotation
        candidates = [annotation, *getattr(annotation, "__args__", ())]
        nested = next(
            (c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)), None
        )
        if nested is None:
            return []
        model = nested
    return list(model.model_fields)


def example_config_text() -> str:
    return resources.files("cockpit").joinpath("example_config.toml").read_text("utf-8")
