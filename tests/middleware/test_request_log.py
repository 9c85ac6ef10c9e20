"""One JSON line per request, with a request id echoed back to the client."""

from __future__ import annotations

import asyncio
import json
import logging

import httpx
import pytest


def messages(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "todo_async.access"]


async def access_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    await asyncio.sleep(0)  # the lines go out at the end of the loop's turn
    return [json.loads(line) for message in messages(caplog) for line in message.splitlines()]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_one_json_line_per_request(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="todo_async.access"):
        response = await client.post("/api/todos", json={"title": "x"})

    [line] = await access_lines(caplog)
    assert line["method"] == "POST"
    assert line["path"] == "/api/todos"
    assert line["status"] == 201
    assert isinstance(line["latency_ms"], float)
    assert line["request_id"] == response.headers["x-request-id"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_request_id_taken_from_the_client_or_the_load_balancer(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    trace = "Root=1-67891233-abcdef012345678912345678"
    with caplog.at_level(logging.INFO, logger="todo_async.access"):
        own = await client.get("/health", headers={"X-Request-ID": "abc-123"})
        amzn = await client.get("/health", headers={"X-Amzn-Trace-Id": trace})

    assert own.headers["x-request-id"] == "abc-123"
    assert amzn.headers["x-request-id"] == trace
    assert [line["request_id"] for line in await access_lines(caplog)] == ["abc-123", trace]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_unusable_request_ids_are_replaced(client: httpx.AsyncClient) -> None:
    for bad in ("has space", "x" * 201, 'quote"d'):
        response = await client.get("/health", headers={"X-Request-ID": bad})
        assert response.headers["x-request-id"] != bad
        assert len(response.headers["x-request-id"]) == 32


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_errors_are_logged_with_their_status(
    client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="todo_async.access"):
        await client.get("/api/todos/12345")

    assert (await access_lines(caplog))[0]["status"] == 404
