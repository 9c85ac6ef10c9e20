"""Writes across workers on SQLite, and the service's tail on PostgreSQL with the database
server on a core of its own.

- SQLite: creates (wrk -c50) on one worker and on two, each on a database file of its own,
  alternating within every round: the two workers' req/s over the one's, p50/p99, and
  server CPU per request. One worker is pinned to the last core, wrk to the first; two
  workers get both cores.
- PostgreSQL: the service pinned to the last core, the PostgreSQL server (postmaster and
  every backend it forks) to the first, and wrk beside PostgreSQL, where it disturbs the
  service least: list 20, get one, create and patch, p50/p99.

`--baseline DIR` adds the same servers run from another checkout's src/, in the same run.

    python -m bench.workers --rounds 3 --duration 5
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import median
from typing import Any

import httpx

from bench import proc, wrk
from bench.servers import App, Running, running, unwind_on_sigterm
from testbed.postgres import PostgresServer, running_postgres


def cores() -> tuple[int, int]:
    """The core for the other processes (wrk, PostgreSQL) and the one for the service."""
    available = sorted(os.sched_getaffinity(0))
    if len(available) < 2:
        sys.exit("bench.workers needs two cores: one for the service, one for the rest")
    return available[0], available[-1]


def pin_tree(pid: int, core: int) -> None:
    """Pin a running process and its children; what it forks later inherits the pin."""
    for member in proc.tree(pid):
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(member, {core})


def measure(server: Running, endpoint: wrk.Endpoint, args: argparse.Namespace) -> dict[str, Any]:
    other, _ = cores()
    before = proc.cpu_seconds(server.pid)
    waited_before = proc.run_queue_seconds(server.pid)
    result = wrk.run(
        server.url,
        endpoint,
        seconds=args.duration,
        connections=args.connections,
        pin=["taskset", "-c", str(other)],
    )
    used = proc.cpu_seconds(server.pid) - before
    waited = proc.run_queue_seconds(server.pid) - waited_before
    return {
        **result,
        "cpu_us": used / max(result["requests"], 1) * 1e6,
        # The shares of the run the server's process spent on a core, and its event loop
        # spent runnable but waiting for one (other processes on its core).
        "busy": used / result["duration_s"],
        "waiting": waited / result["duration_s"],
    }


def seed(url: str) -> None:
    """The todos get and patch cycle through: the table's first."""
    with httpx.Client(base_url=url, timeout=30) as client:
        for n in range(wrk.SEEDED):
            client.post("/api/todos", json={"title": f"seed {n}"}).raise_for_status()


def sqlite_apps(baseline: Path | None) -> list[App]:
    apps = [App("service", "service"), App("service-w2", "service", workers=2)]
    if baseline is not None:
        apps += [
            App("baseline", "service", src=baseline),
            App("baseline-w2", "service", workers=2, src=baseline),
        ]
    return apps


def rounds(
    database: str,
    servers: Sequence[Running],
    endpoints: Sequence[wrk.Endpoint],
    args: argparse.Namespace,
) -> Iterator[dict[str, Any]]:
    """Every endpoint on every server per round, the order reversed on odd rounds."""
    for server in servers if args.warmup else ():  # imports, caches, prepared statements
        for endpoint in endpoints:
            wrk.run(server.url, endpoint, seconds=args.warmup, connections=args.connections)
    for round_ in range(args.rounds):
        for endpoint in endpoints:
            for server in servers if round_ % 2 == 0 else servers[::-1]:
                record = {
                    "database": database,
                    "endpoint": endpoint.name,
                    "app": server.app.name,
                    "round": round_,
                    **measure(server, endpoint, args),
                }
                print(json.dumps(record), flush=True)
                yield record


