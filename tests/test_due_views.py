"""Today in the client's time zone, across DST changes and skipped days; unknown zones."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from todo_async.due_views import time_zone, today_in
from todo_async.problems import Problem


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("zone", "moment", "today"),
    [
        # Paris springs forward at 01:00 UTC on 2026-03-29: local midnight is 23:00 UTC before.
        ("Europe/Paris", "2026-03-28T22:59:59", "2026-03-28"),
        ("Europe/Paris", "2026-03-28T23:00:00", "2026-03-29"),
        ("Europe/Paris", "2026-03-29T22:00:00", "2026-03-30"),
        # New York falls back at 06:00 UTC on 2026-11-01: midnight before it is still EDT.
        ("America/New_York", "2026-11-01T03:59:59", "2026-10-31"),
        ("America/New_York", "2026-11-01T04:00:00", "2026-11-01"),
        ("America/New_York", "2026-11-02T04:59:59", "2026-11-01"),
        # Samoa skipped 2011-12-30 moving across the date line: no moment was that day there.
        ("Pacific/Apia", "2011-12-30T09:59:59", "2011-12-29"),
        ("Pacific/Apia", "2011-12-30T10:00:00", "2011-12-31"),
        # A zone a quarter hour off the hour.
        ("Asia/Kathmandu", "2026-06-30T18:14:59", "2026-06-30"),
        ("Asia/Kathmandu", "2026-06-30T18:15:00", "2026-07-01"),
    ],
)
def test_today_is_the_local_date_at_that_moment(zone: str, moment: str, today: str) -> None:
    assert today_in(ZoneInfo(zone), utc(moment)) == dt.date.fromisoformat(today)


@pytest.mark.parametrize("name", ["Nowhere/Land", "Europe", "UTC/../../etc/passwd", "Etc/GMT+99"])
def test_an_unknown_zone_is_a_400_naming_tz(name: str) -> None:
    with pytest.raises(Problem) as raised:
        time_zone(name)

    assert raised.value.status == 400
    assert raised.value.errors is not None
    assert raised.value.errors[0]["field"] == "tz"


def test_a_known_zone_is_found() -> None:
    assert time_zone("America/Argentina/Buenos_Aires") == ZoneInfo("America/Argentina/Buenos_Aires")
