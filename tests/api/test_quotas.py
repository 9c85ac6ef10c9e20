"""What one user may hold: past the most todos, a 409 problem and nothing made."""

from __future__ import annotations

import asyncio
import dataclasses
import subprocess
import sys

from asgi_lifespan import LifespanManager

from tests.api.accounts import new_user
from tests.api.test_bad_input import assert_problem
from todo_async.app import create_app
from todo_async.settings import Settings


async def test_a_user_holds_no_more_than_the_most_todos(accounts_settings: Settings) -> None:
    app = create_app(dataclasses.replace(accounts_settings, todos_per_user=3))
    async with LifespanManager(app):
        ann, bob = await new_user(app, "ann"), await new_user(app, "bob")
        statuses = [
            (await ann.api.post("/api/todos", json={"title": f"t{n}"})).status_code
            for n in range(3)
        ]
        refused = await ann.api.post("/api/todos", json={"title": "one too many"})
        # Someone else's todos are theirs to count.
        bobs = await bob.api.post("/api/todos", json={"title": "bob's"})
        await ann.api.delete("/api/todos?completed=false&category=")
        again = await ann.api.post("/api/todos", json={"title": "room again"})
        for user in (ann, bob):
            await user.api.aclose()
            await user.browser.aclose()

    assert statuses == [201, 201, 201]
    assert "as many todos" in str(assert_problem(refused, 409)["detail"])
    assert bobs.status_code == 201
    assert again.status_code == 201


async def test_concurrent_creates_stop_at_the_most_todos(accounts_settings: Settings) -> None:
    """Creates that find the remembered room used up wait for one count together, then take
    turns at what it leaves: none goes past the most todos, however many arrive at once."""
    app = create_app(dataclasses.replace(accounts_settings, todos_per_user=10))
    async with LifespanManager(app):
        ann = await new_user(app, "ann")
        answers = await asyncio.gather(
            *(ann.api.post("/api/todos", json={"title": f"t{n}"}) for n in range(30))
        )
        held = (await ann.api.get("/api/todos", params={"limit": 100})).json()
        await ann.api.aclose()
        await ann.browser.aclose()

    statuses = sorted(answer.status_code for answer in answers)
    assert statuses == [201] * 10 + [409] * 20
    assert len(held) == 10


# Creates that arrive as a count ends, before its done callbacks run: one more than the room
# it leaves. In a child process, since a create that spins never yields to a timeout here.
COUNT_ENDS_AS_CREATES_ARRIVE = """
import asyncio
from todo_async.repository import TodoRepository

async def main():
    repo = TodoRepository(None)
    counts = []
    async def count_up_to(owner, most):
        counts.append(owner)
        return most - 2
    repo._count_up_to = count_up_to
    first = asyncio.create_task(repo._has_room(1, 10))
    await asyncio.sleep(0)  # it starts the count, which runs in the next step
    arriving = [asyncio.create_task(repo._has_room(1, 10)) for _ in range(3)]
    print(await asyncio.gather(first, *arriving), len(counts))

asyncio.run(main())
"""


def test_a_create_arriving_as_a_count_ends_counts_again() -> None:
    done = subprocess.run(
        [sys.executable, "-c", COUNT_ENDS_AS_CREATES_ARRIVE],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["[True,", "True,", "True,", "True]", "2"]
