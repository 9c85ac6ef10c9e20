"""Attempt budgets in the database: exact under concurrency, draining with time, pruned."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from todo_async.accounts.attempt_budget import AttemptBudget, Limit, address_key
from todo_async.database.engine import TodoDatabase
from todo_async.database.tables import attempt_buckets

LIMIT = Limit(attempts=5, seconds=300)  # then one a minute


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def budget(database: TodoDatabase, clock: Clock) -> AttemptBudget:
    return AttemptBudget(database, keep_s=LIMIT.seconds, clock=clock)


async def rows(database: TodoDatabase) -> int:
    found = await database.fetch_val(select(func.count()).select_from(attempt_buckets))
    return int(found)


async def test_attempts_in_a_row_then_one_a_minute(budget: AttemptBudget, clock: Clock) -> None:
    allowed = [(await budget.charge("k", LIMIT)).allowed for _ in range(LIMIT.attempts + 2)]
    assert allowed == [True] * LIMIT.attempts + [False, False]
    refused = await budget.charge("k", LIMIT)
    assert refused.retry_after == 60

    clock.now += 59
    assert not (await budget.charge("k", LIMIT)).allowed
    clock.now += 1
    charged = await budget.charge("k", LIMIT)
    assert charged.allowed
    assert charged.full
    assert not (await budget.charge("k", LIMIT)).allowed


async def test_concurrent_attempts_pass_no_more_than_the_limit(
    database: TodoDatabase, clock: Clock
) -> None:
    # Separate budgets on one database, as separate processes have.
    budgets = [AttemptBudget(database, LIMIT.seconds, clock) for _ in range(4)]
    charges = await asyncio.gather(*(budgets[n % 4].charge("k", LIMIT) for n in range(40)))
    assert sum(charge.allowed for charge in charges) == LIMIT.attempts


async def test_a_refund_gives_an_attempt_back(budget: AttemptBudget) -> None:
    for _ in range(LIMIT.attempts):
        await budget.charge("k", LIMIT)
    await budget.refund("k", LIMIT)
    assert (await budget.charge("k", LIMIT)).allowed
    assert not (await budget.charge("k", LIMIT)).allowed
    # A refund never leaves a bucket below empty.
    for _ in range(LIMIT.attempts + 3):
        await budget.refund("other", LIMIT)
    assert await budget.level("other", LIMIT) == 0


async def test_drained_buckets_are_deleted(
    budget: AttemptBudget, database: TodoDatabase, clock: Clock
) -> None:
    await budget.charge("old", LIMIT)
    clock.now += LIMIT.seconds + 1
    await budget.charge("new", LIMIT)
    assert await rows(database) == 1
    assert await budget.level("new", LIMIT) == 1


def test_an_ipv6_client_is_counted_by_its_64() -> None:
    assert address_key("2001:db8:1:2:3:4:5:6") == address_key("2001:db8:1:2::9")
    assert address_key("2001:db8:1:3::1") != address_key("2001:db8:1:2::1")
    assert address_key("::ffff:192.0.2.1") == address_key("192.0.2.1") == "192.0.2.1"
    assert address_key(None) == "unknown"
