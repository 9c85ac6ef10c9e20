"""The load balancer's metrics as ALB publishes them under AWS/ApplicationELB, from the
requests HAProxy logged and the target health the service observed.

As on AWS: RequestCount, HTTPCode_Target_5XX_Count and TargetResponseTime per load
balancer and per target group (blue/green has two); HTTPCode_ELB_5XX_Count per load
balancer; HealthyHostCount and UnHealthyHostCount per target group (with its load
balancer). Counts with nothing to count are not published (ALB reports none either, which
is what an alarm's TreatMissingData is about); the host counts always are.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..alb import names
from ..aws.stack import Stack
from ..ecs.spec import ServiceSpec
from ..errors import HarnessError
from .access_log import Request

NAMESPACE = "AWS/ApplicationELB"
_VALUES_PER_DATUM = 150  # PutMetricData's limit on distinct Values in one datum


@dataclass(frozen=True)
class AlbDimensions:
    load_balancer: str  # app/NAME/ID
    target_groups: dict[str, str]  # logical id (HAProxy backend) -> targetgroup/NAME/ID

    @property
    def balancer(self) -> list[dict[str, str]]:
        return [{"Name": "LoadBalancer", "Value": self.load_balancer}]

    def group(self, logical_id: str) -> list[dict[str, str]]:
        return [*self.balancer, {"Name": "TargetGroup", "Value": self.target_groups[logical_id]}]


@dataclass
class AlbMetrics:
    """One publishing interval's worth: requests and host-count observations added as they
    come, `take` turns them into metric data and starts the next interval."""

    dimensions: AlbDimensions
    requests: list[Request] = field(default_factory=list)
    # Per target group: (healthy, unhealthy) at each observation.
    hosts: dict[str, list[tuple[int, int]]] = field(default_factory=dict)

    def add_requests(self, requests: Iterable[Request]) -> None:
        self.requests.extend(requests)

    def observe_hosts(self, group: str, healthy: int, unhealthy: int) -> None:
        self.hosts.setdefault(group, []).append((healthy, unhealthy))

    def take(self, timestamp: datetime.datetime) -> list[dict[str, Any]]:
        requests, hosts = self.requests, self.hosts
        # The last observation holds until the next.
        self.requests, self.hosts = [], {group: seen[-1:] for group, seen in hosts.items()}
        dims = self.dimensions
        data: list[dict[str, Any]] = []

        def count(name: str, value: int, dimensions: list[dict[str, str]]) -> None:
            if value:
                data.append(_datum(name, dimensions, timestamp, Value=value, Unit="Count"))

        def response_times(requests: list[Request], dimensions: list[dict[str, str]]) -> None:
            times = Counter(r.response_time for r in requests if r.response_time is not None)
            values = sorted(times.items())
            for start in range(0, len(values), _VALUES_PER_DATUM):
                chunk = values[start : start + _VALUES_PER_DATUM]
                data.append(
                    _datum(
                        "TargetResponseTime",
                        dimensions,
                        timestamp,
                        Values=[value for value, _ in chunk],
                        Counts=[float(n) for _, n in chunk],
                        Unit="Seconds",
                    )
                )

        count("RequestCount", len(requests), dims.balancer)
        count("HTTPCode_Target_5XX_Count", sum(r.target_5xx for r in requests), dims.balancer)
        count("HTTPCode_ELB_5XX_Count", sum(r.elb_5xx for r in requests), dims.balancer)
        response_times(requests, dims.balancer)
        for group in dims.target_groups:
            forwarded = [r for r in requests if r.group == group]
            count("RequestCount", len(forwarded), dims.group(group))
            count(
                "HTTPCode_Target_5XX_Count",
                sum(r.target_5xx for r in forwarded),
                dims.group(group),
            )
            response_times(forwarded, dims.group(group))
        for group, seen in hosts.items():
            for index, name in enumerate(("HealthyHostCount", "UnHealthyHostCount")):
                observed = [float(h[index]) for h in seen]
                if observed:
                    statistics = {
                        "SampleCount": float(len(observed)),
                        "Sum": sum(observed),
                        "Minimum": min(observed),
                        "Maximum": max(observed),
                    }
                    data.append(
                        _datum(
                            name,
                            dims.group(group),
                            timestamp,
                            StatisticValues=statistics,
                            Unit="Count",
                        )
                    )
        return data


def _datum(
    name: str, dimensions: list[dict[str, str]], timestamp: datetime.datetime, **values: Any
) -> dict[str, Any]:
    return {"MetricName": name, "Dimensions": dimensions, "Timestamp": timestamp, **values}


def dimensions_of(stack: Stack, spec: ServiceSpec) -> AlbDimensions:
    """The service's load balancer and target groups by the names ELBv2 gives them."""
    if spec.load_balancer_id is None:
        raise HarnessError(f"service {spec.name}: its listener names no load balancer")
    return AlbDimensions(
        load_balancer=names.full_name(stack, spec.load_balancer_id),
        target_groups={group: names.full_name(stack, group) for group in spec.target_groups},
    )
