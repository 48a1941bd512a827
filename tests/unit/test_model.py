from __future__ import annotations

from datetime import timedelta

import pytest

from cockpit.core.model import History, Measure, PanelState, Reading, Status, Threshold, evaluate
from tests.conftest import T0

LATENCY = (
    Measure("p50", "p50", "seconds", Threshold(crit=0.150, warn=0.120)),
    Measure("p95", "p95", "seconds", Threshold(crit=0.300, warn=0.240)),
)


@pytest.mark.parametrize(
    ("value", "status"),
    [(0.1, Status.OK), (0.12, Status.WARN), (0.149, Status.WARN), (0.15, Status.CRIT),
     (None, Status.UNKNOWN), (float("nan"), Status.UNKNOWN)],
)
def test_threshold_bands(value: float | None, status: Status) -> None:
    assert Threshold(crit=0.150, warn=0.120).evaluate(value) is status


def test_worst_measure_wins() -> None:
    assert evaluate(LATENCY, {"p50": 0.05, "p95": 0.41}) is Status.CRIT
    assert evaluate(LATENCY, {"p50": 0.13, "p95": 0.1}) is Status.WARN
    assert evaluate(LATENCY, {}) is Status.UNKNOWN


def test_every_status_has_a_word_and_a_distinct_symbol() -> None:
    symbols = {s.symbol for s in Status}
    assert len(symbols) == len(Status)
    assert Status.CRIT.badge == "✗ CRIT"


def test_readings_are_immutable_and_utc() -> None:
    reading = Reading("latency", T0, {"p95": 0.2})
    with pytest.raises(TypeError):
        reading.values["p95"] = 1.0  # type: ignore[index]
    with pytest.raises(ValueError, match="timezone"):
        Reading("latency", T0.replace(tzinfo=None), {})


def test_history_keeps_thirty_minutes() -> None:
    history = History()
    for i in range(0, 3600, 60):
        history.add(T0 + timedelta(seconds=i), {"p95": float(i)})
    points = history.points("p95")
    assert points[-1][1] == 3540.0
    assert (points[-1][0] - points[0][0]) <= timedelta(minutes=30)
    assert len(points) == 31


def test_panel_turns_stale_after_three_intervals_and_says_so() -> None:
    state = PanelState("latency", "Latency", LATENCY, interval=5)
    state.apply(Reading("latency", T0, {"p50": 0.1, "p95": 0.2}, Status.OK))
    fresh = state.view(T0 + timedelta(seconds=15))
    assert fresh.status is Status.OK and not fresh.stale
    old = state.view(T0 + timedelta(seconds=16))
    assert old.stale and old.status is Status.STALE and old.age == 16
    # The old number is still there to read, but every measure says STALE, not OK.
    assert old.values["p95"] == 0.2
    assert old.measure_status(LATENCY[1]) is Status.STALE


def test_an_error_keeps_the_last_good_values_and_the_message() -> None:
    state = PanelState("latency", "Latency", LATENCY, interval=5)
    state.apply(Reading("latency", T0, {"p50": 0.1, "p95": 0.2}, Status.OK))
    state.apply(Reading.failure("latency", T0 + timedelta(seconds=5), "connection refused"))
    view = state.view(T0 + timedelta(seconds=6))
    assert view.status is Status.ERROR
    assert view.error == "connection refused"
    assert view.values["p95"] == 0.2 and view.age == 6
    # Recovery clears the error.
    state.apply(Reading("latency", T0 + timedelta(seconds=10), {"p50": 0.1, "p95": 0.5},
                        Status.CRIT))
    view = state.view(T0 + timedelta(seconds=10))
    assert view.error is None and view.status is Status.CRIT


def test_a_panel_that_never_answered_shows_the_error_not_a_number() -> None:
    state = PanelState("queue", "Queue", (), interval=5)
    assert state.view(T0).status is Status.UNKNOWN
    state.apply(Reading.failure("queue", T0, "timed out after 5s"))
    view = state.view(T0)
    assert view.status is Status.ERROR and view.values == {} and view.error
