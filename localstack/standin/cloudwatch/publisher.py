"""Publishes the load balancer's metrics (and the RDS instances' free storage) to
LocalStack's CloudWatch every five seconds.

Why five seconds: the local deploy's alarms have 10-second periods (high-resolution, so an
alarm fires and clears within a test), and each period needs its own datapoint: two puts a
period leave none empty when a put comes late, and each period's statistic (the Maximum of
UnHealthyHostCount, the p99 of TargetResponseTime) comes from what happened in it. The cost
is one or two PutMetricData calls (a few kilobytes) each time. Host counts are observed at
every scheduler tick, so a target unhealthy for a moment still shows in its period.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from pathlib import Path
from typing import Any

from ..aws.stack import Stack
from . import alb_metrics, rds_metrics
from .access_log import LogTail, parse
from .alb_metrics import AlbDimensions, AlbMetrics
from .metric_store import MetricStore

log = logging.getLogger(__name__)

INTERVAL = 5.0
_DATA_PER_CALL = 500  # well below PutMetricData's 1000 data and 1 MB


class MetricPublisher:
    def __init__(
        self,
        cloudwatch: Any,
        *,
        access_log: Path,
        dimensions: AlbDimensions,
        store: MetricStore,
        rds: tuple[Stack, Path] | None = None,
        interval: float = INTERVAL,
    ) -> None:
        self.cloudwatch = cloudwatch
        self.tail = LogTail(access_log)
        self.metrics = AlbMetrics(dimensions)
        self.store = store
        self.rds = rds  # the stack's RDS instances and where their data lives
        self.interval = interval

    def observe_hosts(self, group: str, healthy: int, unhealthy: int) -> None:
        self.metrics.observe_hosts(group, healthy, unhealthy)

    async def publish(self) -> int:
        """Put what was seen since the last call; the number of data put."""
        requests = (parse(line, self.metrics.dimensions.target_groups) for line in self.tail.read())
        self.metrics.add_requests(r for r in requests if r is not None)
        now = datetime.datetime.now(datetime.UTC)
        namespaces = {alb_metrics.NAMESPACE: self.metrics.take(now)}
        if self.rds is not None:
            namespaces[rds_metrics.NAMESPACE] = rds_metrics.free_storage(*self.rds, now)
        for namespace, data in namespaces.items():
            self.store.add(namespace, data)
            for start in range(0, len(data), _DATA_PER_CALL):
                # High-resolution: the local alarms' periods are 10 seconds.
                chunk = [
                    {**d, "StorageResolution": 1} for d in data[start : start + _DATA_PER_CALL]
                ]
                await asyncio.to_thread(
                    self.cloudwatch.put_metric_data, Namespace=namespace, MetricData=chunk
                )
        return sum(len(data) for data in namespaces.values())

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.publish()
            except Exception as error:  # LocalStack busy or restarting: the next put goes on
                log.warning("publishing the load balancer's metrics failed: %s", error)
