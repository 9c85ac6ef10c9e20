"""What the stand-in published, kept for its own alarm evaluation: LocalStack's CloudWatch
stores the data but computes no percentile, so the samples behind a p99 are read here.
Kept for an hour, longer than any alarm's evaluation range the stack declares."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from .statistics import Sample

RETENTION = 3600.0

MetricKey = tuple[str, str, frozenset[tuple[str, str]]]  # namespace, name, dimensions


def metric_key(namespace: str, name: str, dimensions: Iterable[dict[str, Any]]) -> MetricKey:
    return namespace, name, frozenset((str(d["Name"]), str(d["Value"])) for d in dimensions)


def samples_of(datum: dict[str, Any]) -> list[Sample]:
    """The samples one PutMetricData datum carries."""
    if "StatisticValues" in datum:
        stats = datum["StatisticValues"]
        return [Sample(stats["Minimum"], stats["Maximum"], stats["Sum"], stats["SampleCount"])]
    if "Values" in datum:
        counts = datum.get("Counts") or [1.0] * len(datum["Values"])
        return [Sample.value(v, c) for v, c in zip(datum["Values"], counts, strict=True)]
    return [Sample.value(datum["Value"])]


class MetricStore:
    def __init__(self) -> None:
        self._samples: dict[MetricKey, list[tuple[float, Sample]]] = defaultdict(list)

    def add(self, namespace: str, data: Iterable[dict[str, Any]]) -> None:
        horizon = time.time() - RETENTION
        for datum in data:
            key = metric_key(namespace, datum["MetricName"], datum.get("Dimensions", []))
            stamp = datum["Timestamp"].timestamp()
            kept = [entry for entry in self._samples[key] if entry[0] >= horizon]
            kept.extend((stamp, sample) for sample in samples_of(datum))
            self._samples[key] = kept

    def samples(self, key: MetricKey, start: float, end: float) -> list[Sample]:
        """Samples timestamped in [start, end)."""
        return [sample for stamp, sample in self._samples.get(key, []) if start <= stamp < end]
