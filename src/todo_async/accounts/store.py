"""Users, their sessions and tokens in the database, and who a presented credential belongs to.

Credentials arrive as digests (`credentials.digest`): no secret is ever stored or compared
in the clear. Looking a credential up is on every request's path, so the owner it names is
kept in memory for `OWNER_CACHE_S` (and an unknown one for `UNKNOWN_CACHE_S`); ending a
session or revoking a token forgets it here at once, and another worker or task stops
accepting it within that time.
"""

from __future__ import annotations

import datetime as dt
import functools
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ClauseElement

from todo_async.accounts.identity import Owner
from todo_async.database.engine import TodoDatabase
from todo_async.database.tables import (
    OPEN_LIST_OWNER,
    devices,
    sessions,
    todos,
    tokens,
    users,
)
from todo_async.repository import TodoRepository

# How long a looked-up credential is believed without asking the database again.
OWNER_CACHE_S = 5.0
# Credentials remembered at most; past it the memory starts over, so it stays bounded.
OWNER_CACHE_SIZE = 10_000
# How long a credential the database does not know is believed unknown: a client sending
# the same bad token over and over costs one lookup per this long. Short, because a
# revoked credential is never presented again as a new one would be: nothing new hides.
UNKNOWN_CACHE_S = 2.0
# A session's last-seen and a token's last-used time are written at most this often.
TOUCH_EVERY_S = 60.0


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
    expires_at: dt.datetime
    last_used_at: dt.datetime | None


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
class ExpiredToken:
    """A token presented after its expiry (deleted as it was found)."""

    user_id: int


