"""Publishes the load balancer's metrics to LocalStack's CloudWatch every ten seconds.

Why ten seconds: ALB's metrics are per minute, and an alarm's shortest period on them is a
minute; several puts a minute let each minute's statistic (the Maximum of UnHealthyHostCount,
the p99 of TargetResponseTime) come from what happened in it rather than from one reading,
and keep a test's wait close to the alarm's own period. The cost is one PutMetricData call
(a few kilobytes) each time. Host counts are observed at every scheduler tick, so a target
unhealthy for a moment still shows in the minute's Maximum.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
from pathlib import Path
from typing import Any

from .access_log import LogTail, parse
from .alb_metrics import NAMESPACE, AlbDimensions, AlbMetrics
from .metric_store import MetricStore

log = logging.getLogger(__name__)

INTERVAL = 10.0
_DATA_PER_CALL = 500  # well below PutMetricData's 1000 data and 1 MB


class MetricPublisher:
    def __init__(
        self,
        cloudwatch: Any,
        *,
        access_log: Path,
        backend: str,
        dimensions: AlbDimensions,
        store: MetricStore,
        interval: float = INTERVAL,
    ) -> None:
        self.cloudwatch = cloudwatch
        self.tail = LogTail(access_log)
        self.backend = backend
        self.metrics = AlbMetrics(dimensions)
        self.store = store
        self.interval = interval

    def observe_hosts(self, healthy: int, unhealthy: int) -> None:
        self.metrics.observe_hosts(healthy, unhealthy)

    async def publish(self) -> int:
        """Put what was seen since the last call; the number of data put."""
        requests = (parse(line, self.backend) for line in self.tail.read())
        self.metrics.add_requests(r for r in requests if r is not None)
        data = self.metrics.take(datetime.datetime.now(datetime.UTC))
        self.store.add(NAMESPACE, data)
        for start in range(0, len(data), _DATA_PER_CALL):
            chunk = data[start : start + _DATA_PER_CALL]
            await asyncio.to_thread(
                self.cloudwatch.put_metric_data, Namespace=NAMESPACE, MetricData=chunk
            )
        return len(data)

    async def run(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.publish()
            except Exception as error:  # LocalStack busy or restarting: the next put goes on
                log.warning("publishing the load balancer's metrics failed: %s", error)
