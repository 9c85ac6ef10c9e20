"""Side by side, alternating: the service, its two floors, the hello-world ceiling, Flask.

Per database, every server runs at once (idle while another is measured) on the same
table: the service creates it and seeds 100 todos. Beside it: the independent floor
(bench/plain.py, the plainest correct hand-written app), the same-technique floor
(bench/floor.py, the raw driver driven as the service drives it), Starlette's hello world
(bench/hello.py) and, on SQLite, the seed's Flask stack. The service in accounts mode
signs up a user, seeds 100 todos of that user's, and sends one token with every request:
its CPU per request over the open service's is what authenticating costs. Each round
measures every endpoint on every server in turn, the order reversed on odd rounds so
drift favours nobody.
Pinned, servers run on the last core and wrk on the first; unpinned, the scheduler
places both. Prints one JSON line per run, then medians with same-round ratios.
`--baseline DIR` adds the service run from another checkout's src/ (e.g. `git archive
main src`).

    python -m bench --rounds 3 --duration 5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import sys
import tempfile
import urllib.request
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import httpx

from bench import proc, report, wrk
from bench.servers import App, Running, running, unwind_on_sigterm
from hostkit.postgres import find_binaries
from testbed.accounts import sign_up
from testbed.postgres import running_postgres

SERVICE = App("service", "service")
ACCOUNTS = App(report.ACCOUNTS_APP, "service", auth_mode="accounts")
FLOORS = (App("plain", "plain"), App("floor", "floor"), App("hello", "hello"))
APPS = {
    "sqlite": (SERVICE, ACCOUNTS, *FLOORS, App("flask", "flask")),
    "postgresql": (SERVICE, ACCOUNTS, *FLOORS),
}
PINNINGS = ("pinned", "unpinned")
TWO_WORKERS = App("service-w2", "service", workers=2)


def pins(pinning: str) -> tuple[list[str], list[str]]:
    """taskset prefixes for the servers and for wrk: apart when pinned and there are cores
    to spare."""
    cores = sorted(os.sched_getaffinity(0))
    if pinning != "pinned" or len(cores) < 2 or shutil.which("taskset") is None:
        return [], []
    return ["taskset", "-c", str(cores[-1])], ["taskset", "-c", str(cores[0])]


@contextlib.contextmanager
def database_url(name: str, workdir: Path) -> Iterator[str]:
    if name == "sqlite":
        yield f"sqlite:///{workdir / 'bench.db'}"
    else:
        with running_postgres() as server:
            yield server.url


def seed(url: str, count: int, credentials: dict[str, str]) -> list[int]:
    """Create `count` todos; their ids."""
    ids = []
    for n in range(count):
        body = json.dumps({"title": f"seed {n}", "category": "seed"}).encode()
        headers = {"Content-Type": "application/json", **credentials}
        request = urllib.request.Request(f"{url}/api/todos", body, headers)
        with urllib.request.urlopen(request) as response:
            ids.append(int(json.load(response)["id"]))
    return ids


def prepare(server: Running) -> wrk.Target:
    """Seed the server's own todos (in accounts mode as a new user, with its token)."""
    authorization = None
    if server.app.auth_mode == "accounts":
        with httpx.Client(base_url=server.url, timeout=30) as client:
            authorization = sign_up(client, prefix="bench").headers["Authorization"]
    ids = seed(server.url, wrk.SEEDED, {"Authorization": authorization} if authorization else {})
    if ids != list(range(ids[0], ids[0] + len(ids))):
        raise SystemExit(f"{server.app.name}: seeded ids are not consecutive: {ids}")
    return wrk.Target(ids[0], authorization)


def measure(
    server: Running,
    endpoint: wrk.Endpoint,
    args: argparse.Namespace,
    pin: Sequence[str],
    target: wrk.Target,
) -> dict[str, Any]:
    before = proc.cpu_seconds(server.pid)
    result = wrk.run(
        server.url,
        endpoint,
        seconds=args.duration,
        connections=args.connections,
        pin=pin,
        target=target,
    )
    used = proc.cpu_seconds(server.pid) - before
    return {**result, "cpu_us": used / max(result["requests"], 1) * 1e6}


