"""Sign-in, the session cookie, who is signed in, sign-out."""

from __future__ import annotations

import asyncio
import dataclasses
import statistics
import time
from http.cookies import SimpleCookie

import httpx
import pytest
from asgi_lifespan import LifespanManager
from starlette.applications import Starlette

from tests.api.accounts import PASSWORD, User, http_client, sign_in, sign_up
from tests.api.test_bad_input import assert_problem
from todo_async.accounts.credentials import SECURE_SESSION_COOKIE, SESSION_COOKIE
from todo_async.app import create_app
from todo_async.settings import Settings

# The test client's peer is 127.0.0.1, a trusted proxy by default.
OVER_HTTPS = {"X-Forwarded-Proto": "https"}


def session_cookie(response: httpx.Response, name: str = SESSION_COOKIE) -> dict[str, str]:
    """The Set-Cookie for the session: its value and attributes (flags map to "")."""
    (header,) = [h for h in response.headers.get_list("set-cookie") if h.startswith(f"{name}=")]
    attributes = {"value": header.split(";")[0].split("=", 1)[1]}
    for part in header.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        attributes[name.lower()] = value
    SimpleCookie(header)  # parses as a cookie at all
    return attributes


async def test_sign_in_sets_a_strict_http_only_cookie(
    anonymous: httpx.AsyncClient, accounts_settings: Settings
) -> None:
    await sign_up(anonymous, "ann")
    response = await sign_in(anonymous, "ann")

    assert response.status_code == 200, response.text
    assert response.json() == {"username": "ann", "mode": "accounts"}
    assert response.headers["cache-control"] == "no-store"
    cookie = session_cookie(response)
    assert len(cookie["value"]) >= 40
    assert cookie["httponly"] == ""
    assert cookie["samesite"].lower() == "strict"
    assert cookie["path"] == "/"
    assert cookie["max-age"] == str(accounts_settings.session_ttl_s)
    assert "secure" not in cookie  # plain HTTP: a Secure cookie would never come back


async def test_the_cookie_is_secure_over_https_behind_the_proxy(
    anonymous: httpx.AsyncClient,
) -> None:
    await sign_up(anonymous, "ann")
    response = await anonymous.post(
        "/api/session",
        json={"username": "ann", "password": PASSWORD},
        headers=OVER_HTTPS,
    )

    cookie = session_cookie(response, SECURE_SESSION_COOKIE)
    assert "secure" in cookie
    assert (cookie["path"], cookie["httponly"]) == ("/", "")
    assert "domain" not in cookie  # a __Host- cookie must have none
    assert not [h for h in response.headers.get_list("set-cookie") if h.startswith("todo_")]
    # Sent back over HTTPS it signs the request in; sent over plain HTTP it does not count.
    secret = {"Cookie": f"{SECURE_SESSION_COOKIE}={cookie['value']}"}
    signed_in = await anonymous.get("/api/session", headers={**OVER_HTTPS, **secret})
    assert signed_in.json()["username"] == "ann"
    assert_problem(await anonymous.get("/api/session", headers=secret), 401)


async def test_over_https_a_plain_cookie_does_not_count(
    ann: User, anonymous: httpx.AsyncClient
) -> None:
    """Anyone on a plain-HTTP path can plant a plain cookie; over HTTPS only the __Host- one
    (which a browser accepts only from HTTPS) is read."""
    planted = {"Cookie": f"{SESSION_COOKIE}={ann.browser.cookies[SESSION_COOKIE]}"}
    assert_problem(await anonymous.get("/api/session", headers={**OVER_HTTPS, **planted}), 401)


async def test_sign_out_over_https_clears_the_secure_cookie(anonymous: httpx.AsyncClient) -> None:
    await sign_up(anonymous, "ann")
    signed_in = await anonymous.post(
        "/api/session", json={"username": "ann", "password": PASSWORD}, headers=OVER_HTTPS
    )
    secret = session_cookie(signed_in, SECURE_SESSION_COOKIE)["value"]
    cookie = {"Cookie": f"{SECURE_SESSION_COOKIE}={secret}"}
    response = await anonymous.delete("/api/session", headers={**OVER_HTTPS, **cookie})

    cleared = session_cookie(response, SECURE_SESSION_COOKIE)
    assert (cleared["value"].strip('"'), cleared["max-age"]) == ("", "0")
    assert_problem(await anonymous.get("/api/session", headers={**OVER_HTTPS, **cookie}), 401)


