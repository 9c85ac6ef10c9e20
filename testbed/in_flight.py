"""Writes under way while a server is stopped: what a graceful stop must still answer."""

from __future__ import annotations

import asyncio

import httpx


async def _create(http: httpx.AsyncClient, n: int) -> int | str:
    try:
        response = await http.post("/api/todos", json={"title": f"t{n}"})
    except httpx.TransportError as exc:
        return type(exc).__name__
    return response.status_code


async def start_creates(http: httpx.AsyncClient, count: int) -> list[asyncio.Task[int | str]]:
    """`count` creates sent at once; returns when the first is answered, the rest in flight.

    Each task ends as the response's status, or as the name of the transport error.
    """
    tasks = [asyncio.create_task(_create(http, n)) for n in range(count)]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    return tasks
