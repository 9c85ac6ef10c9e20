"""Drive one endpoint with wrk and its Lua script; wrk's own summary as a dict."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

SCRIPT = Path(__file__).parent / "todos.lua"
# How many seeded todos the get and patch runs cycle through.
SEEDED = 100


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str
    # Whether it addresses the seeded todos one by one (get, patch) rather than the collection.
    per_item: bool = False


@dataclass(frozen=True)
class Target:
    """What a server's requests need: the id its seeded todos start at, and in accounts
    mode the Authorization header (open-mode servers share the table's first todos)."""

    first_id: int = 1
    authorization: str | None = None


ENDPOINTS = {
    endpoint.name: endpoint
    for endpoint in (
        Endpoint("list", "/api/todos?limit=20"),
        Endpoint("get", "/api/todos", per_item=True),
        Endpoint("create", "/api/todos"),
        Endpoint("patch", "/api/todos", per_item=True),
    )
}


def command(
    url: str,
    endpoint: Endpoint,
    *,
    seconds: float,
    connections: int,
    pin: Sequence[str] = (),
    target: Target = Target(),
) -> list[str]:
    script_args = [endpoint.name]
    if endpoint.per_item:
        script_args += [str(SEEDED), str(target.first_id)]
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
        *script_args,
    ]


def parse(output: str) -> dict[str, float]:
    """The JSON line the script's `done` prints last."""
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def run(
    url: str,
    endpoint: Endpoint,
    *,
    seconds: float,
    connections: int,
    pin: Sequence[str] = (),
    target: Target = Target(),
) -> dict[str, float]:
    argv = command(url, endpoint, seconds=seconds, connections=connections, pin=pin, target=target)
    # The token goes through the environment, not wrk's command line.
    env = {**os.environ, "WRK_AUTHORIZATION": target.authorization or ""}
    output = subprocess.run(
        argv, check=True, capture_output=True, text=True, timeout=seconds + 30, env=env
    )
    return parse(output.stdout)
