"""Medians over the rounds, ratios within each round, and the table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

Record = Mapping[str, Any]
# The service in accounts mode, beside the open one ("service").
ACCOUNTS_APP = "service-accounts"


# The independent floor, the same-technique floor and the hello-world ceiling.
PLAIN_APP, FLOOR_APP, HELLO_APP = "plain", "floor", "hello"


@dataclass(frozen=True)
class Summary:
    database: str
    pinning: str
    endpoint: str
    app: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float
    vs_plain: float | None
    # The independent floor's CPU per request over this app's, same round.
    cpu_vs_plain: float | None
    vs_floor: float | None
    vs_hello: float | None
    vs_flask: float | None
    vs_baseline: float | None
    # Accounts mode only: its CPU per request minus the open service's, same round.
    auth_cpu_us: float | None = None


def _key(record: Record) -> tuple[str, str, str, int]:
    return record["database"], record["pinning"], record["endpoint"], record["round"]


Peers = Mapping[tuple[str, str, str, int, str], Record]


def _differences(runs: Iterable[Record], peers: Peers, app: str, field: str) -> float | None:
    """Median over rounds of this app's `field` minus `app`'s in the same round."""
    differences = []
    for run in runs:
        peer = peers.get((*_key(run), app))
        if peer is not None and peer is not run:
            differences.append(run[field] - peer[field])
    return median(differences) if differences else None


def _ratios(runs: Iterable[Record], peers: Peers, app: str, field: str) -> float | None:
    """Median over rounds of this app's `field` over `app`'s in the same round."""
    ratios = []
    for run in runs:
        peer = peers.get((*_key(run), app))
        if peer is not None and peer is not run:
            ratios.append(run[field] / peer[field])
    return median(ratios) if ratios else None


def summarise(records: Iterable[Record]) -> list[Summary]:
    """One row per database, endpoint and app; ratios are medians of same-round ratios."""
    records = list(records)
    peers = {(*_key(record), record["app"]): record for record in records}
    groups: dict[tuple[str, str, str, str], list[Record]] = {}
    for record in records:
        group = (record["database"], record["pinning"], record["endpoint"], record["app"])
        groups.setdefault(group, []).append(record)
    summaries = []
    for (database, pinning, endpoint, app), runs in groups.items():
        summaries.append(
            Summary(
                database,
                pinning,
                endpoint,
                app,
                rps=median(run["rps"] for run in runs),
                p50_ms=median(run["p50_ms"] for run in runs),
                p99_ms=median(run["p99_ms"] for run in runs),
                errors=sum(int(run["non_2xx"] + run["socket_errors"]) for run in runs),
                cpu_us=median(run["cpu_us"] for run in runs),
                vs_plain=_ratios(runs, peers, PLAIN_APP, "rps"),
                # CPU per request, the other way round: the floor's over this app's.
                cpu_vs_plain=_inverse(_ratios(runs, peers, PLAIN_APP, "cpu_us")),
                vs_floor=_ratios(runs, peers, FLOOR_APP, "rps"),
                vs_hello=_ratios(runs, peers, HELLO_APP, "rps"),
                vs_flask=_ratios(runs, peers, "flask", "rps"),
                vs_baseline=_ratios(runs, peers, "baseline", "rps"),
                auth_cpu_us=(
                    _differences(runs, peers, "service", "cpu_us") if app == ACCOUNTS_APP else None
                ),
            )
        )
    return summaries


def _inverse(value: float | None) -> float | None:
    return None if not value else 1 / value


def _times(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def table(summaries: Iterable[Summary]) -> str:
    header = ("database", "pinning", "endpoint", "app", "req/s", "CPU us/req", "p50 ms", "p99 ms")
    rows = [
        (
            *header,
            "errors",
            "vs plain",
            "CPU vs plain",
            "vs floor",
            "vs hello",
            "vs flask",
            "vs baseline",
            "auth CPU us",
        )
    ]
    for s in summaries:
        rows.append(
            (
                s.database,
                s.pinning,
                s.endpoint,
                s.app,
                f"{s.rps:,.0f}",
                f"{s.cpu_us:.0f}",
                f"{s.p50_ms:.1f}",
                f"{s.p99_ms:.1f}",
                str(s.errors),
                _times(s.vs_plain),
                _times(s.cpu_vs_plain),
                _times(s.vs_floor),
                _times(s.vs_hello),
                _times(s.vs_flask),
                _times(s.vs_baseline),
                "" if s.auth_cpu_us is None else f"{s.auth_cpu_us:+.0f}",
            )
        )
    return _aligned(rows)


def memory(records: Iterable[Record]) -> str:
    """Each server's largest process after its runs: one worker's resident memory."""
    rows = [("database", "pinning", "app", "RSS MB per worker")]
    for record in records:
        rows.append(
            (record["database"], record["pinning"], record["app"], f"{record['rss_mb']:.0f}")
        )
    return _aligned(rows)


def _aligned(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)
