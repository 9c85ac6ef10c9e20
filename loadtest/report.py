"""The verdict of a run: `summary.txt` for a person (also printed), `summary.json` for programs."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loadtest.analysis import Outcome
from loadtest.thresholds import Breach, Thresholds


@dataclass(frozen=True)
class RunInfo:
    profile: str
    host: str
    model: str
    plan: str
    started_at: str
    limits: Thresholds
    # The most frequent failures, most frequent first: "12x GET /api/todos: status 500, ...".
    failures: tuple[str, ...] = ()
    # Distributed runs: how many workers made the load, e.g. "2 worker(s) (expected 2)".
    workers: str = ""


def verdict(outcome: Outcome, user_errors: int, requests: int) -> list[str]:
    """One line per reason the run failed; empty when it passed."""
    reasons = [f"threshold breached: {breach}" for breach in outcome.breaches]
    if requests == 0:
        # Nothing measured proves nothing: the users never ran, or their workers were lost.
        reasons.append("no request was made")
    if user_errors:
        reasons.append(f"the user model raised {user_errors} unexpected error(s); see the log")
    return reasons


def summary_text(info: RunInfo, outcome: Outcome, reasons: list[str]) -> str:
    lines = [
        f"{info.profile} profile against {info.host}, started {info.started_at}",
        f"plan: {info.plan}; {info.model} users" + (f"; {info.workers}" if info.workers else ""),
        f"thresholds: {info.limits.describe()}",
        *outcome.lines,
    ]
    if info.failures:
        lines += ["most frequent failures:", *(f"  {failure}" for failure in info.failures)]
    lines += ["FAILED:", *(f"  {reason}" for reason in reasons)] if reasons else ["PASSED"]
    return "\n".join(lines) + "\n"


def _breach(breach: Breach) -> dict[str, Any]:
    return {
        "what": breach.what,
        "actual": breach.actual,
        "limit": breach.limit,
        "unit": breach.unit,
        "message": str(breach),
    }


def write(directory: Path, info: RunInfo, outcome: Outcome, reasons: list[str]) -> str:
    """Write summary.txt and summary.json into `directory`; returns the text."""
    text = summary_text(info, outcome, reasons)
    (directory / "summary.txt").write_text(text, encoding="utf-8")
    document = {
        "profile": info.profile,
        "host": info.host,
        "model": info.model,
        "plan": info.plan,
        "started_at": info.started_at,
        "workers": info.workers,
        "thresholds": {
            "max_error_ratio": info.limits.max_error_ratio,
            "max_p95_ms": info.limits.max_p95_ms,
            "max_p99_ms": info.limits.max_p99_ms,
        },
        "passed": not reasons,
        "failures": reasons,
        "most_frequent_failures": list(info.failures),
        "breaches": [_breach(breach) for breach in outcome.breaches],
        **outcome.facts,
    }
    (directory / "summary.json").write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    return text
