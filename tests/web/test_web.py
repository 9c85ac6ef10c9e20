"""`GET /` and `/static`: what is served, and how browsers may cache it."""

from __future__ import annotations

import re

import httpx
import pytest

from todo_async.accounts.passwords import PASSWORD_MIN_LENGTH
from todo_async.web import IMMUTABLE, REVALIDATE, fingerprint

STATIC_NAMES = {
    "app.js": "text/javascript",
    "app.css": "text/css",
    "icon.svg": "image/svg+xml",
}


def test_page_is_html_that_revalidates(http: httpx.Client) -> None:
    response = http.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert response.headers["cache-control"] == REVALIDATE
    again = http.get("/", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    assert again.content == b""
    assert again.headers["etag"] == response.headers["etag"]
    assert http.head("/").status_code == 200


def test_page_has_no_inline_script_or_style(http: httpx.Client) -> None:
    html = http.get("/").text
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts
    assert all('src="/static/' in tag for tag in scripts), scripts
    assert "style=" not in html
    assert "<style" not in html
    assert not re.search(r"\son[a-z]+=", html), "no inline event handlers"


def test_sign_up_form_states_the_servers_password_rule(http: httpx.Client) -> None:
    html = http.get("/").text
    field = re.search(r'<input id="sign-up-password"[^>]*>', html)
    assert field
    assert f'minlength="{PASSWORD_MIN_LENGTH}"' in field.group()
    assert f"At least {PASSWORD_MIN_LENGTH} characters." in html


def test_page_names_each_static_file_by_its_content(http: httpx.Client) -> None:
    html = http.get("/").text
    for name in STATIC_NAMES:
        assert f"/static/{name}?v={fingerprint(name)}" in html


@pytest.mark.parametrize(("name", "media_type"), STATIC_NAMES.items())
def test_versioned_static_file_is_immutable(http: httpx.Client, name: str, media_type: str) -> None:
    response = http.get(f"/static/{name}", params={"v": fingerprint(name)})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media_type)
    assert response.headers["cache-control"] == IMMUTABLE


@pytest.mark.parametrize("query", [{}, {"v": "000000000000"}])
def test_unversioned_or_other_version_revalidates(
    http: httpx.Client, query: dict[str, str]
) -> None:
    # `api.js` is imported by `app.js` without a version; an old `v` may reach a new task.
    response = http.get("/static/api.js", params=query)
    assert response.status_code == 200
    assert response.headers["cache-control"] == REVALIDATE
    assert "last-modified" in response.headers
    again = http.get(
        "/static/api.js", params=query, headers={"If-None-Match": response.headers["etag"]}
    )
    assert again.status_code == 304
    assert again.headers["cache-control"] == REVALIDATE


@pytest.mark.parametrize("path", ["/static/missing.js", "/static/%2e%2e/web.py", "/static/"])
def test_no_file_is_a_problem_not_a_page(http: httpx.Client, path: str) -> None:
    response = http.get(path)
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
