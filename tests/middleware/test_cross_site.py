"""Which requests come from another site's page (the authentication middleware refuses
unsafe ones not made with a token: tests/api/test_cross_site.py)."""

from __future__ import annotations

import pytest

from todo_async.middleware.cross_site import cross_site

HOST = {"Host": "todo.example"}
CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site", "Origin": "https://todo.example"},
    {"Origin": "https://evil.example"},
    {"Origin": "https://todo.example.evil.example"},
    {"Origin": "null"},
]
SAME_SITE = [
    {"Sec-Fetch-Site": "same-origin", "Origin": "https://todo.example"},
    {"Sec-Fetch-Site": "none"},
    {"Sec-Fetch-Site": "Same-Origin"},
    {"Origin": "https://todo.example"},
    {"Origin": "http://TODO.example"},  # behind a TLS-terminating proxy
    {},  # no browser: curl, a script
]


def raw(headers: dict[str, str]) -> list[tuple[bytes, bytes]]:
    return [(name.lower().encode(), value.encode()) for name, value in headers.items()]


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_another_sites_requests_are_cross_site(headers: dict[str, str]) -> None:
    assert cross_site(raw({**HOST, **headers}))


@pytest.mark.parametrize("headers", SAME_SITE)
def test_same_origin_and_non_browser_requests_are_not(headers: dict[str, str]) -> None:
    assert not cross_site(raw({**HOST, **headers}))


def test_an_origin_without_a_host_is_cross_site() -> None:
    assert cross_site(raw({"Origin": "https://todo.example"}))
