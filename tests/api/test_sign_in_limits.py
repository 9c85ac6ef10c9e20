"""Repeated failed sign-ins meet 429 with Retry-After, per account and per address."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette

from tests.api.accounts import PASSWORD, sign_in, sign_up
from tests.api.test_bad_input import assert_problem
from todo_async.accounts.sign_in_limits import PER_ACCOUNT, PER_ADDRESS

# The test client's peer is a trusted proxy: X-Forwarded-For chooses the client's address.
FROM = "X-Forwarded-For"


async def test_an_account_is_locked_after_its_failures(anonymous: httpx.AsyncClient) -> None:
    await sign_up(anonymous, "ann")
    await sign_up(anonymous, "bob")
    for n in range(PER_ACCOUNT.failures):
        response = await anonymous.post(
            "/api/session",
            json={"username": "ann", "password": "wrong password"},
            headers={FROM: f"192.0.2.{n}"},
        )
        assert_problem(response, 401)

    # From yet another address, and with the right password: the account waits.
    locked = await anonymous.post(
        "/api/session",
        json={"username": "ann", "password": PASSWORD},
        headers={FROM: "192.0.2.200"},
    )
    assert_problem(locked, 429)
    assert 1 <= int(locked.headers["retry-after"]) <= PER_ACCOUNT.seconds
    assert "set-cookie" not in locked.headers
    # Another account is not held up.
    assert (await sign_in(anonymous, "bob")).status_code == 200


async def test_an_address_is_limited_whatever_names_it_tries(
    anonymous: httpx.AsyncClient,
) -> None:
    await sign_up(anonymous, "ann")
    attacker = {FROM: "198.51.100.7"}
    for n in range(PER_ADDRESS.failures):
        response = await anonymous.post(
            "/api/session",
            json={"username": f"guess{n}", "password": PASSWORD},
            headers=attacker,
        )
        assert_problem(response, 401)

    refused = await anonymous.post(
        "/api/session", json={"username": "ann", "password": PASSWORD}, headers=attacker
    )
    assert_problem(refused, 429)
    assert int(refused.headers["retry-after"]) >= 1
    # Someone else, elsewhere, signs in.
    elsewhere = await anonymous.post(
        "/api/session",
        json={"username": "ann", "password": PASSWORD},
        headers={FROM: "198.51.100.8"},
    )
    assert elsewhere.status_code == 200


async def test_invented_usernames_keep_no_account_buckets(
    anonymous: httpx.AsyncClient, accounts_app: Starlette
) -> None:
    for n in range(10):
        await anonymous.post(
            "/api/session",
            json={"username": f"nobody{n}", "password": PASSWORD},
            headers={FROM: f"203.0.113.{n}"},
        )

    limits = accounts_app.state.sign_in_limits
    assert len(limits.accounts) == 0
    assert len(limits.addresses) == 10
