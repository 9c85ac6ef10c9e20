"""Repeated failed sign-ins meet 429 with Retry-After, per account and per address, from one
budget in the database; a browser that signed in before keeps a budget of its own."""

from __future__ import annotations

import re

import httpx
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from tests.api.accounts import PASSWORD, http_client, sign_in, sign_up
from tests.api.test_bad_input import assert_problem
from todo_async.accounts.guard import DEVICE_COOKIE, PER_ACCOUNT, PER_ADDRESS, PER_DEVICE
from todo_async.app import create_app
from todo_async.settings import Settings

# The test client's peer is a trusted proxy: X-Forwarded-For chooses the client's address.
FROM = "X-Forwarded-For"
WRONG = "wrong password"


async def attempt(
    client: httpx.AsyncClient, name: str, password: str, address: str
) -> httpx.Response:
    return await client.post(
        "/api/session", json={"username": name, "password": password}, headers={FROM: address}
    )


async def test_an_account_is_locked_after_its_failures(anonymous: httpx.AsyncClient) -> None:
    await sign_up(anonymous, "ann")
    await sign_up(anonymous, "bob")
    for n in range(PER_ACCOUNT.attempts):
        assert_problem(await attempt(anonymous, "ann", WRONG, f"192.0.2.{n}"), 401)

    # From yet another address, and with the right password: the account waits.
    locked = await attempt(anonymous, "ann", PASSWORD, "192.0.2.200")
    assert_problem(locked, 429)
    assert 1 <= int(locked.headers["retry-after"]) <= PER_ACCOUNT.seconds / PER_ACCOUNT.attempts
    assert "set-cookie" not in locked.headers
    # Another account is not held up.
    assert (await sign_in(anonymous, "bob")).status_code == 200


async def test_unknown_usernames_are_throttled_alike(anonymous: httpx.AsyncClient) -> None:
    await sign_up(anonymous, "ann")
    answers = {}
    for name in ("ann", "nobody"):
        statuses = []
        for n in range(PER_ACCOUNT.attempts + 2):
            response = await attempt(anonymous, name, WRONG, f"192.0.2.{n}")
            # The wait it names counts down between the two runs: compare the words only.
            detail = re.sub(r"\d+", "N", response.json()["detail"])
            statuses.append((response.status_code, detail))
        answers[name] = statuses

    assert answers["ann"] == answers["nobody"]
    assert [status for status, _ in answers["ann"]] == [401] * PER_ACCOUNT.attempts + [429] * 2


async def test_an_address_is_limited_whatever_names_it_tries(
    anonymous: httpx.AsyncClient,
) -> None:
    await sign_up(anonymous, "ann")
    for n in range(PER_ADDRESS.attempts):
        assert_problem(await attempt(anonymous, f"guess{n}", PASSWORD, "198.51.100.7"), 401)

    refused = await attempt(anonymous, "ann", PASSWORD, "198.51.100.7")
    assert_problem(refused, 429)
    assert int(refused.headers["retry-after"]) >= 1
    # An IPv6 client is one client across its /64.
    for n in range(PER_ADDRESS.attempts):
        await attempt(anonymous, f"guess{n}", PASSWORD, f"2001:db8:1:2::{n:x}")
    assert_problem(await attempt(anonymous, "ann", PASSWORD, "2001:db8:1:2:ffff::1"), 429)
    # Someone else, elsewhere, signs in.
    assert (await attempt(anonymous, "ann", PASSWORD, "198.51.100.8")).status_code == 200


async def test_the_owner_signs_in_from_a_known_device_while_strangers_are_locked_out(
    accounts_app: Starlette, anonymous: httpx.AsyncClient
) -> None:
    async with http_client(accounts_app) as browser:
        await sign_up(browser, "ann")
        assert (await sign_in(browser, "ann")).status_code == 200
        assert browser.cookies.get(DEVICE_COOKIE)
        await browser.delete("/api/session")
        for n in range(PER_ACCOUNT.attempts + 3):
            await attempt(anonymous, "ann", WRONG, f"203.0.113.{n}")
        assert_problem(await attempt(anonymous, "ann", PASSWORD, "203.0.113.99"), 429)

        assert (await attempt(browser, "ann", PASSWORD, "203.0.113.1")).status_code == 200

        # The device's own budget holds guesses made through it just as tightly.
        for _ in range(PER_DEVICE.attempts):
            assert_problem(await attempt(browser, "ann", WRONG, "203.0.113.1"), 401)
        assert_problem(await attempt(browser, "ann", PASSWORD, "203.0.113.1"), 429)


async def test_a_device_cookie_of_another_account_buys_nothing(
    accounts_app: Starlette, anonymous: httpx.AsyncClient
) -> None:
    async with http_client(accounts_app) as browser:
        await sign_up(browser, "mallory")
        await sign_up(browser, "ann")
        assert (await sign_in(browser, "mallory")).status_code == 200
        for n in range(PER_ACCOUNT.attempts):
            assert_problem(await attempt(browser, "ann", WRONG, f"203.0.113.{n}"), 401)
        assert_problem(await attempt(browser, "ann", PASSWORD, "203.0.113.9"), 429)


async def test_the_budget_outlives_a_restart(
    accounts_settings: Settings, anonymous: httpx.AsyncClient
) -> None:
    await sign_up(anonymous, "ann")
    for n in range(PER_ACCOUNT.attempts):
        await attempt(anonymous, "ann", WRONG, f"192.0.2.{n}")

    restarted = create_app(accounts_settings)
    async with LifespanManager(restarted), http_client(restarted) as client:
        assert_problem(await attempt(client, "ann", PASSWORD, "192.0.2.77"), 429)