@dataclass(frozen=True, slots=True)
class _Remembered:
    # None: no such credential (a short negative cache: guesses cost no lookup each).
    owner: Owner | None
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
        """Delete the user with every todo, session, token and device of theirs.

        The todos go first, in batches (as clear-completed deletes): one statement over a
        big list would hold the database as long as it ran. Then, all at once, whatever
        todos came meanwhile and the rest; a failure half-way leaves the account in place,
        with fewer todos, for the deletion to be asked again.
        """
        found = await self.password_hash(username)
        if found is None:
            return False
        await TodoRepository(self._db).delete_many(found[0].id, completed=None, category=None)
        async with self._db.transaction():
            found = await self.password_hash(username)
            if found is None:
                return False
            user_id = found[0].id
            # Their todos, sessions, tokens and devices, then the user: each table with its
            # user column.
            for table, column in (
                (todos, todos.c.owner_id),
                (sessions, sessions.c.user_id),
                (tokens, tokens.c.user_id),
                (devices, devices.c.user_id),
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

    async def start_session(
        self, user_id: int, digest: bytes, expires_at: dt.datetime, most: int
    ) -> None:
        """Start a session; the user's ended ones go, and past `most` live ones the oldest."""
        values = {
            "user_id": user_id,
            "digest": digest,
            "expires_at": expires_at,
            "now": _now(),
            "keep": most - 1,
        }

        def oldest_beyond_keep() -> ClauseElement:
            newest_first = (
                select(sessions.c.digest)
                .where(sessions.c.user_id == _param("user_id", sessions.c.user_id))
                .order_by(sessions.c.expires_at.desc())
                .offset(bindparam("keep", None, type_=tokens.c.id.type))
            )
            return delete(sessions).where(sessions.c.digest.in_(newest_first.scalar_subquery()))

        async with self._db.transaction():
            await self._db.changed(
                ("accounts", "drop_expired_sessions"),
                lambda: delete(sessions).where(
                    sessions.c.user_id == _param("user_id", sessions.c.user_id),
                    sessions.c.expires_at <= _param("now", sessions.c.expires_at),
                ),
                values,
            )
            await self._db.changed(("accounts", "drop_oldest_sessions"), oldest_beyond_keep, values)
            await self._db.changed(
                ("accounts", "start_session"),
                lambda: insert(sessions).values(
                    digest=_param("digest", sessions.c.digest),
                    user_id=_param("user_id", sessions.c.user_id),
                    expires_at=_param("expires_at", sessions.c.expires_at),
                    last_seen_at=_param("now", sessions.c.last_seen_at),
                ),
                values,
            )

    async def change_password(self, user_id: int, password_hash: str, keep: bytes | None) -> None:
        """Set the user's password; every session but `keep` (a digest) and every token ends."""
        values = {"user_id": user_id, "password_hash": password_hash, "keep": keep or b""}
        async with self._db.transaction():
            await self._db.changed(
                ("accounts", "set_password"),
                lambda: (
                    update(users)
                    .where(users.c.id == _param("user_id", users.c.id))
                    .values(password_hash=_param("password_hash", users.c.password_hash))
                ),
                values,
            )
            await self._db.changed(
                ("accounts", "end_other_sessions"),
                lambda: delete(sessions).where(
                    sessions.c.user_id == _param("user_id", sessions.c.user_id),
                    sessions.c.digest != _param("keep", sessions.c.digest),
                ),
                values,
            )
            await self._db.changed(
                ("accounts", "delete_user", "tokens"),
                functools.partial(_delete_where_user, tokens, tokens.c.user_id),
                values,
            )
        self._forget_user(user_id)

    async def end_sessions(self, user_id: int) -> int:
        """End every session of the user's; how many there were."""
        ended = await self._db.changed(
            ("accounts", "delete_user", "sessions"),
            functools.partial(_delete_where_user, sessions, sessions.c.user_id),
            {"user_id": user_id},
        )
        self._forget_user(user_id)
        return ended

    async def device_user(self, digest: bytes, now: dt.datetime) -> int | None:
        """The user a browser's device cookie says signed in from it, if it has not expired."""
        rows = await self._rows(
            "device_user",
            lambda: select(devices.c.user_id).where(
                devices.c.digest == _param("digest", devices.c.digest),
                devices.c.expires_at > _param("now", devices.c.expires_at),
            ),
            {"digest": digest, "now": now},
        )
        return int(rows[0][0]) if rows else None

    async def remember_device(self, user_id: int, digest: bytes, expires_at: dt.datetime) -> None:
        """Record (or renew) a browser the user signed in from; their expired ones go."""
        dialect = postgresql if self._db.dialect_name == "postgresql" else sqlite
        values = {"user_id": user_id, "digest": digest, "expires_at": expires_at, "now": _now()}

        def build() -> ClauseElement:
            insert = dialect.insert(devices).values(
                digest=_param("digest", devices.c.digest),
                user_id=_param("user_id", devices.c.user_id),
                expires_at=_param("expires_at", devices.c.expires_at),
            )
            return insert.on_conflict_do_update(  # type: ignore[no-any-return]
                index_elements=[devices.c.digest],
                set_={"user_id": insert.excluded.user_id, "expires_at": insert.excluded.expires_at},
            )

        async with self._db.transaction():
            await self._db.changed(
                ("accounts", "drop_expired_devices"),
                lambda: delete(devices).where(
                    devices.c.user_id == _param("user_id", devices.c.user_id),
                    devices.c.expires_at <= _param("now", devices.c.expires_at),
                ),
                values,
            )
            await self._db.changed(("accounts", "remember_device"), build, values)

    async def end_session(self, digest: bytes) -> None:
        self._owners.pop(digest, None)
        await self._db.changed(
            ("accounts", "end_session"),
            lambda: delete(sessions).where(
                sessions.c.digest == _param("digest", sessions.c.digest)
            ),
            {"digest": digest},
        )

    async def create_token(
        self, user_id: int, name: str, digest: bytes, lifetime: dt.timedelta, most: int
    ) -> TokenInfo | None:
        """A new token, or None when the user holds `most` already (counted in the insert)."""
        now = _now()
        expires_at = now + lifetime

        def build() -> ClauseElement:
            held = (
                select(func.count())
                .select_from(tokens)
                .where(tokens.c.user_id == _param("user_id", tokens.c.user_id))
                .scalar_subquery()
            )
            row = select(
                _param("user_id", tokens.c.user_id),
                _param("name", tokens.c.name),
                _param("digest", tokens.c.digest),
                _param("now", tokens.c.created_at),
                _param("expires_at", tokens.c.expires_at),
            ).where(held < _param("most", tokens.c.id))
            columns = ["user_id", "name", "digest", "created_at", "expires_at"]
            return insert(tokens).from_select(columns, row).returning(tokens.c.id)

        values = {
            "user_id": user_id,
            "name": name,
            "digest": digest,
            "now": now,
            "expires_at": expires_at,
            "most": most,
        }
        rows = await self._rows("create_token", build, values)
        return TokenInfo(rows[0][0], name, now, expires_at, None) if rows else None

    async def tokens(self, user_id: int) -> list[TokenInfo]:
        rows = await self._rows(
            "tokens",
            lambda: (
                select(
                    tokens.c.id,
                    tokens.c.name,
                    tokens.c.created_at,
                    tokens.c.expires_at,
                    tokens.c.last_used_at,
                )
                .where(tokens.c.user_id == _param("user_id", tokens.c.user_id))
                .order_by(tokens.c.id)
            ),
            {"user_id": user_id},
        )
        return [
            TokenInfo(token_id, name, _utc(created), _utc(expires), _utc(used) if used else None)
            for token_id, name, created, expires, used in rows
        ]

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

    async def session_owner(self, digest: bytes, now: dt.datetime, idle_s: float) -> Owner | None:
        """The user whose session this is, unless it expired or went unused for `idle_s`."""
        known, remembered = self.recall(digest)
        if known:
            return remembered
        rows = await self._rows(
            "session_owner",
            lambda: (
                select(users.c.id, users.c.username, sessions.c.expires_at, sessions.c.last_seen_at)
                .join(users, users.c.id == sessions.c.user_id)
                .where(
                    sessions.c.digest == _param("digest", sessions.c.digest),
                    sessions.c.expires_at > _param("now", sessions.c.expires_at),
                )
            ),
            {"digest": digest, "now": now},
        )
        if not rows:
            return self._remember(digest, None, UNKNOWN_CACHE_S)
        user_id, username, expires_at, last_seen_at = rows[0]
        seen = _utc(last_seen_at) if last_seen_at is not None else None
        if seen is not None and (now - seen).total_seconds() > idle_s:
            await self.end_session(digest)
            return self._remember(digest, None, UNKNOWN_CACHE_S)
        if seen is None or (now - seen).total_seconds() > TOUCH_EVERY_S:
            await self._touch(
                "touch_session", sessions.c.last_seen_at, sessions.c.digest, digest, now
            )
        left = (_utc(expires_at) - now).total_seconds()
        return self._remember(digest, Owner(user_id, username), min(left, OWNER_CACHE_S))

    async def token_owner(self, digest: bytes, now: dt.datetime) -> Owner | ExpiredToken | None:
        """The user whose token this is; an expired token is deleted, and said to be."""
        known, remembered = self.recall(digest)
        if known:
            return remembered
        rows = await self._rows(
            "token_owner",
            lambda: (
                select(users.c.id, users.c.username, tokens.c.expires_at, tokens.c.last_used_at)
                .join(users, users.c.id == tokens.c.user_id)
                .where(tokens.c.digest == _param("digest", tokens.c.digest))
            ),
            {"digest": digest},
        )
        if not rows:
            return self._remember(digest, None, UNKNOWN_CACHE_S)
        user_id, username, expires_at, last_used_at = rows[0]
        expires = _utc(expires_at) if expires_at is not None else now
        if expires <= now:
            await self._db.changed(
                ("accounts", "delete_token"),
                lambda: delete(tokens).where(tokens.c.digest == _param("digest", tokens.c.digest)),
                {"digest": digest},
            )
            self._remember(digest, None, UNKNOWN_CACHE_S)
            return ExpiredToken(user_id)
        if last_used_at is None or (now - _utc(last_used_at)).total_seconds() > TOUCH_EVERY_S:
            await self._touch("touch_token", tokens.c.last_used_at, tokens.c.digest, digest, now)
        left = (expires - now).total_seconds()
        return self._remember(digest, Owner(user_id, username), min(left, OWNER_CACHE_S))

    async def _touch(
        self, shape: str, column: Column[Any], key: Column[Any], digest: bytes, now: dt.datetime
    ) -> None:
        await self._db.changed(
            ("accounts", shape),
            lambda: (
                update(column.table)
                .where(key == _param("digest", key))
                .values({column.name: _param("now", column)})
            ),
            {"digest": digest, "now": now},
        )

    def recall(self, digest: bytes) -> tuple[bool, Owner | None]:
        """Whether the digest's owner (or that it has none) is remembered, and who.

        What `token_owner` and `session_owner` answer first, without the database: a
        caller on every request's path asks this itself and awaits them only when it is
        not remembered, with no clock read and no coroutine for the common case. An
        expired token is remembered as unknown.
        """
        remembered = self._owners.get(digest)
        if remembered is None:
            return False, None
        if remembered.until <= time.monotonic():
            del self._owners[digest]
            return False, None
        return True, remembered.owner

    def _remember(self, digest: bytes, owner: Owner | None, seconds: float) -> Owner | None:
        if len(self._owners) >= OWNER_CACHE_SIZE:
            self._owners.clear()
        self._owners[digest] = _Remembered(owner, time.monotonic() + seconds)
        return owner

    def _forget_user(self, user_id: int) -> None:
        forgotten = [d for d, r in self._owners.items() if r.owner and r.owner.id == user_id]
        for digest in forgotten:
            del self._owners[digest]
