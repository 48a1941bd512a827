"""`format_utc`: one function, two shapes, each for its reader."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.core.records import EARLIEST, LATEST, format_utc

EAST = timezone(timedelta(hours=5, minutes=30))
times = st.datetimes(
    min_value=EARLIEST.replace(tzinfo=None),
    max_value=LATEST.replace(tzinfo=None),
    timezones=st.just(UTC),
)


def test_the_record_shape_and_the_shape_people_read() -> None:
    moment = datetime(2026, 11, 24, 19, 32, 5, 120, tzinfo=EAST)
    assert format_utc(moment) == "2026-11-24T14:02:05.000120Z"
    assert format_utc(moment, for_people=True) == "2026-11-24 14:02 UTC"


@given(times, times)
def test_record_text_sorts_as_time_does(first: datetime, second: datetime) -> None:
    texts = (format_utc(first), format_utc(second))
    assert len(texts[0]) == len(texts[1]) == 27
    assert (texts[0] < texts[1]) == (first < second)


def test_the_record_refuses_a_time_without_zone_but_people_still_see_an_odd_one() -> None:
    with pytest.raises(ValueError, match="no timezone"):
        format_utc(datetime(2026, 11, 24, 14, 2))
    dated_1969 = datetime(1969, 12, 31, 23, 59, tzinfo=UTC)  # a backup file's mtime, say
    with pytest.raises(ValueError, match="outside the range"):
        format_utc(dated_1969)
    assert format_utc(dated_1969, for_people=True) == "1969-12-31 23:59 UTC"
