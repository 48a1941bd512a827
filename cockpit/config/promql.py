"""PromQL presets: a metric name in, the query a panel needs out, so a config names what it
measures rather than re-typing `histogram_quantile(...)`. Pure; names and label values are
validated and escaped here, once."""

from __future__ import annotations

import re

METRIC_NAME = re.compile(r"^[a-zA-Z_:][a-zA-Z0-9_:]*$")
LABEL_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")
WINDOW = re.compile(r"^[0-9]+(ms|s|m|h|d|w|y)$")

LATENCY_PRESETS = ("histogram", "native_histogram")
ERROR_PRESETS = ("http_5xx",)
QUEUE_PRESETS = ("rabbitmq", "kafka_lag", "celery", "redis_list")
BACKUP_PRESETS = ("cronjob", "velero", "pushgateway")


def check_metric(name: str) -> str:
    if not METRIC_NAME.match(name):
        raise ValueError(f"{name!r} is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)")
    return name


def check_label(name: str) -> str:
    if not LABEL_NAME.match(name):
        raise ValueError(f"{name!r} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)")
    return name


def check_window(window: str) -> str:
    if not WINDOW.match(window):
        raise ValueError(f'expected a PromQL range such as "5m", found {window!r}')
    return window


def quote(value: str) -> str:
    """A PromQL string literal."""
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def matchers(selector: str, *extra: str) -> str:
    """`{a="b",c=~"d"}` from a user selector (already PromQL matchers) plus our own."""
    parts = [p for p in (selector.strip().strip("{}").strip(), *extra) if p]
    return "{" + ",".join(parts) + "}" if parts else ""


def latency(
    preset: str, metric: str, quantile: float, selector: str = "", window: str = "5m"
) -> str:
    check_metric(metric)
    check_window(window)
    if preset == "histogram":
        base = metric.removesuffix("_bucket")
        inner = f"rate({base}_bucket{matchers(selector)}[{window}])"
        return f"histogram_quantile({quantile:g}, sum by (le) ({inner}))"
    if preset == "native_histogram":
        return (
            f"histogram_quantile({quantile:g}, sum(rate({metric}{matchers(selector)}[{window}])))"
        )
    raise ValueError(f"unknown latency preset {preset!r}; use one of {', '.join(LATENCY_PRESETS)}")


def error_ratio(
    metric: str, selector: str = "", status_label: str = "code", window: str = "5m"
) -> str:
    check_metric(metric)
    check_label(status_label)
    check_window(window)
    five_xx = status_label + '=~"5.."'
    errors = f"sum(rate({metric}{matchers(selector, five_xx)}[{window}]))"
    total = f"sum(rate({metric}{matchers(selector)}[{window}]))"
    return f"{errors} / {total}"


def queue_depth(preset: str, name: str) -> str:
    if preset == "rabbitmq":
        return f"sum(rabbitmq_queue_messages_ready{{queue={quote(name)}}})"
    if preset == "kafka_lag":
        return f"sum(kafka_consumergroup_lag{{consumergroup={quote(name)}}})"
    if preset == "celery":
        return f"sum(celery_queue_length{{queue_name={quote(name)}}})"
    if preset == "redis_list":
        return f"sum(redis_key_size{{key={quote(name)}}})"
    raise ValueError(f"unknown queue preset {preset!r}; use one of {', '.join(QUEUE_PRESETS)}")


def backup_last_success(preset: str, name: str, namespace: str = "") -> str:
    """The Unix time of the last successful backup (the backup panel's query contract)."""
    if preset == "cronjob":
        extra = f",namespace={quote(namespace)}" if namespace else ""
        return f"max(kube_cronjob_status_last_successful_time{{cronjob={quote(name)}{extra}}})"
    if preset == "velero":
        return f"max(velero_backup_last_successful_timestamp{{schedule={quote(name)}}})"
    if preset == "pushgateway":
        return f"max(push_time_seconds{{job={quote(name)}}})"
    raise ValueError(f"unknown backup preset {preset!r}; use one of {', '.join(BACKUP_PRESETS)}")


# Multiwindow, multi-burn-rate alerting (the SRE workbook's numbers): page when the error budget
# burns 14.4× too fast over both 1 h and 5 m; open a ticket at 6× over both 6 h and 30 m.
BURN_WINDOWS = ("1h", "5m", "6h", "30m")
PAGE_BURN = 14.4
TICKET_BURN = 6.0


def burn_verdict(burn: dict[str, float]) -> str:
    """"page", "ticket" or "ok" from burn rates keyed by window."""
    if burn.get("1h", 0) >= PAGE_BURN and burn.get("5m", 0) >= PAGE_BURN:
        return "page"
    if burn.get("6h", 0) >= TICKET_BURN and burn.get("30m", 0) >= TICKET_BURN:
        return "ticket"
    return "ok"