def run_database(
    name: str, pinning: str, args: argparse.Namespace, workdir: Path
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The runs' records, and each server's resident memory afterwards."""
    server_pin, wrk_pin = pins(pinning)
    apps = list(APPS[name])
    if args.baseline:
        apps.append(App("baseline", "service", src=args.baseline))
    if args.workers2:
        apps.append(TWO_WORKERS)
    records: list[dict[str, Any]] = []
    memory: list[dict[str, Any]] = []
    with database_url(name, workdir) as url, contextlib.ExitStack() as stack:
        servers = []
        # The open service's seeded todos are the table's first: every open-mode server
        # (floor, Flask, baseline, two workers) cycles through those.
        targets: dict[App, wrk.Target] = {}
        for app in apps:
            # Two workers get every core: pinning them to one would measure nothing.
            pin = [] if app.workers > 1 else server_pin
            server = stack.enter_context(running(app, url, workdir, pin))
            servers.append(server)
            if app in (SERVICE, ACCOUNTS):
                targets[app] = prepare(server)
        endpoints = [wrk.ENDPOINTS[endpoint] for endpoint in args.endpoints.split(",")]
        for server in servers if args.warmup else ():  # imports, caches, prepared statements
            for endpoint in endpoints:
                wrk.run(
                    server.url,
                    endpoint,
                    seconds=args.warmup,
                    connections=args.connections,
                    pin=wrk_pin,
                    target=targets.get(server.app, targets[SERVICE]),
                )
        for round_ in range(args.rounds):
            for endpoint in endpoints:
                for server in servers if round_ % 2 == 0 else servers[::-1]:
                    record = {
                        "database": name,
                        "pinning": pinning,
                        "endpoint": endpoint.name,
                        "app": server.app.name,
                        "round": round_,
                        **measure(
                            server,
                            endpoint,
                            args,
                            wrk_pin,
                            targets.get(server.app, targets[SERVICE]),
                        ),
                    }
                    print(json.dumps(record), flush=True)
                    records.append(record)
        for server in servers:
            rss = {
                "database": name,
                "pinning": pinning,
                "app": server.app.name,
                "rss_mb": proc.largest_rss_mb(server.pid),
            }
            print(json.dumps(rss), flush=True)
            memory.append(rss)
    return records, memory


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5, help="seconds per run (default 5)")
    parser.add_argument("--warmup", type=float, default=1, help="seconds per endpoint, 0: none")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--endpoints", default=",".join(wrk.ENDPOINTS))
    parser.add_argument(
        "--pinning", default=",".join(PINNINGS), help="pinned, unpinned or both (the default)"
    )
    parser.add_argument(
        "--baseline", type=Path, help="also run the service from this src/ (an older checkout)"
    )
    parser.add_argument(
        "--workers2", action="store_true", help="also run the service with --workers 2"
    )
    args = parser.parse_args(argv)
    unwind_on_sigterm()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: scripts/system-deps.sh bench installs it")
    databases = args.databases.split(",")
    pinnings = args.pinning.split(",")
    if not set(pinnings) <= set(PINNINGS):
        sys.exit(f"--pinning: {', '.join(PINNINGS)} or both")
    if "postgresql" in databases and find_binaries() is None:
        sys.exit("no PostgreSQL server binaries: scripts/system-deps.sh bench installs them")
    records, memory = [], []
    for name in databases:
        for pinning in pinnings:
            with tempfile.TemporaryDirectory() as tmp:
                runs, rss = run_database(name, pinning, args, Path(tmp))
            records += runs
            memory += rss
    print()
    print(report.table(report.summarise(records)))
    print()
    print(report.memory(memory))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
