"""Typed configuration: TOML validated by pydantic, with errors a person can fix.

Every error names the file, the key path, what was expected and what was found. Unknown keys are
errors, because a misspelt threshold that silently falls back to a default is worse than none.
Types are strict: `"0.8"` is not a number, `1` and `"yes"` are not booleans, numbers are finite,
and every duration that is a timeout, an interval or an age has a floor and a stated ceiling
(cockpit.config.values). The file itself is read defensively (cockpit.config.read).
"""

from __future__ import annotations

import dataclasses
import functools
import math
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from cockpit.config import promql, values
from cockpit.config.keymap import keymap_problems
from cockpit.config.panel_kinds import PanelKind, panel_kinds, register_panel_kind
from cockpit.config.values import DAY, HOUR, MINUTE, shown
from cockpit.core import names
from cockpit.core.model import Measure, Threshold
from cockpit.core.safe_text import is_terminal_safe

APP_NAME = "incident-cockpit"
ENV_CONFIG = "COCKPIT_CONFIG"
SEVERITIES = ("SEV1", "SEV2", "SEV3", "SEV4")
# The themes in cockpit.themes; listed here so validating a config never imports Textual.
THEME_NAMES = ("cockpit-dark", "cockpit-light", "high-contrast", "colorblind")
# A config with more problems than this is probably not a cockpit config at all: the first
# ones and a count say so without scrolling the terminal away.
MAX_PROBLEMS_SHOWN = 20


def _duration(maximum: float, minimum: float = 0.001) -> Any:
    """A duration field: at least `minimum` (a millisecond unless said otherwise: less is a
    timeout that fires at once) and at most `maximum`."""

    def check(value: Any) -> float:
        return values.duration_within(value, maximum=maximum, minimum=minimum)

    return Annotated[float, BeforeValidator(check)]


# The ceilings: generous for anything a person means, small enough to catch a slip of digits.
Interval = _duration(DAY, minimum=0.5)  # every panel's refresh (0.5s keeps SSH usable)
Timeout = _duration(10 * MINUTE)  # one read, one request, one check
CommandTimeout = _duration(HOUR)  # a configured rollback command (helm can be slow)
Reminder = _duration(DAY, minimum=MINUTE)  # the status-update reminder
Age = _duration(366 * DAY)  # backup freshness thresholds
LatencySlo = _duration(HOUR)
TimeBox = _duration(7 * DAY)  # an incident phase's time box


def _raw(check: Callable[[str], object]) -> Any:
    """`check` on a string as the file has it, before surrounding whitespace is stripped: a
    line break or control character is refused wherever it is, not quietly trimmed away."""

    def run(value: Any) -> Any:
        if isinstance(value, str):
            check(value)
        return value

    return BeforeValidator(run)


def _raw_keys(value: Any) -> Any:
    """The same for the keys of a table (header names, binding ids, alert names, phases)."""
    if isinstance(value, dict):
        for key in value:
            if isinstance(key, str) and not is_terminal_safe(key):
                raise ValueError(
                    f"the key {shown(key)} may not contain control characters or line breaks"
                )
    return value


RawKeys = BeforeValidator(_raw_keys)
Line = Annotated[str, _raw(values.text_line)]
Block = Annotated[str, _raw(values.text_block)]  # PromQL may span lines
# A URL is checked whole as the file has it (spaces, line breaks and controls refused, the
# password masked in the message); `_http_url` then only normalises.
Url = Annotated[str, _raw(values.http_url)]
EnvName = Annotated[str, _raw(values.text_line), AfterValidator(values.env_name)]


def _fraction(value: float) -> float:
    if not 0 < value < 1:
        raise ValueError(
            "the fraction of the SLO that warns must be more than 0 and less than 1 "
            f"(0.8 warns at 80 %), found {shown(value)}"
        )
    return value


WarnAt = Annotated[float, AfterValidator(_fraction)]


def _optional(check: Callable[[str], object]) -> Callable[[str], str]:
    """`check` for a non-empty value; empty means "not set" (a default applies)."""

    def run(value: str) -> str:
        if value:
            check(value)
        return value

    return run


Namespace = Annotated[str, _raw(values.text_line), AfterValidator(_optional(names.namespace))]
ContextName = Annotated[
    str, _raw(values.text_line), AfterValidator(_optional(names.context_name))
]


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        str_strip_whitespace=True,
        strict=True,
        allow_inf_nan=False,
    )


