from __future__ import annotations

import pytest

from cockpit.core.units import format_threshold, format_value, parse_duration, short_age


@pytest.mark.parametrize(
    ("seconds", "shown"),
    # The cases of kubectl's HumanDuration (apimachinery duration_test.go), as the AGE column.
    [
        (-2, "<invalid>"),
        (-1, "0s"),
        (0, "0s"),
        (1, "1s"),
        (119, "119s"),
        (120, "2m"),
        (121, "2m1s"),
        (599, "9m59s"),
        (600, "10m"),
        (3 * 3600 - 1, "179m"),
        (3 * 3600, "3h"),
        (3 * 3600 + 60, "3h1m"),
        (8 * 3600 - 1, "7h59m"),
        (8 * 3600, "8h"),
        (48 * 3600 - 1, "47h"),
        (48 * 3600, "2d"),
        (49 * 3600, "2d1h"),
        (8 * 86400 - 1, "7d23h"),
        (8 * 86400, "8d"),
        (2 * 365 * 86400 - 1, "729d"),
        (2 * 365 * 86400, "2y"),
        (2 * 365 * 86400 + 86400, "2y1d"),
        (8 * 365 * 86400, "8y"),
    ],
)
def test_short_age_matches_kubectl(seconds: float, shown: str) -> None:
    assert short_age(seconds) == shown


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("300ms", 0.3), ("15s", 15), ("1h30m", 5400), ("12h", 43200), ("2d", 172800), (5, 5.0),
     ("0.5s", 0.5)],
)
def test_durations(text: str | int, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("bad", ["", "12 hours", "5x", "h", "-3s", True, -1])
def test_bad_durations_say_what_is_expected(bad: object) -> None:
    with pytest.raises(ValueError, match="duration"):
        parse_duration(bad)  # type: ignore[arg-type]


def test_values_are_shown_in_the_units_people_read() -> None:
    assert format_value("seconds", 0.412) == "412 ms"
    assert format_value("seconds", 0.0452) == "45.2 ms"
    assert format_value("ratio", 0.0123) == "1.23 %"
    assert format_value("ratio", 0.5) == "50.0 %"
    assert format_value("count", 1234) == "1234"
    assert format_value("count", 54321) == "54.3 k"
    assert format_value("age", 30 * 3600 + 40 * 60) == "30 h 40 min"
    assert format_value("age", 3 * 86400 + 5 * 3600) == "3 d 5 h"
    assert format_threshold("seconds", 0.3) == "< 300 ms"
    assert format_threshold("age", 36 * 3600, 12 * 3600) == "< 12h/36h"
