"""The account store on both databases: users, sessions, tokens, and who a digest names."""

from __future__ import annotations

import datetime as dt

import pytest

from todo_async.accounts import store as store_module
from todo_async.accounts.credentials import digest
from todo_async.accounts.identity import Owner
from todo_async.accounts.store import AccountStore
from todo_async.database.engine import TodoDatabase
from todo_async.database.tables import OPEN_LIST_OWNER
from todo_async.repository import TodoRepository

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
IDLE_S = 3600
SESSIONS = TOKENS = 5


@pytest.fixture
def accounts(database: TodoDatabase) -> AccountStore:
    return AccountStore(database)


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


async def test_a_name_is_taken_once(accounts: AccountStore) -> None:
    ann = await accounts.create_user("ann", "hash-1")
    again = await accounts.create_user("ann", "hash-2")
    bob = await accounts.create_user("bob", "hash-3")

    assert ann is not None
    assert bob is not None
    assert again is None
    assert ann.id != bob.id
    assert OPEN_LIST_OWNER not in (ann.id, bob.id)
    found = await accounts.password_hash("ann")
    assert found is not None
    assert found[1] == "hash-1"
    assert (found[0].id, found[0].username) == (ann.id, "ann")
    assert found[0].created_at.tzinfo is not None
    assert await accounts.password_hash("nobody") is None
    assert [user.username for user in await accounts.users()] == ["ann", "bob"]


async def test_a_session_names_its_user_until_it_ends_or_expires(accounts: AccountStore) -> None:
    ann = await accounts.create_user("ann", "h")
    assert ann is not None
    await accounts.start_session(ann.id, digest("live"), now() + HOUR, SESSIONS)
    await accounts.start_session(ann.id, digest("expired"), now() - HOUR, SESSIONS)

    assert await accounts.session_owner(digest("live"), now(), IDLE_S) == Owner(ann.id, "ann")
    assert await accounts.session_owner(digest("expired"), now(), IDLE_S) is None
    assert await accounts.session_owner(digest("never started"), now(), IDLE_S) is None

    await accounts.end_session(digest("live"))
    assert await accounts.session_owner(digest("live"), now(), IDLE_S) is None


async def test_a_new_session_clears_the_users_expired_ones(
    accounts: AccountStore, database: TodoDatabase
) -> None:
    ann = await accounts.create_user("ann", "h")
    assert ann is not None
    await accounts.start_session(ann.id, digest("old"), now() - HOUR, SESSIONS)
    await accounts.start_session(ann.id, digest("new"), now() + HOUR, SESSIONS)

    assert await database.fetch_val("SELECT count(*) FROM sessions") == 1


async def test_tokens_are_listed_and_revoked_by_their_owner_only(accounts: AccountStore) -> None:
    ann = await accounts.create_user("ann", "h")
    bob = await accounts.create_user("bob", "h")
    assert ann is not None
    assert bob is not None
    laptop = await accounts.create_token(ann.id, "laptop", digest("tdat_a"), DAY, TOKENS)
    await accounts.create_token(ann.id, "phone", digest("tdat_b"), DAY, TOKENS)

    assert [token.name for token in await accounts.tokens(ann.id)] == ["laptop", "phone"]
    assert await accounts.tokens(bob.id) == []
    assert await accounts.token_owner(digest("tdat_a"), now()) == Owner(ann.id, "ann")
    assert await accounts.token_owner(digest("tdat_unknown"), now()) is None

    assert not await accounts.revoke_token(bob.id, laptop.id)
    assert await accounts.token_owner(digest("tdat_a"), now()) == Owner(ann.id, "ann")
    assert await accounts.revoke_token(ann.id, laptop.id)
    assert not await accounts.revoke_token(ann.id, laptop.id)
    assert await accounts.token_owner(digest("tdat_a"), now()) is None
    assert [token.name for token in await accounts.tokens(ann.id)] == ["phone"]