class CockpitSettings(_Strict):
    refresh: Interval = Field(5.0, description="default interval of every panel")
    read_only: bool = False
    theme: Line = "cockpit-dark"
    context: ContextName = Field("", description="kubeconfig context; empty means current-context")
    namespace: Namespace = "default"
    production_contexts: list[Line] = Field(
        default_factory=list,
        description='kubeconfig contexts (globs, e.g. "prod-*") where actions need the '
        "object's name typed to confirm",
    )

    @field_validator("theme")
    @classmethod
    def _known_theme(cls, v: str) -> str:
        if v not in THEME_NAMES:
            raise ValueError(f"expected one of {', '.join(THEME_NAMES)}, found {shown(v)}")
        return v

    @field_validator("production_contexts")
    @classmethod
    def _context_globs(cls, v: list[str]) -> list[str]:
        for index, pattern in enumerate(v):
            try:
                names.context_name(pattern)
            except names.InvalidName as exc:
                raise ValueError(f"pattern {index}: {exc}") from None
        return v


class IncidentSettings(_Strict):
    title: Line = ""
    severity: Literal["SEV1", "SEV2", "SEV3", "SEV4"] = "SEV3"

    @field_validator("severity", mode="before")
    @classmethod
    def _upper(cls, v: Any) -> Any:
        return v.upper() if isinstance(v, str) else v


def _check_keys(keys: dict[str, str]) -> dict[str, str]:
    problems = keymap_problems(keys)
    if problems:
        # All of them, each at its own key path (see _describe).
        raise PydanticCustomError("keymap", "bad key bindings", {"problems": problems})
    return keys


Keys = Annotated[dict[str, Line], RawKeys, AfterValidator(_check_keys)]


class TimelineSettings(_Strict):
    db: Line = Field("", description="timeline file; defaults to the user data dir (or --db)")
    actor: Line = Field("", description="who records events; defaults to $USER@host")
    status_every: Reminder = Field(15 * 60.0, description="status-update reminder period")


def _http_url(value: str) -> str:
    """An http(s) URL with a host and, if given, a valid port; otherwise a clear error."""
    return values.http_url(value)


Headers = Annotated[
    dict[str, str], BeforeValidator(values.raw_headers), AfterValidator(values.headers)
]


class _HttpServer(_Strict):
    """Where an HTTP API is and how to prove who we are; secrets stay in the environment or a
    file, never in this config."""

    url: Url
    timeout: Timeout = 5.0
    bearer_token_env: EnvName = Field("", description="name of an env var holding a bearer token")
    bearer_token_file: Line = Field("", description="file holding a bearer token (re-read)")
    basic_auth_user: Line = ""
    basic_auth_password_env: EnvName = Field("", description="env var holding the password")
    ca_file: Line = Field("", description="PEM file of the CA that signed the server's cert")
    insecure_skip_verify: bool = Field(False, description="accept any TLS certificate")
    headers: Headers = Field(default_factory=dict)

    @model_validator(mode="after")
    def _one_way_each(self) -> _HttpServer:
        if self.bearer_token_env and self.bearer_token_file:
            raise ValueError("give bearer_token_env or bearer_token_file, not both")
        if bool(self.basic_auth_user) != bool(self.basic_auth_password_env):
            raise ValueError("basic auth needs both basic_auth_user and basic_auth_password_env")
        if self.ca_file and self.insecure_skip_verify:
            raise ValueError("ca_file has no effect with insecure_skip_verify = true; drop one")
        if (self.bearer_token_env or self.bearer_token_file or self.basic_auth_user) and any(
            name.lower() == "authorization" for name in self.headers
        ):
            raise ValueError(
                "an Authorization header and a bearer token or basic auth setting: give one"
            )
        return self

    @field_validator("url")
    @classmethod
    def _http(cls, v: str) -> str:
        return _http_url(v).rstrip("/")


class PrometheusSettings(_HttpServer):
    url: Url = "http://127.0.0.1:9090"


class AlertmanagerSettings(_HttpServer):
    url: Url = "http://127.0.0.1:9093"


def _runbook_ref(value: str) -> str:
    """`file.md#section-slug` (or just `file.md`): a link the runbook key opens."""
    file_part, _, section = value.partition("#")
    if value and (not file_part.strip() or "#" in section or any(c.isspace() for c in value)):
        raise ValueError(
            'expected "FILE.md#section-slug" (the section\'s anchor, as `cockpit runbook show '
            f"FILE` lists it), found {shown(value)}"
        )
    return value


RunbookRef = Annotated[str, _raw(values.text_line), AfterValidator(_runbook_ref)]