async def test_the_session_says_who_is_signed_in(ann: User, anonymous: httpx.AsyncClient) -> None:
    by_cookie = await ann.browser.get("/api/session")
    by_token = await ann.api.get("/api/session")
    signed_out = await anonymous.get("/api/session")

    assert by_cookie.json() == by_token.json() == {"username": "ann", "mode": "accounts"}
    assert_problem(signed_out, 401)
    assert signed_out.headers["www-authenticate"].startswith("Bearer")


async def test_wrong_password_and_unknown_name_get_one_answer(
    anonymous: httpx.AsyncClient,
) -> None:
    await sign_up(anonymous, "ann")
    wrong = await sign_in(anonymous, "ann", "not the password")
    unknown = await sign_in(anonymous, "nobody", PASSWORD)

    for response in (wrong, unknown):
        assert_problem(response, 401)
        assert "set-cookie" not in response.headers
        assert response.headers["www-authenticate"].startswith("Bearer")
    assert wrong.json() == unknown.json()


async def test_an_unknown_name_takes_as_long_as_a_wrong_password(
    anonymous: httpx.AsyncClient,
) -> None:
    await sign_up(anonymous, "ann")

    async def seconds(name: str) -> float:
        started = time.perf_counter()
        await anonymous.post(
            "/api/session",
            json={"username": name, "password": "not the password"},
            headers={"X-Forwarded-For": f"192.0.2.{len(name)}"},  # within the address limit
        )
        return time.perf_counter() - started

    wrong = statistics.median([await seconds("ann") for _ in range(3)])
    unknown = statistics.median([await seconds("nobody") for _ in range(3)])
    # Both verify an argon2id hash (tens of ms); skipping it would take well under 1/3.
    assert unknown > wrong / 3


async def test_sign_out_ends_the_session_on_the_server(ann: User, accounts_app: Starlette) -> None:
    secret = ann.browser.cookies[SESSION_COOKIE]
    response = await ann.browser.delete("/api/session")

    assert response.status_code == 204
    cleared = session_cookie(response)
    assert (cleared["value"].strip('"'), cleared["max-age"]) == ("", "0")
    # The old cookie, sent again by a client that kept it, is refused.
    async with http_client(accounts_app) as replay:
        replay.cookies.set(SESSION_COOKIE, secret)
        assert_problem(await replay.get("/api/todos"), 401)
        assert_problem(await replay.get("/api/session"), 401)
    # The token is not a session: it still works.
    assert (await ann.api.get("/api/todos")).status_code == 200


async def test_signing_in_again_ends_the_session_it_replaces(
    ann: User, accounts_app: Starlette
) -> None:
    first = ann.browser.cookies[SESSION_COOKIE]
    again = await sign_in(ann.browser, "ann")

    assert again.status_code == 200
    assert ann.browser.cookies[SESSION_COOKIE] != first
    async with http_client(accounts_app) as replay:
        replay.cookies.set(SESSION_COOKIE, first)
        assert_problem(await replay.get("/api/session"), 401)


async def test_sign_out_without_a_session_is_204(anonymous: httpx.AsyncClient) -> None:
    assert (await anonymous.delete("/api/session")).status_code == 204


async def test_an_expired_session_is_refused(accounts_settings: Settings) -> None:
    app = create_app(dataclasses.replace(accounts_settings, session_ttl_s=1))
    async with LifespanManager(app), http_client(app) as browser:
        await sign_up(browser, "ann")
        assert (await sign_in(browser, "ann")).status_code == 200
        assert (await browser.get("/api/session")).status_code == 200
        await asyncio.sleep(1.2)

        assert_problem(await browser.get("/api/session"), 401)


async def test_open_mode_session_says_open(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/session")

    assert response.status_code == 200
    assert response.json() == {"username": None, "mode": "open"}


@pytest.mark.parametrize("method", ["POST", "DELETE"])
async def test_open_mode_has_no_sign_in_or_out(client: httpx.AsyncClient, method: str) -> None:
    response = await client.request(method, "/api/session")

    assert_problem(response, 405)
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD"}


@pytest.mark.parametrize("username", ["ann\u0000", "ann smith", ""])
async def test_a_username_no_account_can_have_is_refused_before_the_lookup(
    anonymous: httpx.AsyncClient, username: str
) -> None:
    response = await anonymous.post(
        "/api/session", json={"username": username, "password": "whatever it is"}
    )

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "username"
