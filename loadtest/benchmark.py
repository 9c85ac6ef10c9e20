"""Raw throughput of the API with wrk: list and create, on SQLite and on PostgreSQL.

Starts one server (one uvicorn worker) per database, seeds it, drives
`GET /api/todos?limit=20` and `POST /api/todos` with wrk, and prints one JSON
object per run. Needs wrk and, for PostgreSQL, the PostgreSQL server binaries.

    python -m loadtest.benchmark --duration 10 --connections 50
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from testbed.live_server import live_server
from testbed.postgres import find_binaries, running_postgres

WRK_SCRIPT = Path(__file__).parent / "wrk" / "todos.lua"
SEED_TODOS = 200


@contextlib.contextmanager
def database(name: str, workdir: Path) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
    else:
        with running_postgres() as server:
            yield server.url


def seed(url: str) -> None:
    for n in range(SEED_TODOS):
        body = json.dumps({"title": f"seed {n}", "category": "seed"}).encode()
        request = urllib.request.Request(
            f"{url}/api/todos", body, {"Content-Type": "application/json"}
        )
        urllib.request.urlopen(request).close()


def wrk(url: str, mode: str, args: argparse.Namespace) -> dict[str, float]:
    command = ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.duration}s"]
    command += ["--latency", "-s", str(WRK_SCRIPT), url, "--", mode]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def run_database(name: str, workdir: Path, args: argparse.Namespace) -> None:
    with database(name, workdir) as database_url, live_server(database_url, workdir) as server:
        seed(server.url)
        runs = {"list": f"{server.url}/api/todos?limit=20", "create": f"{server.url}/api/todos"}
        for mode, url in runs.items():
            result = wrk(url, mode, args)
            print(json.dumps({"database": name, "endpoint": mode, **result}), flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per run (default 10)")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: scripts/system-deps.sh bench installs it")
    databases = args.databases.split(",")
    if "postgresql" in databases and find_binaries() is None:
        sys.exit("no PostgreSQL server binaries: scripts/system-deps.sh bench installs them")
    for name in databases:
        with tempfile.TemporaryDirectory() as tmp:
            run_database(name, Path(tmp), args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