class PanelSettings(_Strict):
    """What every `[panels.*]` table has. A kind's table adds its own keys, a `source` field
    (a Literal of the sources that can feed it) and the measures its panel shows."""

    if TYPE_CHECKING:  # declared by each kind, as the Literal of its sources
        source: str

    enabled: bool = True
    interval: Interval | None = Field(None, description="defaults to [cockpit].refresh")
    timeout: Timeout | None = Field(None, description="defaults to the interval, at most 10s")
    runbook: RunbookRef = Field(
        "", description='runbook section the runbook key opens, "FILE.md#section"; default: matched'
    )

    def measures(self) -> tuple[Measure, ...]:
        """The numbers the panel shows and their thresholds, in base units (s, ratio, count)."""
        raise NotImplementedError(f"{type(self).__name__} declares no measures")

    def read_timeout(self, interval: float) -> float:
        """How long one read may take: as configured, else the interval, at most 10 s."""
        return self.timeout or min(interval, 10.0)

    def instance_id(self, kind: str) -> str:
        """The panel id of this table: the kind's name (a `many` kind's tables differ)."""
        return kind

    def title_or(self, kind_title: str) -> str:
        return kind_title


class PodsPanel(PanelSettings):
    source: Literal["demo", "kubernetes"] = "kubernetes"
    namespace: Namespace = Field("", description="defaults to [cockpit].namespace")
    selector: Line = Field("", description="label selector, as kubectl -l")
    max_not_ready: int = Field(
        0, ge=0, le=1_000_000, description="not-ready pods tolerated before CRIT"
    )

    @field_validator("selector")
    @classmethod
    def _selector(cls, v: str) -> str:
        return names.check_label_selector(v)

    def measures(self) -> tuple[Measure, ...]:
        return (Measure("not_ready", "not ready", "count", Threshold(crit=self.max_not_ready + 1)),)


# One PromQL label matcher, as a preset's `selector` adds them: a label name, an operator and a
# quoted value. Prometheus is the final judge; this catches a stray brace, bracket or line break
# while the config is checked rather than as a query error at 3 a.m.
_PROMQL_STRING = r'"(?:[^"\\\n]|\\.)*"|' r"'(?:[^'\\\n]|\\.)*'|`[^`\n]*`"
_PROMQL_MATCHER = rf"\s*[A-Za-z_][A-Za-z0-9_]*\s*(?:=~|!~|!=|=)\s*(?:{_PROMQL_STRING})\s*"
_PROMQL_MATCHERS = re.compile(rf"(?:{_PROMQL_MATCHER})(?:,(?:{_PROMQL_MATCHER}))*,?\s*")


def _promql_selector(value: str) -> str:
    values.text_line(value)
    inner = value.strip()
    if inner.startswith("{") and inner.endswith("}"):
        inner = inner[1:-1]
    if inner.strip() and not _PROMQL_MATCHERS.fullmatch(inner):
        raise ValueError(
            'expected PromQL label matchers such as job="checkout" or '
            f'job="checkout",env=~"prod.*", found {shown(value)}'
        )
    return value


PromSelector = Annotated[str, _raw(values.text_line), AfterValidator(_promql_selector)]


# What the presets read, checked before a query is written from it.
_PRESET_INPUTS: tuple[tuple[str, Callable[[str], object]], ...] = (
    ("preset", values.text_line),
    ("metric", values.text_line),
    ("selector", _promql_selector),
    ("window", values.text_line),
    ("name", values.text_line),
    ("status_label", values.text_line),
    ("preset_namespace", _optional(names.namespace)),
)


class _Preset(PanelSettings):
    """A preset writes the PromQL from a metric name (cockpit.config.promql); `query` and
    friends may
    then not be given too: two sources of truth for one number is a typo waiting to happen."""

    preset: Line = ""
    metric: Line = Field("", description="metric name for the preset")
    selector: PromSelector = Field("", description='extra label matchers, e.g. job="checkout"')
    window: Line = Field("5m", description="rate window of the preset")
    name: Line = Field("", description="queue / cronjob / schedule / job name for the preset")
    preset_namespace: Namespace = Field("", description="namespace label for the cronjob preset")

    _QUERIES: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _fill_from_preset(cls, data: Any) -> Any:
        if not isinstance(data, dict) or not data.get("preset"):
            return data
        given = [q for q in cls._QUERIES.default if data.get(q)]  # type: ignore[attr-defined]
        if given:
            raise ValueError(f"give preset or {' / '.join(given)}, not both")
        for key, check in _PRESET_INPUTS:
            if key not in data:
                continue
            if not isinstance(data[key], str):
                raise ValueError(f"{key}: expected text in quotes, found {shown(data[key])}")
            try:
                values.text_line(data[key])
                check(data[key].strip())
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        stripped = {k: v.strip() if isinstance(v, str) else v for k, v in data.items()}
        try:
            return {**data, **cls._preset_queries(stripped)}
        except ValueError as exc:
            raise ValueError(f"preset {shown(stripped['preset'])}: {exc}") from None

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
    p50_query: Block = ""
    p95_query: Block = ""
    _QUERIES = ("p50_query", "p95_query")

    @classmethod
    def _preset_queries(cls, data: dict[str, Any]) -> dict[str, str]:
        args = (data["preset"], _need(data, "metric"))
        extra = {"selector": data.get("selector", ""), "window": data.get("window", "5m")}
        return {
            "p50_query": promql.latency(*args, 0.5, **extra),
            "p95_query": promql.latency(*args, 0.95, **extra),
        }

    p50_slo: LatencySlo = 0.150
    p95_slo: LatencySlo = 0.300
    warn_at: WarnAt = Field(0.8, description="fraction of the SLO that warns")

    @model_validator(mode="after")
    def _queries(self) -> LatencyPanel:
        if self.enabled and self.source == "prometheus" and not (self.p50_query or self.p95_query):
            raise ValueError(
                'source = "prometheus" needs p50_query and/or p95_query (PromQL returning seconds)'
            )
        return self

    def measures(self) -> tuple[Measure, ...]:
        return (
            Measure("p50", "p50", "seconds", Threshold(self.p50_slo, self.p50_slo * self.warn_at)),
            Measure("p95", "p95", "seconds", Threshold(self.p95_slo, self.p95_slo * self.warn_at)),
        )


