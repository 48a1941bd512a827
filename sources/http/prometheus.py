"""Prometheus-compatible HTTP API (Prometheus, Thanos, Mimir, VictoriaMetrics) and its panels.

`PrometheusClient` speaks `/api/v1/query` and `/api/v1/query_range` and turns every way a request
can fail into one `PrometheusError` whose message is what the panel shows, so a person at 3 a.m.
reads "bad query: ..." or "cannot reach 10.0.0.5:9090: connection refused" instead of a stack
trace. The panel sources are thin: run queries, pick the number, let `evaluate` decide the status.

Secrets: the bearer token is read from its environment variable at request time (so a rotated
token is picked up without a restart) and never stored, logged, put in a message or a repr.
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx

from cockpit.config import promql
from cockpit.core.model import BackupInfo, Measure, Reading, Status, evaluate
from cockpit.sources.base import Clock, utc_now
from cockpit.sources.http.client import ApiClient
from cockpit.sources.http.errors import HttpSourceError, not_an_answer, not_found

BACKFILL_WINDOW = timedelta(minutes=30)
MIN_STEP = 15.0
MAX_POINTS = 250
# How many series the note names: enough to see the culprit, short enough for one line.
NOTE_SERIES = 3

ResultType = Literal["vector", "scalar", "matrix", "string"]


class PrometheusError(HttpSourceError):
    """A failed query, worded for the panel. The message never carries credentials."""


@dataclass(frozen=True, slots=True)
class InstantSample:
    labels: Mapping[str, str]
    value: float


@dataclass(frozen=True, slots=True)
class RangeSeries:
    labels: Mapping[str, str]
    points: tuple[tuple[float, float], ...]  # (unix time, value)


@dataclass(frozen=True, slots=True)
class QueryResult:
    """An instant query's answer; a scalar is one sample with no labels."""

    result_type: ResultType
    samples: tuple[InstantSample, ...]
    warnings: tuple[str, ...] = ()
    infos: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RangeResult:
    result_type: ResultType
    series: tuple[RangeSeries, ...]
    warnings: tuple[str, ...] = ()
    infos: tuple[str, ...] = ()


class PrometheusClient(ApiClient):
    """One `httpx.AsyncClient` shared by every Prometheus panel (one connection pool).

    `url` may carry a path prefix (`http://host/prometheus`); API paths are appended to it.
    """

    error = PrometheusError
    table = "prometheus"
    _users = 0  # panels attached; counted per instance from the first `attach`

    # ---- sharing -----------------------------------------------------------------------------

    def attach(self) -> None:
        """A panel starts using the client; the last one to `detach` closes it."""
        self._users += 1

    async def detach(self) -> None:
        self._users -= 1
        if self._users <= 0:
            await self.aclose()

    # ---- queries -----------------------------------------------------------------------------

    async def instant(self, query: str) -> QueryResult:
        data, warnings, infos = await self._get("api/v1/query", {"query": query})
        result_type, result = _result(data)
        if result_type == "matrix":
            raise PrometheusError(
                "query returned a range vector; use an instant expression (e.g. wrap in rate())"
            )
        return QueryResult(result_type, _instant_samples(result_type, result), warnings, infos)

    async def range(self, query: str, start: datetime, end: datetime, step: float) -> RangeResult:
        params = {
            "query": query,
            "start": f"{start.timestamp():.3f}",
            "end": f"{end.timestamp():.3f}",
            "step": f"{step:g}",
        }
        data, warnings, infos = await self._get("api/v1/query_range", params)
        result_type, result = _result(data)
        if result_type != "matrix":
            raise PrometheusError(
                f"unexpected JSON from {self.where}: range query gave {result_type}"
            )
        return RangeResult(result_type, _range_series(result), warnings, infos)

    async def _get(
        self, path: str, params: dict[str, str]
    ) -> tuple[Mapping[str, Any], tuple[str, ...], tuple[str, ...]]:
        # The server gives up slightly before we do, so a slow query reads "timed out on the
        # server" (503) with Prometheus' own words rather than our bare client timeout.
        params = {**params, "timeout": f"{max(int(self.timeout * 900), 100)}ms"}
        response = await self._send(path, params)
        return self._envelope(response, path)

    def _envelope(
        self, response: httpx.Response, path: str
    ) -> tuple[Mapping[str, Any], tuple[str, ...], tuple[str, ...]]:
        code = response.status_code
        try:
            body = response.json()
        except ValueError:
            body = None
        if not isinstance(body, dict) or "status" not in body:
            if code == 404:
                raise PrometheusError(not_found(path, self.url, self.origin))
            if body is None:
                raise PrometheusError(not_an_answer("a Prometheus", self.origin, response))
            raise PrometheusError(
                f"unexpected JSON from {self.where} (HTTP {code}): no status field"
            )
        warnings = _strings(body.get("warnings"))
        infos = _strings(body.get("infos"))
        if body.get("status") != "success":
            error_type = str(body.get("errorType") or "")
            error = str(body.get("error") or "no error text")
            raise PrometheusError(_error_message(code, error_type, error, self.where))
        data = body.get("data")
        if not isinstance(data, dict):
            raise PrometheusError(f"unexpected JSON from {self.where}: no data object")
        return data, warnings, infos


