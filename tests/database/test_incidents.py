"""One line at the first failure, a summary while failures go on, one line at the end."""

from __future__ import annotations

import logging
import sqlite3

import pytest

from todo_async.database.failures import DISK_FULL, UNAVAILABLE
from todo_async.database.incidents import Incidents


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def incidents(clock: Clock) -> Incidents:
    return Incidents(summary_every=10.0, settle=1.0, clock=clock)


def lines(caplog: pytest.LogCaptureFixture) -> list[tuple[str, str]]:
    return [(record.levelname, record.getMessage()) for record in caplog.records]


REFUSED = ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)")


def test_one_warning_a_summary_every_10_s_and_one_line_at_the_end(
    incidents: Incidents, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "todo_async.database.incidents")
    for _ in range(20):  # 2.5 s of failures, one every 0.125 s
        incidents.failed(UNAVAILABLE, REFUSED)
        clock.now += 0.125
    assert lines(caplog) == [
        (
            "WARNING",
            "database unavailable: ConnectionRefusedError: [Errno 111] Connect call failed"
            " ('127.0.0.1', 5432); answering 503 with Retry-After until it recovers",
        )
    ]
    for _ in range(64):  # to 10.5 s
        incidents.failed(UNAVAILABLE, REFUSED)
        clock.now += 0.125
    assert len(caplog.records) == 2
    assert caplog.records[1].getMessage() == (
        "database unavailable goes on: 80 more failures in the last 10 s, 81 since it began"
        " 10 s ago; latest: ConnectionRefusedError: [Errno 111] Connect call failed"
        " ('127.0.0.1', 5432)"
    )
    assert incidents.any_open
    incidents.answered(wrote=False)
    assert incidents.any_open, "ended within a second of the last failure"
    clock.now += 1.0
    incidents.answered(wrote=False)
    assert not incidents.any_open
    assert lines(caplog)[2] == (
        "INFO",
        "database unavailable over: answering again after 10.5 s, 84 failures answered 503",
    )
    assert all(record.exc_info is None for record in caplog.records)


def test_a_full_disk_ends_with_a_write_not_a_read(
    incidents: Incidents, clock: Clock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "todo_async.database.incidents")
    full = sqlite3.OperationalError("database or disk is full")
    incidents.failed(DISK_FULL, full)
    clock.now += 5
    incidents.answered(wrote=False)
    assert incidents.any_open
    incidents.answered(wrote=True)
    assert not incidents.any_open
    assert [message for _, message in lines(caplog)][-1] == (
        "database disk full over: answering again after 5.0 s, 1 failures answered 507"
    )


def test_kinds_are_incidents_of_their_own(incidents: Incidents, clock: Clock) -> None:
    incidents.failed(UNAVAILABLE, REFUSED)
    incidents.failed(DISK_FULL, sqlite3.OperationalError("database or disk is full"))
    clock.now += 2
    incidents.answered(wrote=False)
    assert incidents.any_open  # the full disk waits for a write
    incidents.answered(wrote=True)
    assert not incidents.any_open
