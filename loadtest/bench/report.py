"""Medians over the rounds, ratios within each round, and the table."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from statistics import median
from typing import Any

Record = Mapping[str, Any]


@dataclass(frozen=True)
class Summary:
    database: str
    endpoint: str
    app: str
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float
    vs_floor: float | None
    vs_flask: float | None
    vs_baseline: float | None


def _key(record: Record) -> tuple[str, str, int]:
    return record["database"], record["endpoint"], record["round"]


def _ratio(
    record: Record, peers: Mapping[tuple[str, str, int, str], Record], app: str
) -> float | None:
    peer = peers.get((*_key(record), app))
    return None if peer is None or peer is record else record["rps"] / peer["rps"]


def summarise(records: Iterable[Record]) -> list[Summary]:
    """One row per database, endpoint and app; ratios are medians of same-round ratios."""
    records = list(records)
    peers = {(*_key(record), record["app"]): record for record in records}
    groups: dict[tuple[str, str, str], list[Record]] = {}
    for record in records:
        groups.setdefault((record["database"], record["endpoint"], record["app"]), []).append(
            record
        )
    summaries = []
    for (database, endpoint, app), runs in groups.items():
        floors = [r for r in (_ratio(run, peers, "floor") for run in runs) if r is not None]
        flasks = [r for r in (_ratio(run, peers, "flask") for run in runs) if r is not None]
        olds = [r for r in (_ratio(run, peers, "baseline") for run in runs) if r is not None]
        summaries.append(
            Summary(
                database,
                endpoint,
                app,
                rps=median(run["rps"] for run in runs),
                p50_ms=median(run["p50_ms"] for run in runs),
                p99_ms=median(run["p99_ms"] for run in runs),
                errors=sum(int(run["non_2xx"] + run["socket_errors"]) for run in runs),
                cpu_us=median(run["cpu_us"] for run in runs),
                vs_floor=median(floors) if floors else None,
                vs_flask=median(flasks) if flasks else None,
                vs_baseline=median(olds) if olds else None,
            )
        )
    return summaries


def _times(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def table(summaries: Iterable[Summary]) -> str:
    header = ("database", "endpoint", "app", "req/s", "p50 ms", "p99 ms", "errors", "CPU us/req")
    rows = [(*header, "vs floor", "vs flask", "vs baseline")]
    for s in summaries:
        rows.append(
            (
                s.database,
                s.endpoint,
                s.app,
                f"{s.rps:,.0f}",
                f"{s.p50_ms:.1f}",
                f"{s.p99_ms:.1f}",
                str(s.errors),
                f"{s.cpu_us:.0f}",
                _times(s.vs_floor),
                _times(s.vs_flask),
                _times(s.vs_baseline),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = [
        " | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        for row in rows
    ]
    lines.insert(1, "-+-".join("-" * width for width in widths))
    return "\n".join(lines)
