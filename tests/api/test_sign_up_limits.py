"""Sign-up is throttled per client address and for the whole service, before any hashing."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from tests.api.accounts import PASSWORD, http_client
from tests.api.test_bad_input import assert_problem
from todo_async.app import create_app
from todo_async.settings import Settings

FROM = "X-Forwarded-For"


async def sign_ups(client: httpx.AsyncClient, count: int, address: str | None) -> Counter[int]:
    statuses: Counter[int] = Counter()
    for n in range(count):
        response = await client.post(
            "/api/users",
            json={"username": f"user{n}-{address or 'x'}"[:32], "password": PASSWORD},
            headers={FROM: address or f"192.0.2.{n}"},
        )
        statuses[response.status_code] += 1
        if response.status_code == 429:
            assert_problem(response, 429)
            assert int(response.headers["retry-after"]) >= 1
    return statuses


async def test_a_burst_from_one_address_is_refused(anonymous: httpx.AsyncClient) -> None:
    per_address = Settings().sign_up_per_address_per_hour
    assert await sign_ups(anonymous, 40, "198.51.100.7") == {
        201: per_address,
        429: 40 - per_address,
    }
    # Another address is not held up.
    assert await sign_ups(anonymous, 1, "198.51.100.8") == {201: 1}


@pytest.fixture
async def ceiling_of_five(accounts_settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(**{**accounts_settings.__dict__, "sign_up_per_minute": 5})
    app = create_app(settings)
    async with LifespanManager(app), http_client(app) as client:
        yield client


async def test_the_service_takes_no_more_than_its_ceiling(
    ceiling_of_five: httpx.AsyncClient,
) -> None:
    # Each from an address of its own: only the service-wide ceiling applies.
    assert await sign_ups(ceiling_of_five, 12, None) == {201: 5, 429: 7}
