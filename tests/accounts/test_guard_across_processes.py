"""One guess budget for the whole service: real server processes, each on a new connection,
share it, however many workers or servers take the guesses."""

from __future__ import annotations

import contextlib
from collections import Counter
from pathlib import Path

import httpx
import pytest

from testbed.live_server import live_server
from tests.api.accounts import PASSWORD
from todo_async.accounts.guard import PER_ACCOUNT

ACCOUNTS = {"AUTH_MODE": "accounts"}
GUESSES = 40


def guess_on_new_connections(urls: list[str], name: str) -> Counter[int]:
    """GUESSES wrong passwords for `name`, each on a new connection, spread over `urls`."""
    statuses: Counter[int] = Counter()
    for n in range(GUESSES):
        with httpx.Client(base_url=urls[n % len(urls)]) as http:
            response = http.post("/api/session", json={"username": name, "password": f"no{n}"})
            statuses[response.status_code] += 1
    return statuses


def sign_up(url: str, name: str) -> None:
    response = httpx.post(f"{url}/api/users", json={"username": name, "password": PASSWORD})
    assert response.status_code == 201, response.text


def test_two_workers_check_no_more_than_one_budget(database_url: str, tmp_path: Path) -> None:
    with live_server(database_url, tmp_path, ACCOUNTS, workers=2) as server:
        sign_up(server.url, "ann")
        statuses = guess_on_new_connections([server.url], "ann")
        unknown = guess_on_new_connections([server.url], "nobody")
        assert not server.messages("error")

    assert statuses == {401: PER_ACCOUNT.attempts, 429: GUESSES - PER_ACCOUNT.attempts}
    assert unknown == statuses


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_servers_on_one_database_check_no_more_than_one_budget(
    database_url: str, tmp_path: Path
) -> None:
    with contextlib.ExitStack() as stack:
        servers = [stack.enter_context(live_server(database_url, tmp_path, ACCOUNTS)) for _ in "ab"]
        urls = [server.url for server in servers]
        sign_up(urls[0], "ann")
        statuses = guess_on_new_connections(urls, "ann")

    assert statuses == {401: PER_ACCOUNT.attempts, 429: GUESSES - PER_ACCOUNT.attempts}