class ErrorRatePanel(_Preset):
    source: Literal["demo", "prometheus"] = "prometheus"
    query: Block = Field("", description="PromQL returning the 5xx share as a ratio (0..1)")
    status_label: Line = Field("code", description="label holding the HTTP status (http_5xx)")
    burn_rate: bool = Field(False, description="multiwindow burn rate: page / ticket / ok")
    # Filled by the http_5xx preset when burn_rate is on: window → error-ratio query.
    burn_queries: dict[str, Block] = Field(default_factory=dict)
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
        if data.get("burn_rate") is True:
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
    warn_at: WarnAt = 0.8

    @model_validator(mode="after")
    def _query(self) -> ErrorRatePanel:
        if self.enabled and self.source == "prometheus" and not self.query:
            raise ValueError('source = "prometheus" needs query (PromQL returning a ratio 0..1)')
        return self

    def measures(self) -> tuple[Measure, ...]:
        slo = self.slo_percent / 100
        return (Measure("error_ratio", "5xx", "ratio", Threshold(slo, slo * self.warn_at)),)


class QueuePanel(_Preset):
    source: Literal["demo", "prometheus"] = "prometheus"
    query: Block = ""
    _QUERIES = ("query",)

    @classmethod
    def _preset_queries(cls, data: dict[str, Any]) -> dict[str, str]:
        return {"query": promql.queue_depth(data["preset"], _need(data, "name"))}

    slo: float = Field(100, gt=0, description="depth at or above which the panel is CRIT")
    warn_at: WarnAt = 0.8

    @model_validator(mode="after")
    def _query(self) -> QueuePanel:
        if self.enabled and self.source == "prometheus" and not self.query:
            raise ValueError('source = "prometheus" needs query (PromQL returning a depth)')
        return self

    def measures(self) -> tuple[Measure, ...]:
        return (Measure("depth", "depth", "count", Threshold(self.slo, self.slo * self.warn_at)),)


class BackupPanel(_Preset):
    source: Literal["demo", "prometheus", "file"] = "prometheus"
    query: Block = Field("", description="PromQL returning the Unix time of the last success")
    _QUERIES = ("query",)

    @classmethod
    def _preset_queries(cls, data: dict[str, Any]) -> dict[str, str]:
        query = promql.backup_last_success(
            data["preset"], _need(data, "name"), data.get("preset_namespace", "")
        )
        return {"query": query}

    path: Line = Field("", description='glob of backup files for source = "file"')
    warn_after: Age = 12 * 3600.0
    crit_after: Age = 36 * 3600.0

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

    def measures(self) -> tuple[Measure, ...]:
        return (Measure("age", "age", "age", Threshold(self.crit_after, self.warn_after)),)


# One Alertmanager matcher: a label name (bare or quoted), an operator, a value (bare or quoted).
# Alertmanager itself is the final judge; this catches the usual slips (braces, several matchers
# in one string, a missing operator) while the config is checked instead of at 3 a.m.
_MATCHER = re.compile(
    r'\s*(?:[A-Za-z_][A-Za-z0-9_]*|"(?:[^"\\]|\\.)+")\s*(?:=~|!~|!=|=)\s*'
    r'(?:"(?:[^"\\]|\\.)*"|[^"\s{},]*)\s*'
)


def _check_matchers(matchers: list[str]) -> list[str]:
    for matcher in matchers:
        values.text_line(matcher)
        if not _MATCHER.fullmatch(matcher):
            raise ValueError(
                'expected one label matcher per string, such as team="checkout" or '
                f'env=~"prod.*" (no braces, no commas), found {shown(matcher)}'
            )
    return matchers


Matchers = Annotated[list[Line], AfterValidator(_check_matchers)]


