"""A fresh account on a server in accounts mode, signed up and holding an API token, the way
an API client gets one: sign up, sign in (the session cookie), create a token with it."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import httpx

from todo_async.accounts.credentials import session_cookie


@dataclass(frozen=True)
class Account:
    username: str
    password: str
    token: str
    token_id: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def _expect(response: httpx.Response, status: int) -> httpx.Response:
    if response.status_code != status:
        raise AssertionError(
            f"{response.request.method} {response.request.url.path}: "
            f"{response.status_code}, expected {status}: {response.text}"
        )
    return response


def sign_up(client: httpx.Client, prefix: str = "it") -> Account:
    """Sign up a user with a unique name and return it with a new token.

    The token is created with the session cookie, as from the page: the request carries the
    Origin and Sec-Fetch-Site a browser sends, so the cross-site check lets it through.
    """
    username = f"{prefix}-{uuid.uuid4().hex[:12]}"
    password = secrets.token_urlsafe(18)
    credentials = {"username": username, "password": password}
    _expect(client.post("/api/users", json=credentials), 201)
    signed_in = _expect(client.post("/api/session", json=credentials), 200)
    url = client.base_url
    cookie = session_cookie(url.scheme)  # __Host- prefixed over HTTPS
    session = signed_in.cookies.get(cookie)
    # The cookie stays out of the client's jar: an account's requests carry only its token.
    client.cookies.clear()
    if not session:
        raise AssertionError(f"sign-in set no {cookie} cookie: {signed_in.headers}")
    origin = f"{url.scheme}://{url.netloc.decode()}"
    created = _expect(
        client.post(
            "/api/tokens",
            json={"name": f"{prefix} client"},
            headers={
                "Cookie": f"{cookie}={session}",
                "Origin": origin,
                "Sec-Fetch-Site": "same-origin",
            },
        ),
        201,
    )
    body = created.json()
    return Account(username, password, body["token"], str(body["id"]))
