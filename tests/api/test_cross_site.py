"""In accounts mode, the page's cookie cannot be used from another site; tokens can."""

from __future__ import annotations

import httpx

from tests.api.accounts import PASSWORD, User, sign_up
from tests.api.test_bad_input import assert_problem

ELSEWHERE = {"Origin": "https://elsewhere.example", "Sec-Fetch-Site": "cross-site"}


async def test_a_cookie_write_from_another_site_is_refused(ann: User) -> None:
    refused = await ann.browser.post("/api/todos", json={"title": "planted"}, headers=ELSEWHERE)
    deleted = await ann.browser.delete("/api/todos", headers=ELSEWHERE)
    same_site = await ann.browser.post(
        "/api/todos",
        json={"title": "mine"},
        headers={"Origin": "http://testserver", "Sec-Fetch-Site": "same-origin"},
    )

    assert_problem(refused, 403)
    assert_problem(deleted, 403)
    assert same_site.status_code == 201
    assert [t["title"] for t in (await ann.api.get("/api/todos")).json()] == ["mine"]


async def test_a_cookie_read_from_another_site_is_not_a_write(ann: User) -> None:
    # CORS, not this check, keeps the answer from the other site's script.
    assert (await ann.browser.get("/api/todos", headers=ELSEWHERE)).status_code == 200


async def test_sign_in_from_another_site_is_refused(anonymous: httpx.AsyncClient) -> None:
    await sign_up(anonymous, "ann")
    response = await anonymous.post(
        "/api/session", json={"username": "ann", "password": PASSWORD}, headers=ELSEWHERE
    )

    assert_problem(response, 403)
    assert "set-cookie" not in response.headers


async def test_token_writes_work_from_any_origin(ann: User) -> None:
    response = await ann.api.post("/api/todos", json={"title": "from a script"}, headers=ELSEWHERE)

    assert response.status_code == 201


async def test_cors_lets_tokens_through_and_never_credentials(ann: User) -> None:
    preflight = await ann.api.options(
        "/api/todos",
        headers={
            "Origin": "https://elsewhere.example",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    simple = await ann.api.get("/api/todos", headers={"Origin": "https://elsewhere.example"})

    assert preflight.status_code == 200
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    for response in (preflight, simple):
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
