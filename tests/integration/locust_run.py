"""Locust (`python -m loadtest`, the people model, headless) against the local front door in
the background, for a test that changes the service under load; its totals read from
Locust's CSV once stopped."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from standin.paths import REPO

STOP_WITHIN = 60.0


class LocustRun:
    """A few users well under the WAF's per-address budget (2,000 requests per 5 minutes:
    every Locust user shares 127.0.0.1), for at most `limit` seconds."""

    def __init__(
        self, service_url: str, ca: str, results: Path, *, users: int = 3, limit: int = 900
    ) -> None:
        self.results = results
        self.command = [
            *(sys.executable, "-m", "loadtest", "--profile", "smoke", "--host", service_url),
            *("--results", str(results), "--model", "people", "--think-time", "0.5-1.5"),
            *("-u", str(users), "-r", str(users), "-t", f"{limit}s"),
        ]
        # Locust trusts the front door's CA by file, as the load-results test does.
        self.env = {**os.environ, "SSL_CERT_FILE": ca}
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> LocustRun:
        self.process = subprocess.Popen(self.command, cwd=REPO, env=self.env)
        return self

    def __exit__(self, *exc: type[BaseException] | BaseException | TracebackType | None) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def stop(self) -> dict[str, int]:
        """End the run and read its totals. SIGTERM, not SIGINT: a process started from a
        shell's background job inherits SIGINT ignored, and Locust would never see it."""
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=STOP_WITHIN)
        [run_dir] = list(self.results.iterdir())
        with (run_dir / "locust_stats.csv").open(newline="") as file:
            rows = {row["Name"]: row for row in csv.DictReader(file)}
        total = rows["Aggregated"]
        return {"requests": int(total["Request Count"]), "failures": int(total["Failure Count"])}
