"""The workers of a distributed run, as the master sees them: who joined, who was lost.

A Locust master spreads the users over its workers and adds up what they report. A worker
that misses its heartbeats mid-run (its process died or stalled, its machine went away)
is marked missing by Locust after about three seconds, and its share of the users is
taken from it: the rest of the run is not the load the profile planned, even when the
worker comes back a moment later. The master notes each worker it loses and when, and a
run that lost one fails.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from locust.runners import STATE_MISSING, MasterRunner

# Locust has no event for it, only this log line (locust/runners.py, heartbeat_worker).
MISSING_LOG = re.compile(r"^Worker (\S+) failed to send heartbeat, setting state to missing")


@dataclass(frozen=True)
class Lost:
    worker: str
    t: float
    how: str

    def __str__(self) -> str:
        return f"worker {self.worker} {self.how} {self.t:.0f} s into the run"


@dataclass
class Workers:
    """Watches a master's workers while the test runs.

    `look()` once a second notes workers that left or are missing; the log handler that
    `listen()` installs catches a missing mark however short. `stopping()` takes the last
    look when the test begins to stop, for whatever reason (Locust stops it at once when
    its last worker goes missing); after it, workers leave as they should.
    """

    runner: MasterRunner
    expected: int
    clock: Callable[[], float]
    joined: set[str] = field(default_factory=set)
    lost: list[Lost] = field(default_factory=list)
    stopped: bool = False

    def listen(self) -> None:
        logging.getLogger("locust.runners").addHandler(_MissingMarks(self))

    def stopping(self) -> None:
        self.look()
        self.stopped = True

    def look(self) -> None:
        if self.stopped:
            return
        present = {client.id: client.state for client in self.runner.clients.all}
        for worker, state in present.items():
            if state == STATE_MISSING:
                self.missing(worker)
            else:
                self.joined.add(worker)
        for worker in sorted(self.joined - set(present)):
            self._lose(worker, "left")

    def missing(self, worker: str) -> None:
        if not self.stopped:
            self._lose(worker, "went missing (no heartbeat)")

    def _lose(self, worker: str, how: str) -> None:
        if worker not in {lost.worker for lost in self.lost}:
            self.joined.add(worker)
            self.lost.append(Lost(worker, self.clock(), how))

    def describe(self) -> str:
        text = f"{len(self.joined)} worker(s) (expected {self.expected})"
        return text + (f", {len(self.lost)} lost" if self.lost else "")

    def reasons(self) -> list[str]:
        return [f"{lost}: from then on the load was not the planned one" for lost in self.lost]


class _MissingMarks(logging.Handler):
    def __init__(self, workers: Workers) -> None:
        super().__init__()
        self.workers = workers

    def emit(self, record: logging.LogRecord) -> None:
        match = MISSING_LOG.match(record.getMessage())
        if match is not None:
            self.workers.missing(match.group(1))
