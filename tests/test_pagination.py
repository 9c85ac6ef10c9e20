import pytest

from todo_async.pagination import Cursor, InvalidCursor


def test_round_trip() -> None:
    cursor = Cursor(sort_key=2**62, id=123456789)
    assert Cursor.decode(cursor.encode()) == cursor


def test_token_is_url_safe() -> None:
    token = Cursor(sort_key=-(2**53), id=2**40).encode()
    assert token.replace("-", "").replace("_", "").isalnum()


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
    ],
)
def test_rejects_tokens_it_did_not_issue(token: str) -> None:
    with pytest.raises(InvalidCursor):
        Cursor.decode(token)
