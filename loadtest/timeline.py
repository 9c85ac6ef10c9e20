"""One sample a second of the running test, grouped into the profile's phases.

A sample holds the users, the requests and failures per second and the p50/p95/p99 of that
second's requests, plus a p95 over the last five seconds (steadier when traffic is light)
and the server's memory when it can be seen. Each sample is appended to `timeline.csv`
as it is taken, so an interrupted run still leaves its data behind.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Callable
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import IO

from loadtest.measure import Snapshot, Window

ROLLING_SECONDS = 5


@dataclass(frozen=True)
class Sample:
    t: float
    users: int
    rps: float
    failures_per_s: float
    p50: float
    p95: float
    p99: float
    p95_rolling: float
    phase: str
    rss_mb: float | None


COLUMNS = [item.name for item in fields(Sample)]


class Timeline:
    """Turns running totals into per-second samples and per-phase windows.

    `phase_of(t)` names the phase a moment belongs to, or "" for moments that are not
    measured (ramps, settling); `phase_ended(name, window)` is told each phase's requests
    once the phase is over.
    """

    def __init__(
        self,
        phase_of: Callable[[float], str],
        phase_ended: Callable[[str, Window], None],
        csv_path: Path | None = None,
    ) -> None:
        self._phase_of = phase_of
        self._phase_ended = phase_ended
        self.samples: list[Sample] = []
        self.phases: dict[str, Window] = {}
        self._last: tuple[float, Snapshot] = (0.0, Snapshot(0, 0, {}))
        self._recent: deque[Window] = deque(maxlen=ROLLING_SECONDS)
        self._open_phase = ""
        self._file: IO[str] | None = None
        self._writer: csv.DictWriter[str] | None = None
        if csv_path is not None:
            self._file = csv_path.open("w", newline="", encoding="utf-8")
            self._writer = csv.DictWriter(self._file, fieldnames=COLUMNS)
            self._writer.writeheader()

    def record(self, t: float, users: int, totals: Snapshot, rss_mb: float | None = None) -> Sample:
        last_t, last_totals = self._last
        window = Window.between(last_totals, totals, max(t - last_t, 1e-9))
        self._last = (t, totals)
        self._recent.append(window)
        rolling = Window()
        for recent in self._recent:
            rolling.add(recent)
        phase = self._phase_of((last_t + t) / 2)
        if phase != self._open_phase:
            self._close_phase()
            self._open_phase = phase
        if phase:
            self.phases.setdefault(phase, Window()).add(window)
        sample = Sample(
            t=round(t, 3),
            users=users,
            rps=round(window.rps, 2),
            failures_per_s=round(window.failures / window.seconds, 2),
            p50=window.p(0.50),
            p95=window.p(0.95),
            p99=window.p(0.99),
            p95_rolling=rolling.p(0.95),
            phase=phase,
            rss_mb=None if rss_mb is None else round(rss_mb, 1),
        )
        self.samples.append(sample)
        if self._writer is not None and self._file is not None:
            self._writer.writerow(asdict(sample))
            self._file.flush()
        return sample

    def close(self) -> None:
        self._close_phase()
        self._open_phase = ""
        if self._file is not None:
            self._file.close()
            self._file = None
            self._writer = None

    def _close_phase(self) -> None:
        if self._open_phase and self._open_phase in self.phases:
            self._phase_ended(self._open_phase, self.phases[self._open_phase])
