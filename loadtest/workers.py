"""The workers of a distributed run, as the master sees them: who joined, who was lost.

A Locust master spreads the users over its workers and adds up what they report. A worker
that stops reporting mid-run (its process died, its machine went away) is marked missing
by Locust after a few seconds without a heartbeat; its users are gone, so the rest of the
run is lighter than the profile says. The master notes each worker it loses and when, and
a run that lost one fails: its figures do not describe the load it was meant to apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from locust.runners import STATE_MISSING, MasterRunner


@dataclass(frozen=True)
class Lost:
    worker: str
    t: float
    how: str

    def __str__(self) -> str:
        return f"worker {self.worker} {self.how} {self.t:.0f} s into the run"


@dataclass
class Workers:
    """Watches a master's workers while the test runs; `look(t)` once a second.

    `stopping(t)` takes the last look when the test begins to stop, for whatever reason
    (Locust stops it at once when its last worker goes missing); after it, workers leave
    as they should.
    """

    runner: MasterRunner
    expected: int
    joined: set[str] = field(default_factory=set)
    lost: list[Lost] = field(default_factory=list)
    stopped: bool = False

    def stopping(self, t: float) -> None:
        self.look(t)
        self.stopped = True

    def look(self, t: float) -> None:
        if self.stopped:
            return
        known = {lost.worker for lost in self.lost}
        present = {client.id: client.state for client in self.runner.clients.all}
        for worker, state in present.items():
            if state == STATE_MISSING and worker not in known:
                self.lost.append(Lost(worker, t, "went missing (no heartbeat)"))
            elif state != STATE_MISSING:
                self.joined.add(worker)
        for worker in sorted(self.joined - set(present) - known):
            self.lost.append(Lost(worker, t, "left"))

    def describe(self) -> str:
        text = f"{len(self.joined)} worker(s) (expected {self.expected})"
        return text + (f", {len(self.lost)} lost" if self.lost else "")

    def reasons(self) -> list[str]:
        return [f"{lost}: the rest of the run had fewer users than planned" for lost in self.lost]
