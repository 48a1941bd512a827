"""SLO breach and recovery events: confirmed, dated at the start, no flapping spam."""

from __future__ import annotations

from datetime import timedelta

from cockpit.core.model import Measure, Reading, Status, Threshold
from cockpit.incident.breaches import BreachTracker
from tests.conftest import T0

P95 = Measure("p95", "p95", "seconds", Threshold(crit=0.3, warn=0.24))


def reading(seconds: float, p95: float | None, status: Status | None = None) -> Reading:
    values = {} if p95 is None else {"p95": p95}
    if status is None:
        status = P95.threshold.evaluate(p95)
    return Reading("latency", T0 + timedelta(seconds=seconds), values, status)


def tracker() -> BreachTracker:
    return BreachTracker([("latency", "Latency", (P95,))])


def test_one_slow_scrape_is_not_a_breach() -> None:
    t = tracker()
    assert t.feed(reading(0, 0.1)) is None
    assert t.feed(reading(5, 0.9)) is None
    assert t.feed(reading(10, 0.1)) is None
    assert t.feed(reading(15, 0.9)) is None
    assert t.breached() == []


def test_breach_is_confirmed_by_the_second_reading_and_dated_at_the_first() -> None:
    t = tracker()
    t.feed(reading(0, 0.1))
    assert t.feed(reading(5, 0.412)) is None
    change = t.feed(reading(10, 0.5))
    assert change is not None and change.breached
    assert change.occurred_at == T0 + timedelta(seconds=5)
    assert change.text == "Latency: SLO breached — p95 412 ms (SLO < 300 ms)"
    assert t.breached() == ["latency"]


def test_recovery_needs_a_minute_below_the_slo() -> None:
    t = tracker()
    t.feed(reading(0, 0.5))
    t.feed(reading(5, 0.5))
    assert t.feed(reading(10, 0.2)) is None
    assert t.feed(reading(40, 0.2)) is None  # 30 s below: not yet
    change = t.feed(reading(70, 0.25))  # 60 s since the first good reading; WARN is not CRIT
    assert change is not None and not change.breached
    assert change.occurred_at == T0 + timedelta(seconds=10)
    assert change.text.startswith("Latency: SLO recovered — p95 250 ms")


def test_flapping_around_the_threshold_writes_one_breach() -> None:
    t = tracker()
    changes = []
    for i in range(40):
        value = 0.31 if i % 3 else 0.29  # mostly just over, dipping under every third reading
        change = t.feed(reading(i * 5, value))
        if change:
            changes.append(change)
    assert [c.breached for c in changes] == [True]


def test_errors_and_stale_readings_neither_confirm_nor_clear() -> None:
    t = tracker()
    t.feed(reading(0, 0.5))
    t.feed(reading(5, 0.5))
    assert t.breached() == ["latency"]
    for i in range(2, 30):
        assert t.feed(reading(i * 5, None, Status.ERROR)) is None
    assert t.breached() == ["latency"]


def test_panels_without_tracking_are_ignored() -> None:
    t = tracker()
    other = Reading("queue", T0, {"depth": 500}, Status.CRIT)
    assert t.feed(other) is None and t.feed(other) is None
