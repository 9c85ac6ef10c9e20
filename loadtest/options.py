"""The options of the profiles and thresholds, shared by the locustfile and `python -m loadtest`.

Locust's own -u/--users, -t/--run-time and -r/--spawn-rate size a profile (see
loadtest/profiles.py); its --profile picks one. Plain argparse here, no Locust import, so
the entry point can list and check these options before it starts Locust.
"""

from __future__ import annotations

import re
from argparse import ArgumentTypeError
from collections.abc import Callable
from typing import Any

MODELS = ("people", "throughput")
_TIMESPAN = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?")


def timespan(text: str) -> int:
    """Seconds in "90", "90s", "20m", "1h30m" (Locust's notation)."""
    if text.isdigit():
        return int(text)
    match = _TIMESPAN.fullmatch(text)
    if not text or match is None:
        raise ArgumentTypeError(f"want a time span like 90, 90s, 20m or 1h30m, not {text!r}")
    hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return hours * 3600 + minutes * 60 + seconds


def think_time(text: str) -> tuple[float, float]:
    """A pause range "MIN-MAX" in seconds ("2" alone means always 2)."""
    low, _, high = text.partition("-")
    try:
        pair = (float(low), float(high or low))
    except ValueError:
        raise ArgumentTypeError(f"want MIN-MAX seconds, like 1-3, not {text!r}") from None
    if not 0 <= pair[0] <= pair[1]:
        raise ArgumentTypeError(f"want 0 <= MIN <= MAX, not {text!r}")
    return pair


def pids(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise ArgumentTypeError(f"want PID[,PID...], not {text!r}") from None


def add_profile_options(add: Callable[..., Any]) -> None:
    """Declare the options through `add`, an ArgumentParser's add_argument."""
    add("--model", choices=MODELS, help="user model (default: the profile's own)")
    add(
        "--think-time",
        type=think_time,
        default="1-3",
        help="people model: pause between actions, MIN-MAX seconds (default 1-3)",
    )
    add(
        "--accounts-file",
        default="",
        help="accounts mode: NAME:PASSWORD lines; the users sign in with these in turn "
        "instead of each signing up (for a server with sign-up closed)",
    )
    add("--step-users", type=int, default=50, help="step: users added per step (default 50)")
    add("--step-time", type=timespan, default=15, help="step: length of a step (default 15s)")
    add("--spike-users", type=int, default=0, help="spike: users in the burst (default 10x -u)")
    add("--spike-time", type=timespan, default=15, help="spike: length of the burst (default 15s)")
    add("--max-error-ratio", type=float, help="threshold: failed/all requests, e.g. 0.01")
    add("--max-p95", type=float, help="threshold: 95th percentile latency, ms")
    add("--max-p99", type=float, help="threshold: 99th percentile latency, ms")
    add("--max-recovery", type=float, default=30, help="spike: seconds to recover (default 30)")
    add("--max-drift", type=float, default=0.5, help="soak: p95 rise allowed, 0.5 = +50%%")
    add("--max-memory-growth", type=float, help="soak: server memory growth allowed, MB")
    add("--server-pid", type=pids, default=[], help="PID[,PID] of the server to watch memory of")
