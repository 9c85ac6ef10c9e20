import re

import pytest

from todo_async.pagination import PATTERN, Cursor, InvalidCursor


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
        "Wzk5OTk5OTk5OTk5OTk5OTk5OTk5LDFd",
        "AAAAAAAAAAAAAAAAAAAAAB",
        "AAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAAAAAA",
        "AAAAAAAAAAAAAAAAAAAA+w",
    ],
)
def test_rejects_tokens_it_did_not_issue(token: str) -> None:
    with pytest.raises(InvalidCursor):
        Cursor.decode(token)