class AlertsPanel(PanelSettings):
    source: Literal["alertmanager", "demo"] = "alertmanager"
    filter: Matchers = Field(
        default_factory=list, description="Alertmanager label matchers; an alert must match all"
    )
    critical_severities: list[Line] = Field(
        default_factory=lambda: ["critical", "page"],
        description="values of the severity label that make the panel CRIT (others WARN)",
    )

    def measures(self) -> tuple[Measure, ...]:
        # Mirrors the source's rule: any alert firing warns, a critical one is CRIT.
        return (
            Measure("firing", "firing", "count", Threshold(crit=None, warn=1)),
            Measure("critical", "critical", "count", Threshold(crit=1)),
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
    port_ok = port_text.isascii() and port_text.isdigit() and len(port_text) <= 5
    if not (sep and host and port_ok and 1 <= int(port_text) <= 65535) or any(
        c.isspace() or c in "/?#@[]" for c in host
    ):
        raise ValueError(
            'expected "host:port" with a port 1-65535, such as "db.internal:5432", found '
            f"{shown(value)}"
        )
    return host, int(port_text)


# Options that only mean something for an HTTP check; set on a TCP check they are a mistake.
_HTTP_ONLY = ("expect_status", "follow_redirects", "verify", "ca_file")


class HealthCheck(_Strict):
    """One check: `url` (HTTP GET, status must equal `expect_status`) or `tcp` (connects)."""

    name: Line = Field(min_length=1)
    url: Annotated[str, _raw(_optional(values.http_url))] = ""
    tcp: Line = ""
    expect_status: int = Field(200, ge=100, le=599)
    timeout: Timeout = 2.0
    follow_redirects: bool = False
    verify: bool = Field(True, description="false: accept any TLS certificate")
    ca_file: Line = Field("", description="PEM file of the CA that signed the server certificate")

    @model_validator(mode="after")
    def _target(self) -> HealthCheck:
        who = f"check {shown(self.name)}"
        if self.url and self.tcp:
            raise ValueError(f"{who}: give url or tcp, not both")
        if not (self.url or self.tcp):
            raise ValueError(f'{who}: needs url = "https://..." or tcp = "host:port"')
        try:
            if self.tcp:  # a url was checked as a field
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


# A health read waits for its slowest check; this much more lets that check's own timeout,
# not the panel's, be what a hanging endpoint reports.
HEALTH_TIMEOUT_MARGIN = 1.0


class HealthPanel(PanelSettings):
    source: Literal["health", "demo"] = "health"
    checks: list[HealthCheck] = Field(default_factory=list)

    @property
    def longest_timeout(self) -> float:
        return max((c.timeout for c in self.checks), default=0.0)

    def measures(self) -> tuple[Measure, ...]:
        return (Measure("failing", "failing", "count", Threshold(crit=1)),)

    def read_timeout(self, interval: float) -> float:
        if self.timeout is None:
            return max(min(interval, 10.0), self.longest_timeout + HEALTH_TIMEOUT_MARGIN)
        return self.timeout

    @model_validator(mode="after")
    def _checks(self) -> HealthPanel:
        if self.enabled and self.source != "demo" and not self.checks:
            raise ValueError(
                'needs at least one check, e.g. checks = [{ name = "api", '
                'url = "https://api.example.com/healthz" }]'
            )
        names_seen = [c.name for c in self.checks]
        twice = sorted({n for n in names_seen if names_seen.count(n) > 1})
        if twice:
            raise ValueError(f"check names must be unique; repeated: {', '.join(twice)}")
        # The panel's timeout bounds the whole read; each check has its own inside it.
        if self.timeout is not None and self.timeout <= self.longest_timeout:
            raise ValueError(
                f"timeout ({self.timeout:g}s) must be longer than the slowest check's "
                f"({self.longest_timeout:g}s), or left out"
            )
        return self


_METRIC_ID = re.compile(r"[a-z][a-z0-9_]{0,39}", re.ASCII)


def _metric_id(value: str) -> str:
    if not _METRIC_ID.fullmatch(value):
        raise ValueError(
            "expected a short id: a lower-case letter, then lower-case letters, digits and _ "
            f"(at most 40 in all, e.g. db_connections), found {shown(value)}"
        )
    return value


class CustomMetric(PanelSettings):
    """One more PromQL number (CPU throttling, DB connections, cache misses…), listed with
    the others in the dashboard's metrics table. Higher is worse, as for every panel."""

    name: Annotated[Line, AfterValidator(_metric_id)] = Field(
        description="short id: lower-case letters, digits and _ (e.g. db_connections)"
    )
    title: Line = Field("", description="what the table shows; defaults to the name")
    source: Literal["prometheus"] = "prometheus"
    query: Block = Field(min_length=1, description="PromQL; with several series the worst counts")
    unit: Literal["seconds", "ratio", "count"] = Field(
        "count", description="seconds show as ms, ratio as %"
    )
    crit: float | None = Field(None, description="at or above this: CRIT (in the query's unit)")
    warn: float | None = Field(None, description="at or above this: WARN")

    @model_validator(mode="after")
    def _warn_below_crit(self) -> CustomMetric:
        if self.warn is not None and self.crit is not None and self.warn >= self.crit:
            raise ValueError(
                f"warn ({self.warn:g}) must be below crit ({self.crit:g}): "
                "the warning comes first"
            )
        return self

    @property
    def panel_id(self) -> str:
        return self.instance_id("custom")

    def instance_id(self, kind: str) -> str:
        return f"{kind}_{self.name}"

    def title_or(self, kind_title: str) -> str:
        return self.title or self.name

    def measures(self) -> tuple[Measure, ...]:
        label = self.title or self.name
        return (Measure("value", label, self.unit, Threshold(self.crit, self.warn)),)


# The built-in panel kinds, in display order. Their sources are registered in
# cockpit.runtime.panel_sources and their widgets in cockpit.screens.panel_widgets.
for _kind in (
    PanelKind("pods", PodsPanel, "Pods", headline="not_ready", trend="not_ready"),
    PanelKind("latency", LatencyPanel, "Latency", headline="p95", trend="p95"),
    PanelKind(
        "error_rate", ErrorRatePanel, "Error rate", headline="error_ratio", trend="error_ratio"
    ),
    PanelKind("queue", QueuePanel, "Queue depth", headline="depth", trend="depth"),
    # The age climbs in a straight line until the next backup: the presenter shows it, a
    # trend line would say nothing more.
    PanelKind("backup", BackupPanel, "Backup freshness", headline="age"),
    PanelKind("alerts", AlertsPanel, "Alerts", breaches=False),
    PanelKind("health", HealthPanel, "Health checks"),
    PanelKind(
        "custom",
        CustomMetric,
        "Custom metrics",
        description="more PromQL numbers, one table row each",
        many=True,
    ),
):
    register_panel_kind(_kind)


class PanelTables(_Strict):
    """The `[panels]` table: one optional table per kind (a list for `many` kinds). A panel
    that is not configured is not shown. `panels_model` adds the kinds' fields."""

    @model_validator(mode="after")
    def _unique_ids(self) -> PanelTables:
        for kind in _kinds_of(type(self)):
            if not kind.many:
                continue
            seen: set[str] = set()
            for table in getattr(self, kind.name):
                panel = table.instance_id(kind.name)
                if panel in seen:
                    name = panel.removeprefix(f"{kind.name}_")
                    raise ValueError(
                        f'two {kind.title.lower()} are named "{name}"; names must differ'
                    )
                seen.add(panel)
        return self

    def configured(self) -> list[tuple[str, PanelSettings]]:
        """(panel id, settings) of every configured panel, in display order."""
        return [(panel, settings) for panel, _, settings in self.by_kind()]

    def by_kind(self) -> list[tuple[str, PanelKind, PanelSettings]]:
        """(panel id, kind, settings) of every configured panel, in display order: the
        single tables first, then the panels of every `many` kind."""
        single: list[tuple[str, PanelKind, PanelSettings]] = []
        many: list[tuple[str, PanelKind, PanelSettings]] = []
        for kind in _kinds_of(type(self)):
            value = getattr(self, kind.name)
            if kind.many:
                many.extend((table.instance_id(kind.name), kind, table) for table in value)
            elif value is not None:
                single.append((kind.name, kind, value))
        return single + many


def _kinds_of(model: type[PanelTables]) -> list[PanelKind]:
    """The registered kinds that `model` has a field for, in registration order."""
    return [kind for kind in panel_kinds() if kind.name in model.model_fields]


def panels_model(kinds: Sequence[PanelKind], base: type[PanelTables] = PanelTables) -> type[Any]:
    """A `[panels]` model with a field for each of `kinds`, on top of `base`'s."""
    fields: dict[str, Any] = {}
    for kind in kinds:
        if kind.many:
            fields[kind.name] = (
                list[kind.settings],  # type: ignore[name-defined]
                Field(default_factory=list, description=kind.description or None),
            )
        else:
            fields[kind.name] = (
                kind.settings | None,
                Field(None, description=kind.description or None),
            )
    return create_model("Panels", __base__=base, __module__=__name__, **fields)


Panels = panels_model(panel_kinds())


class RollbackCommand(_Strict):
    """Roll back a workload with a command instead of `rollout undo` (e.g. `helm rollback`).
    An argv list, never a shell string: no quoting or injection surprises."""

    workload: Line = Field(description='"deployment/NAME" or "statefulset/NAME"')
    argv: list[Line] = Field(description='e.g. ["helm", "rollback", "checkout"]')
    timeout: CommandTimeout = 120.0

    @field_validator("workload")
    @classmethod
    def _workload(cls, v: str) -> str:
        # Stored as the canonical kind/name the actions look it up by (deploy/web → deployment/web).
        kind, name = names.workload_ref(v)
        return f"{kind}/{name}"

    @field_validator("argv")
    @classmethod
    def _no_shell(cls, v: list[str]) -> list[str]:
        return values.argv(v)


class ActionsSettings(_Strict):
    rollback_commands: list[RollbackCommand] = Field(default_factory=list)

    @model_validator(mode="after")
    def _one_command_each(self) -> ActionsSettings:
        workloads = [c.workload for c in self.rollback_commands]
        twice = sorted({w for w in workloads if workloads.count(w) > 1})
        if twice:
            raise ValueError(
                f"more than one rollback command for {', '.join(twice)}; keep one per workload"
            )
        return self


def _check_phases(boxes: dict[str, float]) -> dict[str, float]:
    from cockpit.incident.phases import Phase  # here, not at the top: start-up does not pay for it

    for name in boxes:
        if Phase.parse(name) is None or Phase.parse(name) != name:
            import difflib

            known = ", ".join(p.value for p in Phase)
            hint = difflib.get_close_matches(name, [p.value for p in Phase], n=1)
            maybe = f' (did you mean "{hint[0]}"?)' if hint else ""
            raise ValueError(f"unknown phase {shown(name)}{maybe}; phases: {known}")
    return boxes


PhaseBoxes = Annotated[dict[str, TimeBox], RawKeys, AfterValidator(_check_phases)]


class RunbooksSettings(_Strict):
    """Runbooks beside the dashboard: where they are, which section an alert opens, and the
    incident phases' time boxes (these win over a runbook's own)."""

    dirs: list[Line] = Field(
        default_factory=list, description="directories (or files) of Markdown / text runbooks"
    )
    alerts: Annotated[dict[str, RunbookRef], RawKeys] = Field(
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
            if panel.enabled and panel.source == "prometheus"
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


def config_model() -> type[Config]:
    """The config model for the kinds registered now: `Config` itself, or, once a kind has
    been registered after this module was imported (a plugin's, a test's), a subclass whose
    `[panels]` table knows it too."""
    later = tuple(kind for kind in panel_kinds() if kind.name not in Panels.model_fields)
    return _config_with(later) if later else Config


@functools.cache
def _config_with(kinds: tuple[PanelKind, ...]) -> type[Config]:
    panels = panels_model(kinds, base=Panels)
    model: type[Config] = create_model(
        "Config",
        __base__=Config,
        __module__=__name__,
        panels=(panels, Field(default_factory=panels)),
    )
    return model


# ---- panel specs: what the scheduler and the UI need from the config ---------------------


@dataclass(frozen=True, slots=True)
class PanelSpec:
    panel: str
    title: str
    source: str
    interval: float
    timeout: float
    measures: tuple[Measure, ...]
    kind: str = ""  # the registered panel kind; "" for a spec built by hand
    headline: str = ""  # see PanelKind: the presenter's number, the trend line's measure
    trend: str = ""
    breaches: bool = True
    # The panel's config table, for the source factory that builds its source.
    settings: PanelSettings | None = dataclasses.field(default=None, compare=False, repr=False)


def panel_measures(name: str, panel: PanelSettings) -> tuple[Measure, ...]:
    """The numbers a panel shows and their thresholds, in base units (s, ratio, count)."""
    return panel.measures()


def panel_specs(config: Config, refresh_override: float | None = None) -> list[PanelSpec]:
    """Enabled panels in display order. `--refresh` overrides every panel's interval."""
    specs = []
    for panel_id, kind, panel in config.panels.by_kind():
        if not panel.enabled:
            continue
        interval = refresh_override or panel.interval or config.cockpit.refresh
        specs.append(
            PanelSpec(
                panel_id,
                panel.title_or(kind.title),
                panel.source,
                interval,
                panel.read_timeout(interval),
                panel.measures(),
                kind=kind.name,
                headline=kind.headline,
                trend=kind.trend,
                breaches=kind.breaches,
                settings=panel,
            )
        )
    return specs


def demo_runbook_dirs() -> list[str]:
    """The example runbooks (examples/runbooks/, shipped in the package) for the demo."""
    shipped = Path(str(resources.files("cockpit.config").joinpath("demo_runbooks")))
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
    """A config problem, already worded for the person who has to fix it.

    `problems` holds at most MAX_PROBLEMS_SHOWN lines; `more` counts the rest."""

    def __init__(self, path: Path | None, problems: list[str], more: int = 0):
        self.path = path
        self.problems = problems[:MAX_PROBLEMS_SHOWN]
        self.more = more + max(0, len(problems) - MAX_PROBLEMS_SHOWN)
        where = str(path) if path else "configuration"
        super().__init__(f"{where}: " + "; ".join(self.problems))

    def render(self) -> str:
        from cockpit.core.safe_text import terminal_safe

        head = "cockpit: invalid config"
        if self.path:
            head += f" {terminal_safe(str(self.path))}"
        lines = [head, *(f"  {terminal_safe(p)}" for p in self.problems)]
        if self.more:
            lines.append(f"  … and {self.more} more")
        return "\n".join(lines)


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
    """The config in `path`, or ConfigError: the file is read as cockpit.config.read allows
    (a small regular UTF-8 TOML file), then validated."""
    from cockpit.config.read import UnreadableConfig, parse_toml, read_bytes

    try:
        data = parse_toml(read_bytes(path))
    except UnreadableConfig as exc:
        problems = [str(exc)]
        if exc.missing:
            problems = [
                "file not found; create one with: cockpit config example > " + str(path),
                "or try the simulated incident: cockpit --demo",
            ]
        raise ConfigError(path, problems) from None
    return parse_config(data, path)


def parse_config(data: Mapping[str, Any], path: Path | None = None) -> Config:
    try:
        return config_model().model_validate(data)
    except ValidationError as exc:
        # A file of nonsense can hold hundreds of thousands of errors: word only those shown.
        problems: list[str] = []
        total = 0
        for err in exc.errors(include_url=False):
            if len(problems) < MAX_PROBLEMS_SHOWN:
                lines = _describe(err)
                problems.extend(lines)
                total += len(lines)
            elif err["type"] == "keymap":
                total += len(err["ctx"]["problems"])
            else:
                total += 1
        shown_now = problems[:MAX_PROBLEMS_SHOWN]
        raise ConfigError(path, shown_now, more=total - len(shown_now)) from None


# Key path parts shown as they are; anything else is quoted as TOML would quote it.
_BARE_KEY = re.compile(r"[A-Za-z0-9_.-]+", re.ASCII)


def _key_path(loc: list[str]) -> str:
    parts = [p if _BARE_KEY.fullmatch(p) else shown(p) for p in loc]
    return ".".join(parts) or "(top level)"


# Pydantic's words for a type mismatch, and ours: what to write instead.
_EXPECTED = {
    "float_type": "expected a number",
    "int_type": "expected a whole number",
    "bool_type": "expected true or false",
    "string_type": "expected text in quotes",
    "dict_type": "expected a table",
    "model_type": "expected a table",
    "model_attributes_type": "expected a table",
    "list_type": "expected a list",
    "finite_number": "expected a finite number",
    "int_from_float": "expected a whole number",
}


_PHRASES = (
    ("Input should be", "must be"),
    ("String should", "must"),
    ("greater than or equal to", "at least"),
    ("less than or equal to", "at most"),
)


def _describe(err: Mapping[str, Any]) -> list[str]:
    loc = [str(p) for p in err["loc"] if not str(p).startswith("function-")]
    key = _key_path(loc)
    kind = err["type"]
    found = err.get("input")
    if kind == "keymap":
        return [
            f"{_key_path([*loc, binding_id])}: {problem}"
            for binding_id, problem in err["ctx"]["problems"]
        ]
    if kind == "extra_forbidden":
        import difflib  # only on this error path: start-up does not pay for it

        known = _known_keys(loc[:-1])
        hint = difflib.get_close_matches(loc[-1], known, n=1)
        suggestion = f'; did you mean "{hint[0]}"?' if hint else ""
        allowed = f" (known keys: {', '.join(sorted(known))})" if known and not hint else ""
        return [f"{key}: unknown key{suggestion}{allowed}"]
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return [f"{key}: expected one of {expected}, found {shown(found)}"]
    message = str(err["msg"]).removeprefix("Value error, ")
    if kind in {"value_error", "assertion_error"}:
        return [f"{key}: {message}"]
    if kind == "missing":
        return [f"{key}: required key is missing"]
    if kind in _EXPECTED:
        return [f"{key}: {_EXPECTED[kind]}{_unquote_hint(kind, found)}, found {shown(found)}"]
    for theirs, ours in _PHRASES:
        message = message.replace(theirs, ours)
    return [f"{key}: {message}, found {shown(found)}"]


def _unquote_hint(kind: str, found: Any) -> str:
    """"0.8" for a number, "true" for a boolean: the usual slip is the quotes."""
    if kind == "bool_type" and found in ("true", "false"):
        return f" (write {found} without quotes)"
    if kind in {"float_type", "int_type"} and isinstance(found, str):
        try:
            number = float(found)
        except ValueError:
            return ""
        if found.strip().isascii() and math.isfinite(number):
            return " (without quotes)"
    return ""


def _known_keys(loc: list[str]) -> list[str]:
    model: type[BaseModel] = config_model()
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
    return resources.files("cockpit.config").joinpath("example_config.toml").read_text("utf-8")
