"""Locust (`python -m loadtest`, the people model, headless) against the local front door in
the background, for a test that changes the service under load; its totals read from
Locust's CSV once it has ended its run."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import pytest
from standin.paths import REPO

from tests.integration.relay import Relay

# How long Locust gets to end its run once stopped: its summary, its report, and the
# clean-up of its users' todos (at most 30 s); a second or two here.
STOP_WITHIN = 60


class LocustRun:
    """`users` thinking users for at most `limit` seconds. All of them send from one address
    of the run's own, through a `Relay`: keep their rate well under the WAF's per-address
    budget (2,000 requests per 5 minutes). Their sign-ups and sign-ins (20 per 5 minutes)
    are then counted apart from any other run's, which on 127.0.0.1 would add up.

    Stopped with SIGTERM, which `python -m loadtest` takes as Ctrl-C: Locust ends the run,
    writes its statistics, summary and report, and cleans up. Not SIGINT: a process started
    from a non-interactive shell's background job (CI, `make` in the background) inherits
    SIGINT ignored, and Locust would never see it."""

    def __init__(
        self,
        service_url: str,
        ca: str,
        results: Path,
        *,
        users: int = 3,
        think_time: str = "0.5-1.5",
        limit: int = 1800,
    ) -> None:
        self.results = results
        self.relay = Relay(service_url)
        self.command = [
            *(sys.executable, "-m", "loadtest", "--profile", "smoke", "--host", self.relay.url),
            *("--results", str(results), "--model", "people", "--think-time", think_time),
            *("-u", str(users), "-r", str(users), "-t", f"{limit}s"),
        ]
        # Locust trusts the front door's CA by file, as the load-results test does.
        self.env = {**os.environ, "SSL_CERT_FILE": ca}
        self.process: subprocess.Popen[bytes] | None = None
        self.started = 0.0

    def __enter__(self) -> LocustRun:
        self.relay.__enter__()
        self.started = time.monotonic()
        self.process = subprocess.Popen(self.command, cwd=REPO, env=self.env)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        """A test that failed before stopping it: SIGTERM, then a kill past the bound."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=STOP_WITHIN)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.relay.__exit__(None, None, None)

    def stop(self) -> dict[str, float]:
        """End the run; its totals, how long it ran and how long it took to end."""
        assert self.process is not None
        assert self.process.poll() is None, "Locust ended before it was stopped"
        stopping = time.monotonic()
        self.process.send_signal(signal.SIGTERM)
        try:
            code = self.process.wait(timeout=STOP_WITHIN)
        except subprocess.TimeoutExpired:
            pytest.fail(f"Locust did not end within {STOP_WITHIN} s of SIGTERM")
        ended = time.monotonic()
        assert code >= 0, f"Locust was killed by signal {-code} instead of ending its run"
        [run_dir] = list(self.results.iterdir())
        assert (run_dir / "summary.txt").exists(), "Locust ended without its summary"
        with (run_dir / "locust_stats.csv").open(newline="") as file:
            rows = {row["Name"]: row for row in csv.DictReader(file)}
        total = rows["Aggregated"]
        return {
            "requests": int(total["Request Count"]),
            "failures": int(total["Failure Count"]),
            "seconds": stopping - self.started,
            "stop_seconds": ended - stopping,
        }
