"""Accounts mode through the front door and the load balancer: no credentials, no todos;
a token signs in on every task behind it; two users never see, count or delete each
other's todos."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest

from testbed.accounts import Account
from tests.integration.conftest import new_account
from tests.integration.viewers import Viewers
from todo_async.accounts.store import OWNER_CACHE_S

# Enough requests that round robin sends some to every task behind the load balancer.
ROUNDS = 12


@pytest.fixture
def other(viewers: Viewers, account: Account) -> Account:
    return new_account(viewers)


@pytest.fixture
def anonymous(viewers: Viewers) -> Iterator[httpx.Client]:
    with viewers.client() as client:
        yield client


def client_for(viewers: Viewers, account: Account) -> httpx.Client:
    return viewers.client(headers=account.headers)


def create(client: httpx.Client, title: str, category: str) -> dict[str, object]:
    response = client.post("/api/todos", json={"title": title, "category": category})
    assert response.status_code == 201, response.text
    body: dict[str, object] = response.json()
    return body


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/todos"),
        ("POST", "/api/todos"),
        ("DELETE", "/api/todos"),
        ("GET", "/api/categories"),
        ("GET", "/api/todos/1"),
        ("GET", "/api/tokens"),
    ],
)
def test_without_credentials_every_api_call_is_401_with_a_challenge(
    account: Account, anonymous: httpx.Client, method: str, path: str
) -> None:
    response = anonymous.request(method, path, json={"title": "sneak in"})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_wrong_token_is_401(account: Account, anonymous: httpx.Client) -> None:
    response = anonymous.get("/api/todos", headers={"Authorization": "Bearer tdat_not-a-token"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_token_works_on_every_task_until_it_is_revoked(
    viewers: Viewers, account: Account
) -> None:
    """The task that revokes a token forgets it at once; the others believe what they
    looked up for at most OWNER_CACHE_S, then ask the one database they share."""
    with client_for(viewers, account) as client:
        sessions = [client.get("/api/session") for _ in range(ROUNDS)]
        listed = [client.get("/api/todos").status_code for _ in range(ROUNDS)]
        revoked = client.delete(f"/api/tokens/{account.token_id}")
        at = time.monotonic()
        after = [client.get("/api/todos").status_code for _ in range(ROUNDS)]
        while set(after) != {401} and time.monotonic() - at < OWNER_CACHE_S + 5:
            time.sleep(0.25)
            after = [client.get("/api/todos").status_code for _ in range(ROUNDS)]
        refused_after = time.monotonic() - at

    assert {s.status_code for s in sessions} == {200}
    assert {(s.json()["username"], s.json()["mode"]) for s in sessions} == {
        (account.username, "accounts")
    }
    assert set(listed) == {200}
    assert revoked.status_code == 204
    print(f"a revoked token refused by every task {refused_after:.1f} s after the revocation")
    assert set(after) == {401}
    assert refused_after <= OWNER_CACHE_S + 2


def test_two_users_lists_counts_and_bulk_deletes_are_their_own(
    viewers: Viewers, account: Account, other: Account
) -> None:
    # The same category name for both: only the owner separates them.
    category = f"it-shared-{uuid.uuid4().hex[:8]}"
    with client_for(viewers, account) as mine, client_for(viewers, other) as theirs:
        my_todos = [create(mine, title, category) for title in ("mine one", "mine two")]
        their_todos = [create(theirs, title, category) for title in ("theirs", "theirs too")]
        for client, todo in ((mine, my_todos[0]), (theirs, their_todos[0])):
            patched = client.patch(f"/api/todos/{todo['id']}", json={"completed": True})
            assert patched.status_code == 200, patched.text

        my_list = mine.get("/api/todos").json()
        their_list = theirs.get("/api/todos", params={"category": category}).json()
        my_categories = mine.get("/api/categories").json()
        their_categories = theirs.get("/api/categories").json()

        cleared = mine.delete("/api/todos", params={"completed": "true"})
        their_after_clear = theirs.get("/api/todos").json()
        wiped = theirs.delete("/api/todos")
        my_after_wipe = mine.get("/api/todos").json()
        their_after_wipe = theirs.get("/api/todos").json()

    assert [t["title"] for t in my_list] == ["mine one", "mine two"]
    assert [t["title"] for t in their_list] == ["theirs", "theirs too"]
    for categories in (my_categories, their_categories):
        assert [(c["category"], c["open"], c["completed"]) for c in categories] == [
            (category, 1, 1)
        ]
    assert cleared.json() == {"deleted": 1}
    assert [t["title"] for t in their_after_clear] == ["theirs", "theirs too"]
    # A bulk delete without a filter wipes the caller's list, nobody else's.
    assert wiped.json() == {"deleted": 2}
    assert [t["title"] for t in my_after_wipe] == ["mine two"]
    assert their_after_wipe == []


def test_another_users_todo_is_404_for_every_method(
    viewers: Viewers, account: Account, other: Account
) -> None:
    with client_for(viewers, account) as mine, client_for(viewers, other) as theirs:
        todo = create(mine, "private", f"it-{uuid.uuid4().hex[:8]}")
        url = f"/api/todos/{todo['id']}"
        answers = [
            theirs.get(url),
            theirs.patch(url, json={"title": "taken over"}),
            theirs.delete(url),
        ]
        kept = mine.get(url)

    assert [a.status_code for a in answers] == [404, 404, 404]
    assert all(a.headers["content-type"] == "application/problem+json" for a in answers)
    assert kept.status_code == 200
    assert kept.json()["title"] == "private"


def test_a_taken_name_and_a_wrong_password_are_refused(
    account: Account, anonymous: httpx.Client
) -> None:
    taken = anonymous.post(
        "/api/users", json={"username": account.username, "password": "another password"}
    )
    wrong = anonymous.post(
        "/api/session", json={"username": account.username, "password": "not the password"}
    )
    assert taken.status_code == 409
    assert wrong.status_code == 401
    assert "set-cookie" not in wrong.headers