def _error_message(code: int, error_type: str, error: str, where: str) -> str:
    if code == 400 or error_type == "bad_data":
        return f"bad query: {error}"
    if code == 422 or error_type == "execution":
        return f"query failed on the server: {error}"
    if error_type == "timeout":
        return f"query timed out on the server: {error}"
    if code == 503 or error_type == "unavailable":
        return f"Prometheus unavailable (503): {error}"
    if error_type == "canceled":
        return f"query canceled by the server: {error}"
    return f"Prometheus error from {where} (HTTP {code}, {error_type or 'unknown'}): {error}"


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, list):
        return tuple(str(v) for v in value)
    return ()


def _result(data: Mapping[str, Any]) -> tuple[ResultType, Any]:
    result_type = data.get("resultType")
    if result_type not in ("vector", "scalar", "matrix", "string"):
        raise PrometheusError(f"unexpected JSON: resultType {result_type!r}")
    if "result" not in data:
        raise PrometheusError("unexpected JSON: data has no result")
    return result_type, data["result"]


def _number(raw: object) -> float:
    # Prometheus sends values as strings ("NaN", "+Inf" included); float() reads them all.
    try:
        return float(raw)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise PrometheusError(f"unexpected JSON: {raw!r} is not a number") from None


def _pair(raw: object) -> tuple[float, float]:
    if not isinstance(raw, list) or len(raw) != 2:
        raise PrometheusError(f"unexpected JSON: sample {raw!r} is not [time, value]")
    return _number(raw[0]), _number(raw[1])


def _labels(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict):
        raise PrometheusError("unexpected JSON: series without a metric object")
    return {str(k): str(v) for k, v in raw.items()}


def _instant_samples(result_type: ResultType, result: Any) -> tuple[InstantSample, ...]:
    if result_type == "string":
        raise PrometheusError("query returned a string; expected a number")
    if result_type == "scalar":
        return (InstantSample({}, _pair(result)[1]),)
    if not isinstance(result, list):
        raise PrometheusError("unexpected JSON: vector result is not a list")
    samples = []
    for item in result:
        if not isinstance(item, dict):
            raise PrometheusError("unexpected JSON: vector element is not an object")
        if "value" not in item:
            continue  # a native histogram sample has no single number to show
        samples.append(InstantSample(_labels(item.get("metric", {})), _pair(item["value"])[1]))
    return tuple(samples)


def _range_series(result: Any) -> tuple[RangeSeries, ...]:
    if not isinstance(result, list):
        raise PrometheusError("unexpected JSON: matrix result is not a list")
    series = []
    for item in result:
        if not isinstance(item, dict):
            raise PrometheusError("unexpected JSON: matrix element is not an object")
        points = tuple(_pair(p) for p in item.get("values") or ())
        series.append(RangeSeries(_labels(item.get("metric", {})), points))
    return tuple(series)


# ---- panel sources -------------------------------------------------------------------------


def _finite(value: float) -> bool:
    return not math.isnan(value)


def _label_text(labels: Mapping[str, str]) -> str:
    shown = {k: v for k, v in labels.items() if k != "__name__"}
    return ", ".join(f'{k}="{v}"' for k, v in sorted(shown.items())) or "{}"


def _distinct_labels(label_sets: Sequence[Mapping[str, str]]) -> list[dict[str, str]]:
    """Only the labels that tell the series apart: `job` and `instance` shared by all are noise
    on a one-line note."""
    keys = {k for labels in label_sets for k in labels if k != "__name__"}
    varying = {k for k in keys if len({labels.get(k) for labels in label_sets}) > 1}
    return [{k: v for k, v in labels.items() if k in varying} for labels in label_sets]


