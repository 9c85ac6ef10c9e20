import datetime as dt
import re

import pytest

from todo_async.pagination import NO_DUE, PATTERN, Cursor, InvalidCursor


def test_round_trip() -> None:
    cursor = Cursor(sort_key=2**62, id=123456789)
    assert Cursor.decode(cursor.encode()) == cursor


@pytest.mark.parametrize(
    "cursor", [Cursor(-(2**63), 2**63 - 1), Cursor(0, 0), Cursor(-(2**53), 2**40)]
)
def test_tokens_match_the_pattern(cursor: Cursor) -> None:
    assert re.fullmatch(PATTERN, cursor.encode())


@pytest.mark.parametrize("token", ["AAAAAAAAAAAAAAAAAAAAAA", "_____________________w"])
def test_every_token_the_pattern_admits_decodes(token: str) -> None:
    assert re.fullmatch(PATTERN, token)
    assert Cursor.decode(token).encode() == token


@pytest.mark.parametrize(
    "token",
    [
        "",
        "!!!",
        "bnVsbA",
        "WzFd",
        "WzEsMiwzXQ",
        "WyJhIiwxXQ",
        "WzEuNSwxXQ",
        "AAAAAAAAAAAAAAAAAAAAAB",
        "AAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAA+w",
    ],
)
def test_rejects_tokens_it_did_not_issue(token: str) -> None:
    with pytest.raises(InvalidCursor):
        Cursor.decode(token)


@pytest.mark.parametrize(
    "cursor",
    [Cursor(2**62, 7, dt.date(2026, 3, 29).toordinal()), Cursor(-5, 2**63 - 1, NO_DUE)],
)
def test_due_order_cursors_round_trip_and_match_the_pattern(cursor: Cursor) -> None:
    token = cursor.encode()
    assert re.fullmatch(PATTERN, token)
    assert Cursor.decode(token) == cursor


@pytest.mark.parametrize(
    ("due_day", "due"),
    [
        (dt.date(2026, 3, 29).toordinal(), dt.date(2026, 3, 29)),
        (NO_DUE, None),
        (-(2**63), dt.date.min),
        (NO_DUE - 1, dt.date.max),
    ],
)
def test_a_due_cursor_names_a_date_even_when_forged(due_day: int, due: dt.date | None) -> None:
    token = Cursor(1, 1, due_day).encode()
    assert Cursor.decode(token).due == due


def test_a_list_cursor_names_no_due_day() -> None:
    assert Cursor.decode(Cursor(1, 2).encode()).due_day is None
