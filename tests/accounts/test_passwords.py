"""Password hashing: argon2id with the configured cost, behind a bounded queue of slots."""

from __future__ import annotations

import asyncio
import time

import pytest
from argon2 import extract_parameters

from todo_async.accounts.passwords import PasswordHashing, hashing_from
from todo_async.problems import Problem
from todo_async.settings import Settings


async def test_the_default_cost_is_owasps_baseline() -> None:
    hashing = hashing_from(Settings())
    parameters = extract_parameters(await hashing.hash("correct horse battery"))
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (2, 19456, 1)
    assert hashing.queue_bound == 8


async def test_a_hash_verifies_only_its_password() -> None:
    hashing = PasswordHashing(time_cost=1, memory_kib=1024, queue_bound=4)
    stored = await hashing.hash("correct horse battery")
    assert await hashing.verify(stored, "correct horse battery")
    assert not await hashing.verify(stored, "wrong")
    assert not await hashing.verify(None, "correct horse battery")
    assert not await hashing.verify("not a hash", "x")


async def test_past_the_bound_work_is_refused_at_once() -> None:
    hashing = PasswordHashing(time_cost=2, memory_kib=19 * 1024, queue_bound=3)
    stored = await hashing.hash("correct horse battery")

    async def check() -> bool:
        with hashing.slot():
            return await hashing.verify(stored, "correct horse battery")

    results = await asyncio.gather(*(check() for _ in range(20)), return_exceptions=True)

    refused = [result for result in results if isinstance(result, Problem)]
    assert len(refused) == 17
    assert {(problem.status, problem.headers["Retry-After"]) for problem in refused} == {(503, "1")}
    assert hashing.most_queued == 3
    assert hashing.queued == 0
    # Once the queue drains, work is taken again.
    assert await check()


@pytest.mark.parametrize("bound", [1, 8])
async def test_the_queue_bounds_the_wait(bound: int) -> None:
    """The longest a hash waits is the bound's worth of hashes on the two threads."""
    hashing = PasswordHashing(time_cost=2, memory_kib=19 * 1024, queue_bound=bound)
    started = time.perf_counter()
    one = await hashing.hash("x")
    alone = time.perf_counter() - started
    waits = await asyncio.gather(*(_timed(hashing, one) for _ in range(bound * 4)))
    served = [wait for wait in waits if wait is not None]
    assert len(served) == bound
    # Two threads work through `bound` hashes; generous for a busy machine.
    assert max(served) < alone * (bound / 2 + 1) * 4


async def _timed(hashing: PasswordHashing, stored: str) -> float | None:
    started = time.perf_counter()
    try:
        with hashing.slot():
            await hashing.verify(stored, "x")
    except Problem:
        return None
    return time.perf_counter() - started