def sqlite_writes(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    _, service_core = cores()
    with contextlib.ExitStack() as stack:
        servers = []
        for app in sqlite_apps(args.baseline):
            url = f"sqlite:///{workdir / app.name}.db"
            pin = [] if app.workers > 1 else ["taskset", "-c", str(service_core)]
            servers.append(stack.enter_context(running(app, url, workdir, pin)))
        return list(rounds("sqlite", servers, [wrk.ENDPOINTS["create"]], args))


@dataclass(frozen=True)
class Variant:
    """A server on a PostgreSQL database of its own. `database_settings` are the PostgreSQL
    server's (`ALTER DATABASE ... SET`): diagnostics, not anything the service can set."""

    app: App
    database_settings: tuple[tuple[str, str], ...] = ()


POSTGRES_VARIANTS = {
    variant.app.name: variant
    for variant in (
        Variant(App("service", "service")),
        Variant(App("pool5", "service", settings=(("DATABASE_POOL_SIZE", "5"),))),
        Variant(App("pool20", "service", settings=(("DATABASE_POOL_SIZE", "20"),))),
        Variant(App("pool50", "service", settings=(("DATABASE_POOL_SIZE", "50"),))),
        Variant(App("no-access-log", "service", settings=(("LOG_LEVEL", "warning"),))),
        Variant(App("unprepared", "service", module="bench.unprepared")),
        Variant(App("async-commit", "service"), (("synchronous_commit", "off"),)),
        Variant(App("plain", "plain")),
    )
}


def postgres_variants(args: argparse.Namespace) -> list[Variant]:
    variants = [POSTGRES_VARIANTS[name] for name in args.variants.split(",")]
    if args.baseline is not None:
        variants.append(Variant(App("baseline", "service", src=args.baseline)))
    return variants


def create_database(server: PostgresServer, variant: Variant) -> str:
    """The variant's database, with its settings and the service's schema; its URL."""
    name = variant.app.name.replace("-", "_")
    server.psql(f"CREATE DATABASE {name}")
    for setting, value in variant.database_settings:
        server.psql(f"ALTER DATABASE {name} SET {setting} = '{value}'")
    url = server.url_for(name)
    migrate = [sys.executable, "-m", "todo_async", "migrate"]
    environment = {**os.environ, "DATABASE_URL": url}
    subprocess.run(migrate, check=True, capture_output=True, env=environment)
    return url


def postgres_tail(args: argparse.Namespace, workdir: Path) -> list[dict[str, Any]]:
    other, service_core = cores()
    with running_postgres() as database, contextlib.ExitStack() as stack:
        pin_tree(database.process.pid, other)
        servers = []
        for variant in postgres_variants(args):
            url = create_database(database, variant)
            pin = ["taskset", "-c", str(service_core)]
            servers.append(stack.enter_context(running(variant.app, url, workdir, pin)))
            seed(servers[-1].url)
        endpoints = [wrk.ENDPOINTS[name] for name in args.endpoints.split(",")]
        return list(rounds("postgresql", servers, endpoints, args))


def summary(records: Sequence[dict[str, Any]]) -> str:
    """Medians per database, endpoint and app; two workers against one within each round."""
    by_run = {(r["database"], r["endpoint"], r["app"], r["round"]): r for r in records}
    groups: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for record in records:
        groups.setdefault((record["database"], record["endpoint"], record["app"]), []).append(
            record
        )
    lines = [
        "database | endpoint | app | req/s | p50 ms | p90 ms | p99 ms | errors | CPU us/req"
        " | busy | waiting | vs 1 worker"
    ]
    for (database, endpoint, app), runs in groups.items():
        ratios = [
            run["rps"] / one["rps"]
            for run in runs
            if app.endswith("-w2")
            and (one := by_run.get((database, endpoint, app[:-3], run["round"])))
        ]
        lines.append(
            " | ".join(
                (
                    database,
                    endpoint,
                    app,
                    f"{median(run['rps'] for run in runs):,.0f}",
                    f"{median(run['p50_ms'] for run in runs):.1f}",
                    f"{median(run['p90_ms'] for run in runs):.1f}",
                    f"{median(run['p99_ms'] for run in runs):.1f}",
                    str(sum(int(run["non_2xx"] + run["socket_errors"]) for run in runs)),
                    f"{median(run['cpu_us'] for run in runs):.0f}",
                    f"{median(run['busy'] for run in runs):.0%}",
                    f"{median(run['waiting'] for run in runs):.0%}",
                    f"{median(ratios):.2f}x" if ratios else "",
                )
            )
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--duration", type=float, default=5, help="seconds per run (default 5)")
    parser.add_argument("--warmup", type=float, default=1, help="seconds per endpoint, 0: none")
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--variants",
        default="service",
        help=f"PostgreSQL servers to run, of: {', '.join(POSTGRES_VARIANTS)} (default: service)",
    )
    parser.add_argument("--endpoints", default="list,get,create,patch", help="PostgreSQL's")
    parser.add_argument(
        "--baseline", type=Path, help="also run the service from this src/ (an older checkout)"
    )
    args = parser.parse_args(argv)
    unwind_on_sigterm()
    scenarios = {"sqlite": sqlite_writes, "postgresql": postgres_tail}
    records = []
    for name in args.databases.split(","):
        with tempfile.TemporaryDirectory() as tmp:
            records += scenarios[name](args, Path(tmp))
    print()
    print(summary(records))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
