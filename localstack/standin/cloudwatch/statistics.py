"""CloudWatch's statistics over samples: what a period's datapoint is for an alarm.

A sample is what one metric datum put: a single value with its count (`Values`/`Counts`,
or `Value`), or a statistic set (`StatisticValues`). Percentiles need the single values;
from statistic sets only SampleCount, Sum, Average, Minimum and Maximum can be computed, as
on CloudWatch.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

_PERCENTILE = re.compile(r"^p(\d{1,2}(\.\d+)?|100)$")


@dataclass(frozen=True)
class Sample:
    minimum: float
    maximum: float
    total: float
    count: float

    @classmethod
    def value(cls, value: float, count: float = 1) -> Sample:
        return cls(value, value, value * count, count)

    @property
    def single_value(self) -> bool:
        return self.minimum == self.maximum


def is_percentile(statistic: str) -> bool:
    return _PERCENTILE.match(statistic) is not None


def compute(statistic: str, samples: Sequence[Sample]) -> float | None:
    """The statistic over the samples; None when there are none (a missing datapoint)."""
    if not samples:
        return None
    count = sum(s.count for s in samples)
    if statistic == "SampleCount":
        return count
    if statistic == "Sum":
        return sum(s.total for s in samples)
    if statistic == "Average":
        return sum(s.total for s in samples) / count if count else None
    if statistic == "Minimum":
        return min(s.minimum for s in samples)
    if statistic == "Maximum":
        return max(s.maximum for s in samples)
    match = _PERCENTILE.match(statistic)
    if match is None:
        raise ValueError(f"statistic {statistic} is not supported locally")
    return _percentile(float(match[1]), [s for s in samples if s.single_value])


def _percentile(percent: float, samples: Sequence[Sample]) -> float | None:
    """Nearest rank over the values, each as many times as its count."""
    ordered = sorted(samples, key=lambda s: s.minimum)
    count = sum(s.count for s in ordered)
    if not count:
        return None
    rank = max(1, math.ceil(percent / 100 * count))
    seen = 0.0
    for sample in ordered:
        seen += sample.count
        if seen >= rank:
            return sample.minimum
    return ordered[-1].minimum
