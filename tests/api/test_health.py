"""Liveness and readiness."""

from __future__ import annotations

import httpx
from starlette.applications import Starlette


async def test_health_is_200(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_ready_after_a_database_round_trip(client: httpx.AsyncClient) -> None:
    response = await client.get("/ready")
    assert response.status_code == 200


async def test_not_ready_when_the_database_is_gone(
    app: Starlette, client: httpx.AsyncClient
) -> None:
    database = app.state.repository._db
    await database.disconnect()
    try:
        ready = await client.get("/ready")
        health = await client.get("/health")
    finally:
        await database.connect()

    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert health.status_code == 200
