"""The due-date views of the list: which due dates `due=...` and `due_before/after` keep,
with today taken in the client's time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import MISSING

from todo_async.problems import Problem
from todo_async.repository import DueRange
from todo_async.schemas import ListQuery


def time_zone(name: str) -> ZoneInfo:
    """The IANA zone of that name; 400 if there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise Problem(
            400,
            f"Unknown time zone {name!r}: send an IANA name such as Europe/Paris.",
            errors=[
                {
                    "location": "query",
                    "field": "tz",
                    "message": "Not an IANA time zone name",
                    "type": "time_zone",
                }
            ],
        ) from None


def today_in(zone: dt.tzinfo, now: dt.datetime) -> dt.date:
    """The calendar date at `now` (aware) where the client is."""
    return now.astimezone(zone).date()


def due_range(query: ListQuery, now: dt.datetime) -> tuple[DueRange, bool | None]:
    """The due dates the query keeps, and whether it asks only for open (False) or done
    (True) todos: overdue is about open ones."""
    completed = None if query.completed is MISSING else query.completed == "true"
    # A zone given is checked even where no view needs it: an unknown one is always 400.
    zone = dt.UTC if query.tz is MISSING else time_zone(query.tz)
    due = DueRange(
        before=None if query.due_before is MISSING else query.due_before,
        after=None if query.due_after is MISSING else query.due_after,
    )
    if query.due is MISSING:
        return due, completed
    if query.due == "none":
        return replace(due, none=True), completed
    today = today_in(zone, now)
    if query.due == "today":
        return replace(due, on=today), completed
    if query.due == "upcoming":
        return replace(due, after=max(today, due.after or today)), completed
    overdue = replace(due, before=min(today, due.before or today))
    # Overdue todos are open ones: asked for completed ones too, none are both.
    if completed:
        return replace(overdue, open_only=True), completed
    return overdue, False
