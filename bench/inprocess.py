"""CPU per request with no socket: the app called in process as uvicorn calls it.

On a loaded machine a socket benchmark's figures move more than a middleware costs; the
CPU this process spends per request does not depend on who else runs. Each variant runs
in a child process of its own (open mode, accounts mode with a token, and with
`--baseline DIR` both again from another checkout's src/): the child creates the app on a
fresh SQLite database, seeds 100 todos (in accounts mode a signed-up user's, sent with a
token), warms up, then times each endpoint with `time.process_time()`. Rounds alternate the
variants' order so drift favours nobody; the ratios are medians of same-round ratios.

    python -m bench.inprocess --rounds 5 --requests 3000
    python -m bench.inprocess --baseline /tmp/main/src   # e.g. `git archive main src`
    python -m bench.inprocess --src /tmp/change/src --baseline /tmp/before/src
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ENDPOINTS = ("list", "get", "create")
MODES = ("open", "accounts")
_WARM_UP = 200
_SEEDED = 100


class _Client:
    """Calls the ASGI app with the scope and messages uvicorn would give it."""

    def __init__(self, app: Any, headers: list[tuple[bytes, bytes]]) -> None:
        self.app = app
        self.headers = [(b"host", b"127.0.0.1:8000"), *headers]

    async def call(self, method: str, path: str, query: bytes = b"", body: bytes = b"") -> int:
        headers = list(self.headers)
        if body:
            headers += [
                (b"content-type", b"application/json"),
                (b"content-length", b"%d" % len(body)),
            ]
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.4"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
            "scheme": "http",
            "method": method,
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": query,
            "headers": headers,
            "state": {},
        }
        status = 0

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]

        await self.app(scope, receive, send)
        return status


async def _token(app: Any) -> str:
    import httpx

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as http:
        credentials = {"username": "bench", "password": "bench-password-1234"}
        (await http.post("/api/users", json=credentials)).raise_for_status()
        (await http.post("/api/session", json=credentials)).raise_for_status()
        created = await http.post(
            "/api/tokens",
            json={"name": "bench"},
            headers={"Origin": "http://127.0.0.1:8000", "Sec-Fetch-Site": "same-origin"},
        )
        created.raise_for_status()
        return str(created.json()["token"])


async def measure(mode: str, requests: int) -> dict[str, float]:
    from asgi_lifespan import LifespanManager

    from todo_async.app import create_app
    from todo_async.settings import Settings

    with tempfile.TemporaryDirectory() as directory:
        settings = Settings(
            database_url=f"sqlite:///{directory}/todo.db",
            auth_mode=mode,
            auth_mode_chosen=True,
            todos_per_user=10**9,
        )
        app = create_app(settings)
        async with LifespanManager(app):
            headers = []
            if mode == "accounts":
                headers = [(b"authorization", f"Bearer {await _token(app)}".encode())]
            client = _Client(app, headers)
            body = json.dumps({"title": "measured"}).encode()
            for _ in range(_SEEDED):
                assert await client.call("POST", "/api/todos", body=body) == 201
            calls: dict[str, Callable[[], Awaitable[int]]] = {
                "list": lambda: client.call("GET", "/api/todos", b"limit=20"),
                "get": lambda: client.call("GET", "/api/todos/1"),
                "create": lambda: client.call("POST", "/api/todos", body=body),
            }
            cpu_us: dict[str, float] = {}
            for endpoint, call in calls.items():
                for _ in range(_WARM_UP):
                    await call()
                started = time.process_time()
                for _ in range(requests):
                    status = await call()
                cpu_us[endpoint] = (time.process_time() - started) / requests * 1e6
                assert status in (200, 201), f"{endpoint}: {status}"
            return cpu_us


def _child(variant: str, src: Path | None, requests: int) -> dict[str, float]:
    path = os.pathsep.join(str(part) for part in (src, ROOT) if part is not None)
    env = {**os.environ, "PYTHONPATH": path, "LOG_LEVEL": "WARNING"}
    mode = variant.removeprefix("baseline-")
    argv = [sys.executable, "-m", "bench.inprocess", "--child", mode, "--requests", str(requests)]
    output = subprocess.run(argv, env=env, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(output.splitlines()[-1])
    return result


def ratios(rounds: list[dict[str, dict[str, float]]], over: str, under: str) -> dict[str, float]:
    """Per endpoint, the median over rounds of `over`'s CPU per request / `under`'s."""
    return {
        endpoint: statistics.median(run[over][endpoint] / run[under][endpoint] for run in rounds)
        for endpoint in ENDPOINTS
    }


def table(rounds: list[dict[str, dict[str, float]]]) -> str:
    variants = list(rounds[0])
    lines = ["| variant | " + " | ".join(f"{e} µs" for e in ENDPOINTS) + " |"]
    lines.append("|---" * (len(ENDPOINTS) + 1) + "|")
    for variant in variants:
        medians = [statistics.median(run[variant][e] for run in rounds) for e in ENDPOINTS]
        lines.append(f"| {variant} | " + " | ".join(f"{m:.1f}" for m in medians) + " |")
    pairs = [("accounts", "open")]
    if "baseline-open" in variants:
        pairs += [("baseline-accounts", "baseline-open"), ("open", "baseline-open")]
        pairs += [("accounts", "baseline-accounts")]
    for over, under in pairs:
        shown = ratios(rounds, over, under)
        lines.append(
            f"| {over} / {under} | " + " | ".join(f"{shown[e]:.3f}" for e in ENDPOINTS) + " |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=3000, help="timed per endpoint")
    parser.add_argument("--src", type=Path, help="run from this src/ (default: the installed one)")
    parser.add_argument("--baseline", type=Path, help="also run from this src/ (another checkout)")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(asyncio.run(measure(args.child, args.requests))))
        return
    src = args.src.resolve() if args.src else None
    variants: list[tuple[str, Path | None]] = [(mode, src) for mode in MODES]
    if args.baseline:
        variants += [(f"baseline-{mode}", args.baseline.resolve()) for mode in MODES]
    rounds = []
    for round_ in range(args.rounds):
        order = variants if round_ % 2 == 0 else variants[::-1]
        run = {name: _child(name, src, args.requests) for name, src in order}
        print(json.dumps({"round": round_, **run}), flush=True)
        rounds.append(run)
    print(table(rounds))


if __name__ == "__main__":
    main()
