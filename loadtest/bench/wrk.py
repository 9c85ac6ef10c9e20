"""Drive one endpoint with wrk and its Lua script; wrk's own summary as a dict."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).parent.parent / "wrk" / "todos.lua"
# How many seeded todos the get and patch runs cycle through.
SEEDED = 100


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    script_args: tuple[str, ...]


ENDPOINTS = {
    endpoint.name: endpoint
    for endpoint in (
        Endpoint("list", "/api/todos?limit=20", ("list",)),
        Endpoint("get", "/api/todos", ("get", str(SEEDED))),
        Endpoint("create", "/api/todos", ("create",)),
        Endpoint("patch", "/api/todos", ("patch", str(SEEDED))),
    )
}


def command(
    url: str, endpoint: Endpoint, *, seconds: float, connections: int, pin: Sequence[str] = ()
) -> list[str]:
    return [
        *pin,
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds:g}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(SCRIPT),
        url + endpoint.path,
        "--",
        *endpoint.script_args,
    ]


def parse(output: str) -> dict[str, float]:
    """The JSON line the script's `done` prints last."""
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def run(
    url: str, endpoint: Endpoint, *, seconds: float, connections: int, pin: Sequence[str] = ()
) -> dict[str, float]:
    argv = command(url, endpoint, seconds=seconds, connections=connections, pin=pin)
    output = subprocess.run(argv, check=True, capture_output=True, text=True, timeout=seconds + 30)
    return parse(output.stdout)
