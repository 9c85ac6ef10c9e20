"""What is made from a query string is made once per query string, and the cache is bounded."""

from __future__ import annotations

from todo_async.serving.query_cache import QUERY_CACHE_SIZE, per_query_string


def test_made_once_per_query_string_and_bounded() -> None:
    made: list[bytes] = []

    @per_query_string
    def parsed(query_string: bytes) -> list[str]:
        made.append(query_string)
        return query_string.decode().split("&")

    first = parsed(b"limit=5&completed=true")
    assert parsed(b"limit=5&completed=true") is first
    assert made == [b"limit=5&completed=true"]

    for n in range(QUERY_CACHE_SIZE + 1):
        parsed(f"cursor={n}".encode())
    # The first query string has been pushed out: made anew.
    parsed(b"limit=5&completed=true")
    assert made.count(b"limit=5&completed=true") == 2
