"""List latency and clear-completed at scale: 1k, 100k and 1M todos, SQLite and PostgreSQL.

For each database and size: a version-1 database is seeded (bench.seed) and then
migrated, timing the migrations before the due dates' and the due dates' own (its columns
and indexes); a quarter of the todos then get no due date and the rest one in the week
around today (bench.seed.set_due_dates). One server (one uvicorn worker, pinned to the first
core when there are two) answers wrk (pinned to the second) for page 1 and for a deep
page (the cursor at 90 % of the filtered list, or as deep as leaves a full page after
it), for every filter, alternating page 1 and the deep page for `--rounds` rounds. Each
cell's ratio is the median of its rounds' ratios: the two runs of a round follow each
other, so load from elsewhere on the machine weighs on both alike. Then, on a table of
300k todos, clear-completed deletes 100k of them while readers keep listing; their
longest wait is reported.

Prints one JSON object per measurement, then Markdown tables.

    python -m bench.scale --sizes 1000,100000,1000000 --duration 2 --rounds 6
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import httpx
from sqlalchemy import func, select

from bench.seed import COMPLETED_EVERY, insert_rows, set_due_dates
from bench.servers import unwind_on_sigterm
from bench.wrk import SCRIPT as WRK_SCRIPT
from hostkit.postgres import find_binaries
from testbed.live_server import LiveServer, live_server
from testbed.postgres import PostgresServer, running_postgres
from todo_async.database import migrations
from todo_async.database.engine import TodoDatabase, open_database
from todo_async.database.tables import UNORDERED, todos
from todo_async.pagination import NO_DUE, Cursor
from todo_async.settings import Settings

PAGE = 20
# The bench's today: the UTC date the due views take when a request names no tz.
TODAY = dt.datetime.now(dt.UTC).date()
# Query strings of the list filters and views, and the condition each one selects.
FILTERS: dict[str, dict[str, Any]] = {
    "none": {},
    "completed": {"completed": "false"},
    "category": {"category": "c3"},
    "both": {"category": "c3", "completed": "false"},
    "due today": {"due": "today"},
    "overdue": {"due": "overdue"},
    "upcoming": {"due": "upcoming"},
    "no due date": {"due": "none"},
    "due before": {"due_before": (TODAY + dt.timedelta(days=2)).isoformat()},
    "sort due": {"sort": "due"},
    "sort due, open": {"sort": "due", "completed": "false"},
}
DEEP_FRACTION = 0.9
CLEAR_ROWS = 100_000
READERS = 4
# Ticks per second of /proc/PID/stat's utime and stime.
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Cores:
    """Where the server and the load generator run: apart when there are two cores."""

    server: set[int] | None
    client: set[int] | None

    @classmethod
    def split(cls) -> Cores:
        available = sorted(os.sched_getaffinity(0))
        if len(available) < 2:
            return cls(None, None)
        return cls({available[0]}, {available[1]})

    def pin_server(self, pid: int) -> None:
        # Every thread of the process (the event loop and aiosqlite's connection thread).
        if self.server is not None:
            for task in Path(f"/proc/{pid}/task").iterdir():
                os.sched_setaffinity(int(task.name), self.server)

    def client_command(self, command: list[str]) -> list[str]:
        if self.client is None:
            return command
        return ["taskset", "-c", ",".join(map(str, sorted(self.client))), *command]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # utime and stime are fields 14 and 15; the split starts at field 3.
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def where(filters: dict[str, str]) -> list[Any]:
    conditions: list[Any] = []
    if "completed" in filters:
        conditions.append(todos.c.completed == (filters["completed"] == "true"))
    if "category" in filters:
        conditions.append(todos.c.category == filters["category"])
    due = filters.get("due")
    if due == "today":
        conditions.append(todos.c.due == TODAY)
    elif due == "overdue":
        conditions += [todos.c.due < TODAY, todos.c.completed.is_(False)]
    elif due == "upcoming":
        conditions.append(todos.c.due > TODAY)
    elif due == "none":
        conditions.append(todos.c.due.is_(None))
    if "due_before" in filters:
        conditions.append(todos.c.due < dt.date.fromisoformat(filters["due_before"]))
    return conditions


async def deep_cursor(database: TodoDatabase, filters: dict[str, str]) -> str:
    """The cursor of the todo at DEEP_FRACTION of the filtered list (todos have no order).

    Never so deep that fewer than PAGE todos and a next page follow it: a shorter deep
    page would cost less than page 1 for that reason alone. In due order, the cursor sits
    among the dated todos, the last to hold one (those without come after).
    """
    by_due = filters.get("sort") == "due"
    conditions = where(filters)
    if by_due:
        conditions.append(todos.c.due.is_not(None))
    count = await database.fetch_val(select(func.count()).select_from(todos).where(*conditions))
    order = [todos.c.due] if by_due else []
    query = (
        select(todos.c.id, todos.c.due)
        .where(*conditions)
        .order_by(*order, todos.c.position, todos.c.id)
        .offset(min(int(count * DEEP_FRACTION), count - PAGE - 2))
        .limit(1)
    )
    row = await database.fetch_one(query)
    assert row is not None
    due_day = (row[1].toordinal() if row[1] else NO_DUE) if by_due else None
    return Cursor(UNORDERED, row[0], due_day).encode()


async def prepare(database_url: str, rows: int) -> dict[str, Any]:
    """A version-1 database of `rows` todos, migrated; the seconds each step took."""
    database = open_database(Settings(database_url=database_url))
    async with database:
        with mock.patch.object(migrations, "MIGRATIONS", migrations.MIGRATIONS[:1]):
            await migrations.migrate(database)
        started = time.perf_counter()
        await insert_rows(database, rows)
        seeded = time.perf_counter() - started
        started = time.perf_counter()
        with mock.patch.object(migrations, "MIGRATIONS", migrations.MIGRATIONS[:-1]):
            applied = await migrations.migrate(database)
        migrated = time.perf_counter() - started
        started = time.perf_counter()
        applied += await migrations.migrate(database)
        due_migrated = time.perf_counter() - started
        await set_due_dates(database, TODAY)
        cursors = {name: await deep_cursor(database, query) for name, query in FILTERS.items()}
    return {
        "seed_s": seeded,
        "migrate_s": migrated,
        "due_migrate_s": due_migrated,
        "applied": applied,
        "cursors": cursors,
    }


def wrk(url: str, args: argparse.Namespace, cores: Cores) -> dict[str, float]:
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{args.duration}s", "--latency"]
    command += ["-s", str(WRK_SCRIPT), url, "--", "list"]
    output = subprocess.run(
        cores.client_command(command), check=True, capture_output=True, text=True
    ).stdout
    result: dict[str, float] = json.loads(output.strip().splitlines()[-1])
    return result


def measure(
    server: LiveServer, url: str, args: argparse.Namespace, cores: Cores
) -> dict[str, float]:
    pid = server.process.pid
    before = cpu_seconds(pid)
    result = wrk(url, args, cores)
    if not result["requests"]:
        raise RuntimeError(f"the server answered nothing in {args.duration} s: {url}")
    result["cpu_us_per_request"] = (cpu_seconds(pid) - before) / result["requests"] * 1e6
    return result


def list_urls(base: str, cursors: dict[str, str]) -> Iterator[tuple[str, str, str]]:
    for name, query in FILTERS.items():
        params = {"limit": str(PAGE), **query}
        yield name, "page 1", str(httpx.URL(f"{base}/api/todos", params=params))
        deep = {**params, "cursor": cursors[name]}
        yield name, "deep", str(httpx.URL(f"{base}/api/todos", params=deep))


def emit(record: dict[str, Any]) -> dict[str, Any]:
    print(json.dumps(record), flush=True)
    return record


def bench_lists(
    database: str, url: str, rows: int, workdir: Path, args: argparse.Namespace, cores: Cores
) -> list[dict[str, Any]]:
    prepared = asyncio.run(prepare(url, rows))
    emit(
        {
            "database": database,
            "rows": rows,
            "seed_s": round(prepared["seed_s"], 2),
            "migrate_s": round(prepared["migrate_s"], 2),
            "due_migrate_s": round(prepared["due_migrate_s"], 2),
            "applied": prepared["applied"],
        }
    )
    records = []
    with live_server(url, workdir) as server:
        cores.pin_server(server.process.pid)
        targets = list(list_urls(server.url, prepared["cursors"]))
        for round_ in range(args.rounds):
            # Page 1 then the deep page, the other way round every second round.
            pairs = [targets[i : i + 2] for i in range(0, len(targets), 2)]
            for pair in pairs:
                for name, page, target in pair if round_ % 2 == 0 else reversed(pair):
                    result = measure(server, target, args, cores)
                    record = {"database": database, "rows": rows, "filter": name, "page": page}
                    records.append(emit({**record, "round": round_, **result}))
    return records


async def clear_while_reading(base: str) -> dict[str, Any]:
    """DELETE the completed todos while READERS clients keep listing page 1."""
    waits: list[tuple[float, float]] = []
    stop = asyncio.Event()

    async def read(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            started = time.perf_counter()
            response = await client.get(f"/api/todos?limit={PAGE}")
            response.raise_for_status()
            waits.append((started, time.perf_counter()))

    limits = httpx.Limits(max_connections=READERS + 1)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        readers = [asyncio.create_task(read(client)) for _ in range(READERS)]
        await asyncio.sleep(1.0)
        started = time.perf_counter()
        response = await client.delete("/api/todos?completed=true")
        ended = time.perf_counter()
        await asyncio.sleep(0.5)
        stop.set()
        await asyncio.gather(*readers)
    response.raise_for_status()
    during = [end - start for start, end in waits if end >= started and start <= ended]
    before = [end - start for start, end in waits if end < started]
    return {
        "deleted": response.json()["deleted"],
        "clear_s": ended - started,
        "readers_answered_during": len(during),
        "reader_longest_wait_ms": max(during, default=0.0) * 1000,
        "reader_p50_before_ms": statistics.median(before) * 1000,
    }


def bench_clear(database: str, url: str, workdir: Path, cores: Cores) -> dict[str, Any]:
    rows = CLEAR_ROWS * COMPLETED_EVERY
    asyncio.run(prepare(url, rows))
    with live_server(url, workdir) as server:
        cores.pin_server(server.process.pid)
        result = asyncio.run(clear_while_reading(server.url))
    return emit({"database": database, "rows": rows, **result})


class FreshDatabases:
    """A new, empty database per call: a SQLite file, or a database on one PostgreSQL server."""

    def __init__(self, workdir: Path, postgres: PostgresServer | None) -> None:
        self._workdir = workdir
        self._postgres = postgres
        self._made = 0

    def url(self, name: str) -> str:
        self._made += 1
        label = f"bench_{self._made}"
        if name == "sqlite":
            return f"sqlite:///{self._workdir / label}.db"
        assert self._postgres is not None
        self._postgres.psql(f"CREATE DATABASE {label}")
        return self._postgres.url_for(label)


def median_of(records: list[dict[str, Any]], key: str) -> float:
    return statistics.median(float(record[key]) for record in records)


def print_tables(lists: list[dict[str, Any]], clears: list[dict[str, Any]]) -> None:
    print(
        "\n| database | rows | filter | page 1 p50 | deep p50 | deep / page 1 | CPU µs 1 / deep |"
    )
    # Medians over the rounds; the ratio is the median of each round's own ratio.
    print("|---|---|---|---|---|---|---|")
    groups: dict[tuple[str, int, str], dict[str, list[dict[str, Any]]]] = {}
    for record in lists:
        key = (record["database"], record["rows"], record["filter"])
        groups.setdefault(key, {}).setdefault(record["page"], []).append(record)
    for (database, rows, name), pages in groups.items():
        first, deep = pages["page 1"], pages["deep"]
        p50_first, p50_deep = median_of(first, "p50_ms"), median_of(deep, "p50_ms")
        ratio = statistics.median(
            d["p50_ms"] / f["p50_ms"] for f, d in zip(first, deep, strict=True)
        )
        cpu_first = median_of(first, "cpu_us_per_request")
        cpu_deep = median_of(deep, "cpu_us_per_request")
        print(
            f"| {database} | {rows:,} | {name} | {p50_first:.2f} ms | {p50_deep:.2f} ms "
            f"| {ratio:.2f}x | {cpu_first:.0f} / {cpu_deep:.0f} |"
        )
    if clears:
        print("\n| database | rows | deleted | clear-completed | longest read | reads meanwhile |")
        print("|---|---|---|---|---|---|")
        for clear in clears:
            print(
                f"| {clear['database']} | {clear['rows']:,} | {clear['deleted']:,} "
                f"| {clear['clear_s'] * 1000:.0f} ms | {clear['reader_longest_wait_ms']:.0f} ms "
                f"| {clear['readers_answered_during']} |"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000,1000000")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--duration", type=int, default=2, help="seconds per wrk run")
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--no-clear", action="store_true", help="skip clear-completed")
    args = parser.parse_args()
    unwind_on_sigterm()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install wrk)")
    names = args.databases.split(",")
    if "postgresql" in names and find_binaries() is None:
        sys.exit("no PostgreSQL server binaries (initdb, postgres)")
    cores = Cores.split()
    lists: list[dict[str, Any]] = []
    clears: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, contextlib.ExitStack() as stack:
        workdir = Path(tmp)
        postgres = stack.enter_context(running_postgres()) if "postgresql" in names else None
        fresh = FreshDatabases(workdir, postgres)
        for name in names:
            for rows in (int(size) for size in args.sizes.split(",") if size):
                lists += bench_lists(name, fresh.url(name), rows, workdir, args, cores)
            if not args.no_clear:
                clears.append(bench_clear(name, fresh.url(name), workdir, cores))
    print_tables(lists, clears)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
