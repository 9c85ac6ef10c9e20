"""A bad release on purpose: under FAULT_SERVER_ERRORS_PATH every request is answered 500
with a problem document, the health check and every other path served as usual; unset, the
app has no such layer at all."""

from __future__ import annotations

import dataclasses

import pytest
from asgi_lifespan import LifespanManager

from tests.api.accounts import http_client
from todo_async.app import create_app
from todo_async.middleware.fault_injection import FaultInjectionMiddleware
from todo_async.settings import Settings


async def test_paths_under_the_fault_answer_500_and_the_rest_are_served(
    settings: Settings,
) -> None:
    faulty = create_app(dataclasses.replace(settings, fault_server_errors_path="/api/todos"))
    async with LifespanManager(faulty), http_client(faulty) as client:
        listed = await client.get("/api/todos")
        created = await client.post("/api/todos", json={"title": "never stored"})
        health = await client.get("/health")
        categories = await client.get("/api/categories")
    assert (listed.status_code, created.status_code) == (500, 500)
    assert listed.headers["content-type"] == "application/problem+json"
    assert listed.json()["status"] == 500
    assert "FAULT_SERVER_ERRORS_PATH" in listed.json()["detail"]
    assert (health.status_code, categories.status_code) == (200, 200)


def test_without_the_setting_there_is_no_fault_layer(settings: Settings) -> None:
    app = create_app(settings)
    assert FaultInjectionMiddleware not in [m.cls for m in app.user_middleware]


def test_the_setting_must_be_a_path() -> None:
    with pytest.raises(ValueError, match="FAULT_SERVER_ERRORS_PATH"):
        Settings.from_env({"FAULT_SERVER_ERRORS_PATH": "api/todos"})
    assert Settings.from_env({}).fault_server_errors_path is None