def _number_text(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return f"{value:.4g}" if abs(value) < 1000 else f"{value:.0f}"


def _merge_warnings(*groups: Sequence[str]) -> tuple[str, ...]:
    # The same warning from two queries of one panel is one badge, not two.
    return tuple(dict.fromkeys(w for group in groups for w in group))


def _at(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC)


@dataclass(eq=False, repr=False)
class _PrometheusPanel:
    """Shared plumbing: the clock, backfill window, error → reading, closing the client."""

    panel: str
    measures: tuple[Measure, ...]
    client: PrometheusClient
    clock: Clock = field(default=utc_now, kw_only=True)
    # The backfill step follows the panel's refresh but never goes below Prometheus' usual
    # scrape interval: finer steps only repeat samples.
    interval: float = field(default=MIN_STEP, kw_only=True)
    kind = "prometheus"

    def __post_init__(self) -> None:
        self.client.attach()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(panel={self.panel!r}, client={self.client!r})"

    @property
    def step(self) -> float:
        return max(self.interval, MIN_STEP)

    def _window(self, seconds: float | None = None) -> tuple[datetime, datetime, float]:
        """(start, end, step) of a range query; long windows get coarser steps so a chart of
        6 h stays a few hundred points, not thousands."""
        end = self.clock()
        span = BACKFILL_WINDOW if seconds is None else timedelta(seconds=seconds)
        step = max(self.step, span.total_seconds() / MAX_POINTS)
        return end - span, end, step

    async def history(self, seconds: float) -> list[Reading]:
        """Readings over the last `seconds` (for charts), from `query_range`."""
        return await self.backfill(seconds)

    async def read(self) -> Reading:
        now = self.clock()
        try:
            return await self._read(now)
        except PrometheusError as exc:
            return Reading.failure(self.panel, now, exc.message)

    async def _read(self, now: datetime) -> Reading:
        raise NotImplementedError

    async def aclose(self) -> None:
        await self.client.detach()


@dataclass(eq=False, repr=False)
class PrometheusLatency(_PrometheusPanel):
    """p50 and p95 in seconds, each from its own query (usually histogram_quantile)."""

    p50_query: str = ""
    p95_query: str = ""

    def _queries(self) -> dict[str, str]:
        return {k: q for k, q in (("p50", self.p50_query), ("p95", self.p95_query)) if q}

    async def _read(self, now: datetime) -> Reading:
        queries = self._queries()
        results = await asyncio.gather(*(self.client.instant(q) for q in queries.values()))
        values: dict[str, float] = {}
        for key, result in zip(queries, results, strict=True):
            numbers = [s.value for s in result.samples if _finite(s.value)]
            if numbers:
                # Several series (per route, per pod) → the slowest is the one to worry about.
                values[key] = max(numbers)
        warnings = _merge_warnings(*(r.warnings for r in results))
        note = "" if values else "no data for query"
        return Reading(
            self.panel, now, values, evaluate(self.measures, values), warnings=warnings, note=note
        )

    async def backfill(self, seconds: float | None = None) -> list[Reading]:
        start, end, step = self._window(seconds)
        queries = self._queries()
        results = await asyncio.gather(
            *(self.client.range(q, start, end, step) for q in queries.values())
        )
        by_time: dict[float, dict[str, float]] = {}
        for key, result in zip(queries, results, strict=True):
            for series in result.series:
                for ts, value in series.points:
                    if _finite(value):
                        slot = by_time.setdefault(ts, {})
                        slot[key] = max(value, slot.get(key, value))
        return [
            Reading(self.panel, _at(ts), vals, evaluate(self.measures, vals))
            for ts, vals in sorted(by_time.items())
        ]


@dataclass(eq=False, repr=False)
class PrometheusValue(_PrometheusPanel):
    """One number (error ratio, queue depth); with several series the worst one counts."""

    query: str = ""
    key: str = "value"

    async def _read(self, now: datetime) -> Reading:
        result = await self.client.instant(self.query)
        samples = [s for s in result.samples if _finite(s.value)]
        if not samples:
            # NaN (e.g. 0/0 with no traffic) is "no data" too: there is nothing to judge.
            note = "no data for query" if not result.samples else "query returned NaN (no traffic?)"
            return Reading(self.panel, now, {}, Status.UNKNOWN, warnings=result.warnings, note=note)
        ranked = sorted(samples, key=lambda s: s.value, reverse=True)
        values = {self.key: ranked[0].value}
        note = ""
        if len(ranked) > 1:
            shown = _distinct_labels([s.labels for s in ranked])
            note = ", ".join(
                f"{_label_text(labels)} {_number_text(s.value)}"
                for s, labels in zip(ranked[:NOTE_SERIES], shown, strict=False)
            )
            if len(ranked) > NOTE_SERIES:
                note += f" (+{len(ranked) - NOTE_SERIES} more)"
        return Reading(
            self.panel,
            now,
            values,
            evaluate(self.measures, values),
            warnings=result.warnings,
            note=note,
        )

    async def backfill(self, seconds: float | None = None) -> list[Reading]:
        start, end, step = self._window(seconds)
        result = await self.client.range(self.query, start, end, step)
        by_time: dict[float, float] = {}
        for series in result.series:
            for ts, value in series.points:
                if _finite(value):
                    by_time[ts] = max(value, by_time.get(ts, value))
        readings = []
        for ts, value in sorted(by_time.items()):
            values = {self.key: value}
            readings.append(Reading(self.panel, _at(ts), values, evaluate(self.measures, values)))
        return readings


@dataclass(eq=False, repr=False)
class PrometheusBurnRate(PrometheusValue):
    """The error ratio plus its multiwindow burn rate against the error budget: page (CRIT),
    ticket (WARN) or ok, with the four burn rates in the note."""

    burn_queries: Mapping[str, str] = field(default_factory=dict)
    budget: float = 0.01  # the allowed error ratio (1 - SLO target)

    async def _read(self, now: datetime) -> Reading:
        base = await super()._read(now)
        windows = list(self.burn_queries)
        results = await asyncio.gather(
            *(self.client.instant(self.burn_queries[w]) for w in windows)
        )
        burn: dict[str, float] = {}
        for window, result in zip(windows, results, strict=True):
            numbers = [s.value for s in result.samples if _finite(s.value)]
            if numbers:
                burn[window] = max(numbers) / self.budget
        if not burn:
            return base
        verdict = promql.burn_verdict(burn)
        shown = " ".join(f"{w} {burn[w]:.1f}×" for w in windows if w in burn)
        note = f"burn {shown} → {verdict.upper()}"
        status = base.status
        if verdict == "page":
            status = Status.CRIT
        elif verdict == "ticket" and status.rank < Status.WARN.rank:
            status = Status.WARN
        values = {**base.values, **{f"burn_{w}": b for w, b in burn.items()}}
        return Reading(
            self.panel,
            now,
            values,
            status,
            warnings=base.warnings,
            note=f"{note}; {base.note}" if base.note else note,
        )


@dataclass(eq=False, repr=False)
class PrometheusBackup(_PrometheusPanel):
    """Backup age from a query returning the Unix time of the last successful backup."""

    query: str = ""

    async def _read(self, now: datetime) -> Reading:
        result = await self.client.instant(self.query)
        stamps = [s.value for s in result.samples if _finite(s.value) and s.value > 0]
        if not stamps:
            # No success on record is the worst backup state there is, not an unknown one.
            return Reading(
                self.panel,
                now,
                {},
                Status.CRIT,
                detail=BackupInfo(last_success=None, detail="no backup recorded"),
                warnings=result.warnings,
                note="no backup recorded",
            )
        # Several series (one per database): the stalest one decides.
        last = _at(min(stamps))
        values = {"age": (now - last).total_seconds()}
        note = ""
        if len(stamps) > 1:
            oldest = min(result.samples, key=lambda s: s.value if _finite(s.value) else math.inf)
            note = f"oldest: {_label_text(oldest.labels)}"
        return Reading(
            self.panel,
            now,
            values,
            evaluate(self.measures, values),
            detail=BackupInfo(last_success=last),
            warnings=result.warnings,
            note=note,
        )

    async def backfill(self, seconds: float | None = None) -> list[Reading]:
        start, end, step = self._window(seconds)
        result = await self.client.range(self.query, start, end, step)
        by_time: dict[float, float] = {}
        for series in result.series:
            for ts, value in series.points:
                if _finite(value) and value > 0:
                    by_time[ts] = min(value, by_time.get(ts, value))
        readings = []
        for ts, last in sorted(by_time.items()):
            values = {"age": ts - last}
            readings.append(Reading(self.panel, _at(ts), values, evaluate(self.measures, values)))
        return readings


__all__ = [
    "InstantSample",
    "PrometheusBackup",
    "PrometheusClient",
    "PrometheusError",
    "PrometheusLatency",
    "PrometheusValue",
    "QueryResult",
    "RangeResult",
    "RangeSeries",
]
