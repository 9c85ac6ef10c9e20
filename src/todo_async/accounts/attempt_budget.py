"""Attempt budgets kept in the database: one count for the whole service, whatever the number
of worker processes and tasks, and kept across restarts.

Each key (an account's name, a client address, a device, the service's sign-ups) has a
leaky bucket: an attempt fills it by one, and it drains at a steady rate. An attempt is
charged before its work (a password check) is done, in one atomic statement that charges
only while the bucket has room, so concurrent attempts in any number of processes cannot
all pass before the first is counted: at most `Limit.attempts` pass in a row. A refund
takes an attempt back (a sign-in that succeeded, a request that was not served).

Rows whose level has drained to nothing are deleted, at most once a minute per process.
"""

from __future__ import annotations

import ipaddress
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam, case, delete, literal, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql import ClauseElement, ColumnElement

from todo_async.database.engine import TodoDatabase
from todo_async.database.tables import attempt_buckets as buckets

# Deleting drained buckets is worth one statement this often (seconds), per process.
PRUNE_EVERY_S = 60.0


@dataclass(frozen=True)
class Limit:
    """`attempts` in a row are allowed; that many drain again over `seconds`."""

    attempts: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.attempts / self.seconds


def _param(name: str) -> Any:
    return bindparam(name, None, type_=buckets.c.level.type)


def _drained() -> ColumnElement[float]:
    """The stored bucket's level now: what it was, less what drained since, never below 0."""
    level = buckets.c.level - (_param("now") - buckets.c.at) * _param("rate")
    return case((level > 0, level), else_=literal(0.0, buckets.c.level.type))


def address_key(host: str | None) -> str:
    """Who a client is, for counting: its address, or its /64 if IPv6 (the block one host
    is usually given whole)."""
    if host is None:
        return "unknown"
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host[:60]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network((address, 64), strict=False))
    return str(address)


@dataclass(frozen=True)
class Charge:
    """What charging an attempt found: whether it had room, and how full it is now."""

    allowed: bool
    level: float
    limit: Limit

    @property
    def full(self) -> bool:
        """No room is left for another attempt (this one, if allowed, was the last)."""
        return self.level > self.limit.attempts - 1

    @property
    def retry_after(self) -> int:
        """Whole seconds until there is room for one more attempt."""
        excess = self.level - (self.limit.attempts - 1)
        # Rounded first: a float a hair over a whole second must not cost another one.
        return max(1, math.ceil(round(excess / self.limit.per_second, 6)))


class AttemptBudget:
    def __init__(
        self, database: TodoDatabase, keep_s: float, clock: Callable[[], float] = time.time
    ) -> None:
        """`keep_s`: at least the longest any limit takes to drain a full bucket."""
        self._db = database
        self._keep_s = keep_s
        # Wall-clock time: every process on every task must read the same `at`.
        self._clock = clock
        self._pruned_at = 0.0

    async def charge(self, key: str, limit: Limit) -> Charge:
        """Charge one attempt to `key` if it has room (if not, nothing is charged)."""
        now = self._clock()
        values = {"key": key, "now": now, "rate": limit.per_second, "room": limit.attempts - 1}
        dialect = postgresql if self._db.dialect_name == "postgresql" else sqlite

        def build() -> ClauseElement:
            insert = dialect.insert(buckets).values(
                key=bindparam("key", None, type_=buckets.c.key.type), level=1.0, at=_param("now")
            )
            return (  # type: ignore[no-any-return]
                insert.on_conflict_do_update(
                    index_elements=[buckets.c.key],
                    set_={"level": _drained() + 1, "at": _param("now")},
                    # Room for one more: the drained level is at most `attempts - 1`.
                    where=_drained() <= _param("room"),
                ).returning(buckets.c.level)
            )

        charged = await self._db.rows(("budget", "charge"), build, values)
        await self._prune(now)
        if charged:
            return Charge(True, float(charged[0][0]), limit)
        return Charge(False, await self.level(key, limit), limit)

    async def refund(self, key: str, limit: Limit) -> None:
        values = {"key": key, "now": self._clock(), "rate": limit.per_second}

        def build() -> ClauseElement:
            less_one = _drained() - 1
            return (
                update(buckets)
                .where(buckets.c.key == bindparam("key", None, type_=buckets.c.key.type))
                .values(level=case((less_one > 0, less_one), else_=0.0), at=_param("now"))
            )

        await self._db.changed(("budget", "refund"), build, values)

    async def level(self, key: str, limit: Limit) -> float:
        """The bucket's level now (0 when it has none)."""
        values = {"key": key, "now": self._clock(), "rate": limit.per_second}
        rows = await self._db.rows(
            ("budget", "level"),
            lambda: select(_drained()).where(
                buckets.c.key == bindparam("key", None, type_=buckets.c.key.type)
            ),
            values,
        )
        return float(rows[0][0]) if rows else 0.0

    async def _prune(self, now: float) -> None:
        """Delete buckets untouched for longer than any limit takes to drain a full one."""
        if now - self._pruned_at < PRUNE_EVERY_S:
            return
        self._pruned_at = now
        await self._db.changed(
            ("budget", "prune"),
            lambda: delete(buckets).where(buckets.c.at < _param("before")),
            {"before": now - self._keep_s},
        )
