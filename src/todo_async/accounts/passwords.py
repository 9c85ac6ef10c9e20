"""Passwords hashed with argon2id, in threads of their own so a sign-in never stalls the loop.

The queue is bounded: past `queue_bound` requests holding a slot (`slot`: hashing, or about
to) in this process, a sign-in or sign-up is answered 503 with Retry-After at once. A flood
of them then costs each real one a refusal and a retry, not a wait behind the whole flood.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from todo_async.problems import Problem
from todo_async.settings import Settings

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256
# Each hash holds its memory cost while it runs: two threads bound a worker's memory.
HASHING_THREADS = 2
# How long a refused client is told to wait: a queue drains within a second or so.
BUSY_RETRY_AFTER_S = 1


class PasswordHashing:
    def __init__(self, time_cost: int, memory_kib: int, queue_bound: int) -> None:
        self._hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=1)
        self._threads = ThreadPoolExecutor(HASHING_THREADS, thread_name_prefix="argon2")
        self.queue_bound = queue_bound
        # Requests holding a slot now, and the most there ever were.
        self.queued = 0
        self.most_queued = 0

    @functools.cached_property
    def _unknown_user_hash(self) -> str:
        # Verified when the user does not exist, so an unknown name takes as long as a
        # wrong password; made in a hashing thread the first time it is needed.
        return self._hasher.hash("no such user")

    @contextlib.contextmanager
    def slot(self) -> Iterator[None]:
        """A place in the queue for a request's hashing, held from its start (before it
        looks the user up or charges the budget) to its end; 503 at once when none is free,
        so a refused request costs next to nothing and the work in progress stays bounded."""
        if self.queued >= self.queue_bound:
            raise Problem(
                503,
                "Too many sign-ins at once: try again in a moment.",
                headers={"Retry-After": str(BUSY_RETRY_AFTER_S)},
            )
        self.queued += 1
        self.most_queued = max(self.most_queued, self.queued)
        try:
            yield
        finally:
            self.queued -= 1

    async def hash(self, password: str) -> str:
        hashed: str = await self._run(self._hasher.hash, password)
        return hashed

    async def verify(self, stored: str | None, password: str) -> bool:
        """Whether `password` matches `stored` (the user's hash, or None for no such user)."""
        verified: bool = await self._run(self._verify, stored, password)
        return verified

    def _verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(stored or self._unknown_user_hash, password) and bool(stored)
        except (VerificationError, InvalidHashError):
            return False

    async def _run(self, work: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._threads, work, *args)


def hashing_from(settings: Settings) -> PasswordHashing:
    return PasswordHashing(
        settings.password_hash_time_cost,
        settings.password_hash_memory_kib,
        settings.password_hash_queue,
    )
