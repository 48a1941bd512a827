"""Presets: a metric name in config, the right PromQL out (and, against a real Prometheus, the
same numbers as the hand-written query)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cockpit.config import promql
from cockpit.config.schema import ConfigError, load_config
from cockpit.core.model import Measure, Threshold
from cockpit.sources.http.prometheus import PrometheusClient, PrometheusLatency
from tests.integration.test_prometheus_source import P95, PromServer, prometheus

__all__ = ["prometheus"]


@pytest.mark.parametrize(
    ("built", "expected"),
    [
        (
            promql.latency("histogram", "http_request_duration_seconds", 0.95, 'job="api"'),
            "histogram_quantile(0.95, sum by (le) "
            '(rate(http_request_duration_seconds_bucket{job="api"}[5m])))',
        ),
        (
            promql.latency("histogram", "rpc_seconds_bucket", 0.5, window="1m"),
            "histogram_quantile(0.5, sum by (le) (rate(rpc_seconds_bucket[1m])))",
        ),
        (
            promql.latency("native_histogram", "rpc_seconds", 0.95),
            "histogram_quantile(0.95, sum(rate(rpc_seconds[5m])))",
        ),
        (
            promql.error_ratio("http_requests_total", 'job="api"', "status"),
            'sum(rate(http_requests_total{job="api",status=~"5.."}[5m])) / '
            'sum(rate(http_requests_total{job="api"}[5m]))',
        ),
        (promql.queue_depth("rabbitmq", "orders"),
         'sum(rabbitmq_queue_messages_ready{queue="orders"})'),
        (promql.queue_depth("kafka_lag", "billing"),
         'sum(kafka_consumergroup_lag{consumergroup="billing"})'),
        (promql.queue_depth("celery", "default"), 'sum(celery_queue_length{queue_name="default"})'),
        (promql.queue_depth("redis_list", 'jobs"x'), 'sum(redis_key_size{key="jobs\\"x"})'),
        (promql.backup_last_success("cronjob", "db-backup", "shop"),
         'max(kube_cronjob_status_last_successful_time{cronjob="db-backup",namespace="shop"})'),
        (promql.backup_last_success("velero", "nightly"),
         'max(velero_backup_last_successful_timestamp{schedule="nightly"})'),
        (promql.backup_last_success("pushgateway", "pg_dump"),
         'max(push_time_seconds{job="pg_dump"})'),
    ],
)  # fmt: skip
def test_presets_build_the_expected_promql(built: str, expected: str) -> None:
    assert built == expected


def test_config_errors_name_the_preset_and_the_fix(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[prometheus]\nurl = "http://x:9090"\n'
        '[panels.latency]\npreset = "histogram"\nmetric = "http-duration"\n'
        '[panels.queue]\npreset = "rabbitmq"\nname = "orders"\nquery = "x"\n'
        '[panels.backup]\npreset = "nightly"\nname = "db"\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = caught.value.render()
    assert "'http-duration' is not a Prometheus metric name" in text
    assert "panels.queue: give preset or query, not both" in text
    assert "unknown backup preset 'nightly'; use one of cronjob, velero, pushgateway" in text


@pytest.mark.slow
async def test_histogram_preset_equals_the_hand_written_query(
    prometheus: PromServer, tmp_path: Path
) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        f'[prometheus]\nurl = "{prometheus.url}"\n'
        '[panels.latency]\npreset = "histogram"\nmetric = "http_request_duration_seconds"\n'
        'window = "10s"\n'
    )
    config = load_config(path)
    assert config.panels.latency is not None
    assert config.panels.latency.p95_query == P95
    measures = (Measure("p95", "p95", "seconds", Threshold(crit=0.3)),)
    client = PrometheusClient(prometheus.url, timeout=10)
    source = PrometheusLatency("latency", measures, client, "", config.panels.latency.p95_query)
    try:
        reading = await source.read()
    finally:
        await source.aclose()
    assert reading.error is None and 0.25 < reading.values["p95"] <= 0.5


@pytest.mark.parametrize(
    ("burn", "verdict"),
    [
        ({"1h": 20.0, "5m": 15.0, "6h": 7.0, "30m": 9.0}, "page"),
        ({"1h": 20.0, "5m": 2.0, "6h": 7.0, "30m": 9.0}, "ticket"),  # the 5 m window cooled
        ({"1h": 5.0, "5m": 5.0, "6h": 6.0, "30m": 5.9}, "ok"),
        ({}, "ok"),
    ],
)
def test_multiwindow_burn_verdict(burn: dict[str, float], verdict: str) -> None:
    assert promql.burn_verdict(burn) == verdict


def test_burn_rate_needs_the_preset(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text(
        '[prometheus]\nurl = "http://x:9090"\n[panels.error_rate]\nquery = "q"\nburn_rate = true\n'
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert 'burn_rate needs preset = "http_5xx"' in caught.value.render()


@pytest.mark.slow
@pytest.mark.parametrize(("slo_percent", "verdict"), [(1.0, "OK"), (0.1, "PAGE")])
async def test_burn_rate_against_a_real_prometheus(
    prometheus: PromServer, tmp_path: Path, slo_percent: float, verdict: str
) -> None:
    from cockpit.runtime.wiring import Runtime, build_sources

    path = tmp_path / "c.toml"
    path.write_text(
        f'[prometheus]\nurl = "{prometheus.url}"\n'
        '[panels.error_rate]\npreset = "http_5xx"\nmetric = "http_requests_total"\n'
        f'window = "10s"\nburn_rate = true\nslo_percent = {slo_percent}\n'
    )
    sources = build_sources(Runtime.build(load_config(path)))
    ((source, _),) = sources.sources
    try:
        reading = await source.read()
    finally:
        await sources.aclose()
    assert reading.error is None, reading.error
    # 3 % of requests fail: 3× the budget at a 99 % SLO (ok), 30× at 99.9 % (page).
    assert f"→ {verdict}" in reading.note
    assert reading.values["burn_1h"] == pytest.approx(3.0 / slo_percent, rel=0.2)
