"""Users, their sessions and tokens in the database, and who a presented credential belongs to.

Credentials arrive as digests (`credentials.digest`): no secret is ever stored or compared
in the clear. Looking a credential up is on every request's path, so the owner it names is
kept in memory for `OWNER_CACHE_S`; ending a session or revoking a token forgets it here
at once, and another worker or task stops accepting it within that time.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ClauseElement

from todo_async.accounts.identity import Owner
from todo_async.database.engine import TodoDatabase
from todo_async.database.tables import OPEN_LIST_OWNER, sessions, todos, tokens, users

# How long a looked-up credential is believed without asking the database again.
OWNER_CACHE_S = 5.0
# Credentials remembered at most; past it the memory starts over, so it stays bounded.
OWNER_CACHE_SIZE = 10_000


@dataclass(frozen=True, slots=True)
class User:
    id: int
    username: str
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class TokenInfo:
    id: int
    name: str
    created_at: dt.datetime


def _utc(value: str | dt.datetime) -> dt.datetime:
    """A stored timestamp as an aware datetime: SQLite hands back its UTC text."""
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _param(name: str, column: Any) -> Any:
    return bindparam(name, None, type_=column.type)


def _delete_where_user(table: Table, column: Column[Any]) -> ClauseElement:
    return delete(table).where(column == _param("user_id", column))


@dataclass(frozen=True, slots=True)
class _Remembered:
    owner: Owner
    # When to ask the database again: OWNER_CACHE_S after the lookup, or the session's end.
    until: float


class AccountStore:
    def __init__(self, database: TodoDatabase) -> None:
        self._db = database
        self._owners: dict[bytes, _Remembered] = {}

    async def _rows(self, shape: str, build: Any, values: dict[str, Any]) -> list[Any]:
        return await self._db.rows(("accounts", shape), build, values)

    async def create_user(self, username: str, password_hash: str) -> User | None:
        """A new user, or None when the name is taken (decided by the unique index)."""
        dialect = postgresql if self._db.dialect_name == "postgresql" else sqlite

        def build() -> ClauseElement:
            return (  # type: ignore[no-any-return]
                dialect.insert(users)
                .values(
                    username=_param("username", users.c.username),
                    password_hash=_param("password_hash", users.c.password_hash),
                    created_at=_param("now", users.c.created_at),
                )
                .on_conflict_do_nothing(index_elements=[users.c.username])
                .returning(users.c.id)
            )

        now = _now()
        values = {"username": username, "password_hash": password_hash, "now": now}
        rows = await self._rows("create_user", build, values)
        return User(rows[0][0], username, now) if rows else None

    async def password_hash(self, username: str) -> tuple[User, str] | None:
        rows = await self._rows(
            "password_hash",
            lambda: select(users.c.id, users.c.created_at, users.c.password_hash).where(
                users.c.username == _param("username", users.c.username)
            ),
            {"username": username},
        )
        if not rows:
            return None
        user_id, created_at, stored = rows[0]
        return User(user_id, username, _utc(created_at)), stored

    async def users(self) -> list[User]:
        rows = await self._rows(
            "users",
            lambda: select(users.c.id, users.c.username, users.c.created_at).order_by(
                users.c.username
            ),
            {},
        )
        return [User(user_id, name, _utc(created_at)) for user_id, name, created_at in rows]

    async def delete_user(self, username: str) -> bool:
        """Delete the user with every todo, session and token of theirs, all or nothing."""
        async with self._db.transaction():
            found = await self.password_hash(username)
            if found is None:
                return False
            user_id = found[0].id
            # Their todos, sessions and tokens, then the user: each table with its user column.
            for table, column in (
                (todos, todos.c.owner_id),
                (sessions, sessions.c.user_id),
                (tokens, tokens.c.user_id),
                (users, users.c.id),
            ):
                await self._db.changed(
                    ("accounts", "delete_user", table.name),
                    functools.partial(_delete_where_user, table, column),
                    {"user_id": user_id},
                )
        self._forget_user(user_id)
        return True

    async def adopt_open_list(self, user_id: int) -> int:
        """Give the open list's todos to the user; how many there were."""
        return await self._db.changed(
            ("accounts", "adopt_open_list"),
            lambda: (
                update(todos)
                .where(todos.c.owner_id == OPEN_LIST_OWNER)
                .values(owner_id=_param("user_id", todos.c.owner_id))
            ),
            {"user_id": user_id},
        )

    async def start_session(self, user_id: int, digest: bytes, expires_at: dt.datetime) -> None:
        # The user's ended sessions go as a new one starts: the table holds live ones only.
        values = {"user_id": user_id, "digest": digest, "expires_at": expires_at, "now": _now()}
        async with self._db.transaction():
            await self._db.changed(
                ("accounts", "drop_expired_sessions"),
                lambda: delete(sessions).where(
                    sessions.c.user_id == _param("user_id", sessions.c.user_id),
                    sessions.c.expires_at <= _param("now", sessions.c.expires_at),
                ),
                values,
            )
            await self._db.changed(
                ("accounts", "start_session"),
                lambda: insert(sessions).values(
                    digest=_param("digest", sessions.c.digest),
                    user_id=_param("user_id", sessions.c.user_id),
                    expires_at=_param("expires_at", sessions.c.expires_at),
                ),
                values,
            )

    async def end_session(self, digest: bytes) -> None:
        self._owners.pop(digest, None)
        await self._db.changed(
            ("accounts", "end_session"),
            lambda: delete(sessions).where(
                sessions.c.digest == _param("digest", sessions.c.digest)
            ),
            {"digest": digest},
        )

    async def create_token(self, user_id: int, name: str, digest: bytes) -> TokenInfo:
        now = _now()
        rows = await self._rows(
            "create_token",
            lambda: (
                insert(tokens)
                .values(
                    user_id=_param("user_id", tokens.c.user_id),
                    name=_param("name", tokens.c.name),
                    digest=_param("digest", tokens.c.digest),
                    created_at=_param("now", tokens.c.created_at),
                )
                .returning(tokens.c.id)
            ),
            {"user_id": user_id, "name": name, "digest": digest, "now": now},
        )
        return TokenInfo(rows[0][0], name, now)

    async def tokens(self, user_id: int) -> list[TokenInfo]:
        rows = await self._rows(
            "tokens",
            lambda: (
                select(tokens.c.id, tokens.c.name, tokens.c.created_at)
                .where(tokens.c.user_id == _param("user_id", tokens.c.user_id))
                .order_by(tokens.c.id)
            ),
            {"user_id": user_id},
        )
        return [TokenInfo(token_id, name, _utc(created_at)) for token_id, name, created_at in rows]

    async def revoke_token(self, user_id: int, token_id: int) -> bool:
        """Delete the user's token; False when the user has no such token."""
        rows = await self._rows(
            "revoke_token",
            lambda: (
                delete(tokens)
                .where(
                    tokens.c.id == _param("token_id", tokens.c.id),
                    tokens.c.user_id == _param("user_id", tokens.c.user_id),
                )
                .returning(tokens.c.digest)
            ),
            {"user_id": user_id, "token_id": token_id},
        )
        for (digest,) in rows:
            self._owners.pop(bytes(digest), None)
        return bool(rows)

    async def session_owner(self, digest: bytes, now: dt.datetime) -> Owner | None:
        """The user whose unexpired session this is, or None."""
        remembered = self._recall(digest)
        if remembered is not None:
            return remembered
        rows = await self._rows(
            "session_owner",
            lambda: (
                select(users.c.id, users.c.username, sessions.c.expires_at)
                .join(users, users.c.id == sessions.c.user_id)
                .where(
                    sessions.c.digest == _param("digest", sessions.c.digest),
                    sessions.c.expires_at > _param("now", sessions.c.expires_at),
                )
            ),
            {"digest": digest, "now": now},
        )
        if not rows:
            return None
        user_id, username, expires_at = rows[0]
        left = (_utc(expires_at) - now).total_seconds()
        return self._remember(digest, Owner(user_id, username), min(left, OWNER_CACHE_S))

    async def token_owner(self, digest: bytes) -> Owner | None:
        """The user whose token this is, or None."""
        remembered = self._recall(digest)
        if remembered is not None:
            return remembered
        rows = await self._rows(
            "token_owner",
            lambda: (
                select(users.c.id, users.c.username)
                .join(users, users.c.id == tokens.c.user_id)
                .where(tokens.c.digest == _param("digest", tokens.c.digest))
            ),
            {"digest": digest},
        )
        if not rows:
            return None
        user_id, username = rows[0]
        return self._remember(digest, Owner(user_id, username), OWNER_CACHE_S)

    def _recall(self, digest: bytes) -> Owner | None:
        remembered = self._owners.get(digest)
        if remembered is None:
            return None
        if remembered.until <= time.monotonic():
            del self._owners[digest]
            return None
        return remembered.owner

    def _remember(self, digest: bytes, owner: Owner, seconds: float) -> Owner:
        if len(self._owners) >= OWNER_CACHE_SIZE:
            self._owners.clear()
        self._owners[digest] = _Remembered(owner, time.monotonic() + seconds)
        return owner

    def _forget_user(self, user_id: int) -> None:
        for digest in [d for d, r in self._owners.items() if r.owner.id == user_id]:
            del self._owners[digest]
