"""Typed configuration: TOML validated by pydantic, with errors a person can fix.

Every error names the file, the key path, what was expected and what was found. Unknown keys are
errors, because a misspelt threshold that silently falls back to a default is worse than none.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from cockpit.model import Measure, Threshold
from cockpit.units import parse_duration

APP_NAME = "incident-cockpit"
ENV_CONFIG = "COCKPIT_CONFIG"
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
# The themes in cockpit.themes; listed here so validating a config never imports Textual.
THEME_NAMES = ("cockpit-dark", "cockpit-light", "high-contrast")


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


class PrometheusSettings(_Strict):
    url: str = "http://127.0.0.1:9090"
    timeout: Duration = 5.0
    bearer_token_env: str = Field("", description="name of an env var holding a bearer token")
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError(f"expected an http:// or https:// URL, found {v!r}")
        return v.rstrip("/")


class _Panel(_Strict):
    enabled: bool = True
    interval: Duration | None = Field(None, description="defaults to [cockpit].refresh")
    timeout: Duration | None = Field(None, description="defaults to the interval, at most 10s")

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


class LatencyPanel(_Panel):
    source: Literal["demo", "prometheus"] = "prometheus"
    p50_query: str = ""
    p95_query: str = ""
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


class ErrorRatePanel(_Panel):
    source: Literal["demo", "prometheus"] = "prometheus"
    query: str = Field("", description="PromQL returning the 5xx share as a ratio (0..1)")
    slo_percent: float = Field(1.0, gt=0, le=100)
    warn_at: float = Field(0.8, gt=0, le=1)

    @model_validator(mode="after")
    def _query(self) -> ErrorRatePanel:
        if self.enabled and self.source == "prometheus" and not self.query:
            raise ValueError('source = "prometheus" needs query (PromQL returning a ratio 0..1)')
        return self


class QueuePanel(_Panel):
    source: Literal["demo", "prometheus"] = "prometheus"
    query: str = ""
    slo: float = Field(100, gt=0, description="depth at or above which the panel is CRIT")
    warn_at: float = Field(0.8, gt=0, le=1)

    @model_validator(mode="after")
    def _query(self) -> QueuePanel:
        if self.enabled and self.source == "prometheus" and not self.query:
            raise ValueError('source = "prometheus" needs query (PromQL returning a depth)')
        return self


class BackupPanel(_Panel):
    source: Literal["demo", "prometheus", "file"] = "prometheus"
    query: str = Field("", description="PromQL returning the Unix time of the last success")
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


class Panels(_Strict):
    """A panel that is not configured is not shown."""

    pods: PodsPanel | None = None
    latency: LatencyPanel | None = None
    error_rate: ErrorRatePanel | None = None
    queue: QueuePanel | None = None
    backup: BackupPanel | None = None


class Config(_Strict):
    cockpit: CockpitSettings = CockpitSettings()
    incident: IncidentSettings = IncidentSettings()
    timeline: TimelineSettings = TimelineSettings()
    prometheus: PrometheusSettings | None = None
    panels: Panels = Panels()

    @model_validator(mode="after")
    def _prometheus_needed(self) -> Config:
        users = [
            name
            for name, panel in self.panels
            if panel is not None and panel.enabled and panel.source == "prometheus"
        ]
        if users and self.prometheus is None:
            raise ValueError(
                f'panels {", ".join(users)} use source = "prometheus" but there is no '
                "[prometheus] table with its url"
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
}


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
    raise TypeError(f"no measures for panel {name}")


def panel_specs(config: Config, refresh_override: float | None = None) -> list[PanelSpec]:
    """Enabled panels in display order. `--refresh` overrides every panel's interval."""
    specs = []
    for name, panel in config.panels:
        if panel is None or not panel.enabled:
            continue
        interval = refresh_override or panel.interval or config.cockpit.refresh
        timeout = panel.timeout or min(interval, 10.0)
        specs.append(
            PanelSpec(
                name,
                PANEL_TITLES[name],
                panel.source,
                interval,
                timeout,
                panel_measures(name, panel),
            )
        )
    return specs


def demo_config() -> Config:
    return Config(
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