async def test_another_store_stops_believing_a_revoked_token_after_the_cache_time(
    accounts: AccountStore, database: TodoDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another worker's store: it asks the database again once its memory runs out."""
    other_worker = AccountStore(database)
    ann = await accounts.create_user("ann", "h")
    assert ann is not None
    token = await accounts.create_token(ann.id, "ci", digest("tdat_ci"), DAY, TOKENS)
    assert await other_worker.token_owner(digest("tdat_ci"), now()) is not None

    await accounts.revoke_token(ann.id, token.id)
    assert await other_worker.token_owner(digest("tdat_ci"), now()) is not None
    clock = store_module.time.monotonic() + store_module.OWNER_CACHE_S
    monkeypatch.setattr(store_module.time, "monotonic", lambda: clock)
    assert await other_worker.token_owner(digest("tdat_ci"), now()) is None


async def test_deleting_a_user_takes_their_todos_sessions_and_tokens_only(
    accounts: AccountStore, database: TodoDatabase
) -> None:
    ann = await accounts.create_user("ann", "h")
    bob = await accounts.create_user("bob", "h")
    assert ann is not None
    assert bob is not None
    todos = TodoRepository(database)
    for owner in (ann.id, bob.id, OPEN_LIST_OWNER):
        await todos.create(owner, {"title": f"of {owner}", "completed": False})
    await accounts.start_session(ann.id, digest("ann's"), now() + HOUR, SESSIONS)
    await accounts.create_token(ann.id, "t", digest("tdat_ann"), DAY, TOKENS)
    await accounts.create_token(bob.id, "t", digest("tdat_bob"), DAY, TOKENS)
    assert await accounts.session_owner(digest("ann's"), now(), IDLE_S) is not None

    assert await accounts.delete_user("ann")
    assert not await accounts.delete_user("ann")

    assert [user.username for user in await accounts.users()] == ["bob"]
    assert await accounts.session_owner(digest("ann's"), now(), IDLE_S) is None
    assert await accounts.token_owner(digest("tdat_ann"), now()) is None
    assert await accounts.token_owner(digest("tdat_bob"), now()) == Owner(bob.id, "bob")
    remaining = await database.fetch_all("SELECT owner_id FROM todos ORDER BY owner_id")
    assert [row[0] for row in remaining] == [OPEN_LIST_OWNER, bob.id]
    assert await database.fetch_val("SELECT count(*) FROM sessions") == 0


async def test_adopting_the_open_list_moves_only_its_todos(
    accounts: AccountStore, database: TodoDatabase
) -> None:
    ann = await accounts.create_user("ann", "h")
    bob = await accounts.create_user("bob", "h")
    assert ann is not None
    assert bob is not None
    todos = TodoRepository(database)
    for title in ("one", "two"):
        await todos.create(OPEN_LIST_OWNER, {"title": title, "completed": False})
    await todos.create(bob.id, {"title": "bob's", "completed": False})

    assert await accounts.adopt_open_list(ann.id) == 2
    assert await accounts.adopt_open_list(ann.id) == 0

    page, _ = await todos.page(ann.id, completed=None, category=None, limit=10, after=None)
    assert [row[1] for row in page] == ["one", "two"]
    bobs, _ = await todos.page(bob.id, completed=None, category=None, limit=10, after=None)
    assert [row[1] for row in bobs] == ["bob's"]


async def test_past_the_most_sessions_the_oldest_ends(accounts: AccountStore) -> None:
    ann = await accounts.create_user("ann", "h")
    assert ann is not None
    for n in range(SESSIONS + 2):
        await accounts.start_session(ann.id, digest(f"s{n}"), now() + HOUR + n * DAY, SESSIONS)

    live = [
        n
        for n in range(SESSIONS + 2)
        if await accounts.session_owner(digest(f"s{n}"), now(), IDLE_S)
    ]
    assert live == list(range(2, SESSIONS + 2))


async def test_an_unknown_credential_is_remembered_briefly(
    accounts: AccountStore, database: TodoDatabase, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = await accounts.create_user("ann", "h")
    assert ann is not None
    assert await accounts.token_owner(digest("tdat_later"), now()) is None
    # Made by another worker meanwhile: this one believes its miss for UNKNOWN_CACHE_S.
    await AccountStore(database).create_token(ann.id, "late", digest("tdat_later"), DAY, TOKENS)
    assert await accounts.token_owner(digest("tdat_later"), now()) is None
    clock = store_module.time.monotonic() + store_module.UNKNOWN_CACHE_S
    monkeypatch.setattr(store_module.time, "monotonic", lambda: clock)
    assert await accounts.token_owner(digest("tdat_later"), now()) == Owner(ann.id, "ann")
