"""The load balancer's metrics as ALB names and shapes them: per load balancer and target
group, counts only when there is something to count, response times as values with counts,
host counts as statistic sets over the observations."""

from __future__ import annotations

import datetime
from typing import Any

from standin.cloudwatch.access_log import Request
from standin.cloudwatch.alb_metrics import AlbDimensions, AlbMetrics

DIMS = AlbDimensions(
    "app/todo/0123456789abcdef",
    {"TargetGroup": "targetgroup/blue/fedcba9876543210", "Alternate": "targetgroup/green/01"},
)
NOW = datetime.datetime(2026, 12, 6, 14, 45, tzinfo=datetime.UTC)


def by_name(data: list[dict[str, Any]]) -> dict[tuple[str, int], dict[str, Any]]:
    return {(d["MetricName"], len(d["Dimensions"])): d for d in data}


def test_requests_errors_and_response_times() -> None:
    metrics = AlbMetrics(DIMS)
    metrics.add_requests(
        [
            Request("TargetGroup", 200, "task-1", 0.010),
            Request("TargetGroup", 200, "task-2", 0.010),
            Request("TargetGroup", 500, "task-1", 0.200),
            Request("TargetGroup", 503, None, None),
        ]
    )
    data = by_name(metrics.take(NOW))
    assert data["RequestCount", 1]["Value"] == 4
    assert data["RequestCount", 2]["Dimensions"] == DIMS.group("TargetGroup")
    assert data["HTTPCode_Target_5XX_Count", 2]["Value"] == 1
    assert data["HTTPCode_ELB_5XX_Count", 1]["Value"] == 1
    assert ("HTTPCode_ELB_5XX_Count", 2) not in data  # ALB has it per load balancer only
    times = data["TargetResponseTime", 2]
    assert (times["Values"], times["Counts"], times["Unit"]) == (
        [0.010, 0.200],
        [2.0, 1.0],
        "Seconds",
    )
    assert all(d["Timestamp"] == NOW for d in data.values())


def test_each_target_group_counts_its_own_requests() -> None:
    """Blue/green: the balancer's totals hold both groups' requests, each group its own."""
    metrics = AlbMetrics(DIMS)
    metrics.add_requests(
        [
            Request("TargetGroup", 200, "task-1", 0.010),
            Request("Alternate", 500, "task-2", 0.020),
            Request("Alternate", 200, "task-2", 0.030),
        ]
    )
    data = metrics.take(NOW)
    counts = {
        (d["MetricName"], d["Dimensions"][-1]["Value"]): d.get("Value")
        for d in data
        if "Value" in d
    }
    assert counts["RequestCount", "app/todo/0123456789abcdef"] == 3
    assert counts["RequestCount", "targetgroup/blue/fedcba9876543210"] == 1
    assert counts["RequestCount", "targetgroup/green/01"] == 2
    assert counts["HTTPCode_Target_5XX_Count", "targetgroup/green/01"] == 1
    assert ("HTTPCode_Target_5XX_Count", "targetgroup/blue/fedcba9876543210") not in counts


def test_nothing_to_count_is_not_published_but_hosts_always_are() -> None:
    metrics = AlbMetrics(DIMS)
    metrics.observe_hosts("TargetGroup", 2, 0)
    metrics.observe_hosts("TargetGroup", 1, 1)
    metrics.observe_hosts("TargetGroup", 2, 0)
    data = by_name(metrics.take(NOW))
    assert set(data) == {("HealthyHostCount", 2), ("UnHealthyHostCount", 2)}
    assert data["UnHealthyHostCount", 2]["StatisticValues"] == {
        "SampleCount": 3.0,
        "Sum": 1.0,
        "Minimum": 0.0,
        "Maximum": 1.0,
    }
    # No observation in the next interval: the last one still holds.
    again = by_name(metrics.take(NOW))
    assert again["HealthyHostCount", 2]["StatisticValues"]["Maximum"] == 2.0
    assert again["UnHealthyHostCount", 2]["StatisticValues"]["Maximum"] == 0.0


def test_many_distinct_response_times_split_within_the_api_limit() -> None:
    metrics = AlbMetrics(DIMS)
    metrics.add_requests(Request("TargetGroup", 200, "task-1", n / 1000) for n in range(400))
    chunks = [d for d in metrics.take(NOW) if d["MetricName"] == "TargetResponseTime"]
    assert len(chunks) == 6  # 150 + 150 + 100 values, for each of the two dimension sets
    assert all(len(d["Values"]) <= 150 for d in chunks)
