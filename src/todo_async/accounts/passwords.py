"""Passwords hashed with argon2id, in threads of their own so a sign-in never stalls the loop."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

PASSWORD_MIN_LENGTH = 10
PASSWORD_MAX_LENGTH = 256

# OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane): each hash holds 19 MiB while it
# runs, so two threads keep a worker's memory bounded however many sign in at once.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)
_threads = ThreadPoolExecutor(max_workers=2, thread_name_prefix="argon2")
# Verified when the user does not exist, so an unknown name takes as long as a wrong password.
_UNKNOWN_USER_HASH = _hasher.hash("no such user")


async def hash_password(password: str) -> str:
    return await asyncio.get_running_loop().run_in_executor(_threads, _hasher.hash, password)


def _verify(stored: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored or _UNKNOWN_USER_HASH, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches `stored` (the user's hash, or None for no such user)."""
    return await asyncio.get_running_loop().run_in_executor(_threads, _verify, stored, password)
