"""Request counts and response-time histograms over a stretch of a run.

Locust keeps, for all requests so far, a histogram of response times in milliseconds
(rounded: exact below 100 ms, to 10 ms below 1 s, to 100 ms above). The difference of two
snapshots is the histogram of the requests in between, so percentiles of one second, one
step or one phase are exact to that rounding, not an average of averages.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field


def percentile(histogram: Mapping[int, int], fraction: float) -> float:
    """The response time that `fraction` of the requests in `histogram` did not exceed.

    Computed the way Locust computes the percentiles in its CSV and HTML report, so the
    numbers agree with those.
    """
    total = sum(histogram.values())
    below = int(total * fraction)
    seen = 0
    for value in sorted(histogram, reverse=True):
        seen += histogram[value]
        if total - seen <= below:
            return float(value)
    return 0.0


@dataclass(frozen=True)
class Snapshot:
    """Locust's running totals at one moment."""

    requests: int
    failures: int
    histogram: Mapping[int, int]

    def less_set_up(self, set_up: Iterable[Snapshot]) -> Snapshot:
        """These totals less the set-up requests among them that succeeded (each user's
        once to begin with, such as signing in): a failed one still counts as a failure,
        and no set-up time is judged."""
        requests = self.requests
        histogram = Counter(self.histogram)
        for entry in set_up:
            requests -= entry.requests - entry.failures
            histogram.subtract(entry.histogram)
        return Snapshot(requests, self.failures, dict(+histogram))


@dataclass
class Window:
    """The requests between snapshots, possibly many stretches added together."""

    seconds: float = 0.0
    requests: int = 0
    failures: int = 0
    histogram: Counter[int] = field(default_factory=Counter)

    @classmethod
    def between(cls, old: Snapshot, new: Snapshot, seconds: float) -> Window:
        if new.requests < old.requests:
            # Statistics were reset in between: count from zero.
            old = Snapshot(0, 0, {})
        histogram = Counter(new.histogram)
        histogram.subtract(old.histogram)
        return cls(
            seconds,
            new.requests - old.requests,
            new.failures - old.failures,
            +histogram,
        )

    def add(self, other: Window) -> None:
        self.seconds += other.seconds
        self.requests += other.requests
        self.failures += other.failures
        self.histogram.update(other.histogram)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_ratio(self) -> float:
        return self.failures / self.requests if self.requests else 0.0

    def p(self, fraction: float) -> float:
        return percentile(self.histogram, fraction)
