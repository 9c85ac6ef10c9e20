"""Sign-up: POST /api/users, in accounts mode only."""

from __future__ import annotations

import dataclasses

import httpx
import pytest
from asgi_lifespan import LifespanManager

from tests.api.accounts import PASSWORD, http_client
from tests.api.test_bad_input import assert_problem, fields
from todo_async.accounts.passwords import PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH
from todo_async.app import create_app
from todo_async.settings import Settings


async def test_sign_up_makes_an_account_named_in_lowercase(anonymous: httpx.AsyncClient) -> None:
    response = await anonymous.post(
        "/api/users", json={"username": "Ann.Lee_2-x", "password": PASSWORD}
    )

    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"username", "createdAt"}
    assert body["username"] == "ann.lee_2-x"
    signed_in = await anonymous.post(
        "/api/session", json={"username": "ANN.LEE_2-X", "password": PASSWORD}
    )
    assert signed_in.json()["username"] == "ann.lee_2-x"


async def test_a_taken_name_is_409_whatever_its_case(anonymous: httpx.AsyncClient) -> None:
    first = await anonymous.post("/api/users", json={"username": "ann", "password": PASSWORD})
    again = await anonymous.post(
        "/api/users", json={"username": "ANN", "password": "another password"}
    )

    assert first.status_code == 201
    assert_problem(again, 409)
    # The first password still signs in: the account was not overwritten.
    signed_in = await anonymous.post("/api/session", json={"username": "ann", "password": PASSWORD})
    assert signed_in.status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "an", "password": PASSWORD}, "username"),
        ({"username": "a" * 33, "password": PASSWORD}, "username"),
        ({"username": "_ann", "password": PASSWORD}, "username"),
        ({"username": "ann lee", "password": PASSWORD}, "username"),
        ({"username": "anné", "password": PASSWORD}, "username"),
        ({"username": "ann", "password": "x" * (PASSWORD_MIN_LENGTH - 1)}, "password"),
        ({"username": "ann", "password": "x" * (PASSWORD_MAX_LENGTH + 1)}, "password"),
        ({"username": "ann"}, "password"),
        ({"username": 7, "password": PASSWORD}, "username"),
        ({"username": "ann", "password": PASSWORD, "admin": True}, "admin"),
    ],
)
async def test_invalid_sign_ups_are_422_naming_the_field(
    anonymous: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    response = await anonymous.post("/api/users", json=body)

    assert fields(assert_problem(response, 422)) == {field}


async def test_sign_up_closed_is_403(accounts_settings: Settings) -> None:
    app = create_app(dataclasses.replace(accounts_settings, sign_up_open=False))
    async with LifespanManager(app), http_client(app) as http:
        response = await http.post("/api/users", json={"username": "ann", "password": PASSWORD})

    body = assert_problem(response, 403)
    assert "closed" in str(body["detail"])


async def test_open_mode_has_no_sign_up(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/users", json={"username": "ann", "password": PASSWORD})

    assert_problem(response, 404)
