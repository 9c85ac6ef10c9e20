"""Waiting for a PostgreSQL server to accept connections: listening is not enough (a server
still starting up refuses them)."""

from __future__ import annotations

import asyncio
import time

from standin.runtime.process.postgres import postgres_bindir


async def accepting_connections(port: int, within: float = 60) -> None:
    command = [str(postgres_bindir() / "pg_isready"), "-q", "-h", "127.0.0.1", "-p", str(port)]
    deadline = time.monotonic() + within
    while True:
        check = await asyncio.create_subprocess_exec(*command)
        if await check.wait() == 0:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"PostgreSQL on port {port} not accepting in {within:.0f} s")
        await asyncio.sleep(0.1)
