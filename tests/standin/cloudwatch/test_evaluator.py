"""The alarms put into CloudWatch with the stand-in's dimensions, and the percentile alarms
the stand-in evaluates: at the end of each period, state set (and so notified) only when it
changes."""

from __future__ import annotations

import datetime
import json
from typing import Any

from standin.cloudwatch.alarms import AlarmSpec
from standin.cloudwatch.evaluator import AlarmEvaluator, datapoints
from standin.cloudwatch.metric_store import MetricStore

DIMENSIONS = [{"Name": "LoadBalancer", "Value": "app/todo/0123456789abcdef"}]


class CloudWatch:
    """Records what a CloudWatch client is asked; holds the alarms' states."""

    def __init__(self) -> None:
        self.put: list[dict[str, Any]] = []
        self.states: dict[str, str] = {}
        self.set_calls: list[dict[str, Any]] = []

    def put_metric_alarm(self, **alarm: Any) -> None:
        self.put.append(alarm)
        self.states[alarm["AlarmName"]] = "INSUFFICIENT_DATA"

    def describe_alarms(self, AlarmNames: list[str]) -> dict[str, Any]:
        return {"MetricAlarms": [{"StateValue": self.states[n]} for n in AlarmNames]}

    def set_alarm_state(self, **request: Any) -> None:
        self.set_calls.append(request)
        self.states[request["AlarmName"]] = request["StateValue"]


def latency_alarm() -> AlarmSpec:
    return AlarmSpec(
        "Latency",
        "todo-p99",
        {
            "AlarmName": "todo-p99",
            "Namespace": "AWS/ApplicationELB",
            "MetricName": "TargetResponseTime",
            "Dimensions": DIMENSIONS,
            "ExtendedStatistic": "p99",
            "Period": 60,
            "EvaluationPeriods": 2,
            "DatapointsToAlarm": 1,
            "Threshold": 1.0,
            "ComparisonOperator": "GreaterThanThreshold",
            "TreatMissingData": "notBreaching",
        },
    )


def put_latencies(store: MetricStore, at: float, values: list[float]) -> None:
    stamp = datetime.datetime.fromtimestamp(at, datetime.UTC)
    datum = {
        "MetricName": "TargetResponseTime",
        "Dimensions": DIMENSIONS,
        "Timestamp": stamp,
        "Values": values,
        "Counts": [1.0] * len(values),
    }
    store.add("AWS/ApplicationELB", [datum])


def test_datapoints_are_the_last_complete_periods() -> None:
    store = MetricStore()
    minute = 1_800_000_000 - 1_800_000_000 % 60  # a period boundary
    put_latencies(store, minute - 90, [0.1, 3.0])
    put_latencies(store, minute - 30, [0.2])
    put_latencies(store, minute + 10, [9.0])  # the running period: not yet evaluated
    assert datapoints(latency_alarm(), store, minute + 20) == [3.0, 0.2]


def test_percentile_alarm_set_at_period_ends_when_it_changes() -> None:
    cloudwatch, store = CloudWatch(), MetricStore()
    evaluator = AlarmEvaluator(cloudwatch, store, [latency_alarm()])
    evaluator.put_alarms()
    assert cloudwatch.put[0]["Dimensions"] == DIMENSIONS
    start = 1_800_000_000 - 1_800_000_000 % 60
    put_latencies(store, start + 5, [0.05] * 98 + [2.5, 2.5])
    assert evaluator.evaluate_due(start + 30) == [("todo-p99", "OK")]  # no data: notBreaching
    assert evaluator.evaluate_due(start + 40) == []  # that period was evaluated already
    assert evaluator.evaluate_due(start + 61) == [("todo-p99", "ALARM")]
    data = json.loads(cloudwatch.set_calls[-1]["StateReasonData"])
    assert data["recentDatapoints"] == [2.5]
    assert data["statistic"] == "p99"
    assert evaluator.evaluate_due(start + 121) == []  # still within the 2 periods
    assert evaluator.evaluate_due(start + 181) == [("todo-p99", "OK")]
    assert len(cloudwatch.set_calls) == 3


def test_alarms_localstack_evaluates_are_only_put() -> None:
    cloudwatch = CloudWatch()
    plain = AlarmSpec(
        "Errors",
        "todo-5xx",
        {**latency_alarm().properties, "AlarmName": "todo-5xx", "Statistic": "Sum"},
    )
    plain.properties.pop("ExtendedStatistic")
    evaluator = AlarmEvaluator(cloudwatch, MetricStore(), [plain])
    evaluator.put_alarms()
    assert [a["AlarmName"] for a in cloudwatch.put] == ["todo-5xx"]
    assert evaluator.evaluate_due(1_800_000_000.0) == []


def test_metric_math_alarm_over_both_target_groups() -> None:
    def healthy(group: str) -> dict[str, Any]:
        dims = [*DIMENSIONS, {"Name": "TargetGroup", "Value": group}]
        return {
            "Metric": {
                "Namespace": "AWS/ApplicationELB",
                "MetricName": "HealthyHostCount",
                "Dimensions": dims,
            },
            "Period": 10,
            "Stat": "Minimum",
        }

    alarm = AlarmSpec(
        "NoHealthy",
        "todo-no-healthy",
        {
            "AlarmName": "todo-no-healthy",
            "Metrics": [
                {"Id": "expr", "Expression": "FILL(m0, 0) + FILL(m1, 0)", "ReturnData": True},
                {"Id": "m0", "MetricStat": healthy("targetgroup/blue/1"), "ReturnData": False},
                {"Id": "m1", "MetricStat": healthy("targetgroup/green/2"), "ReturnData": False},
            ],
            "EvaluationPeriods": 2,
            "Threshold": 1.0,
            "ComparisonOperator": "LessThanThreshold",
            "TreatMissingData": "breaching",
        },
    )
    assert alarm.evaluated_by_standin
    assert alarm.period == 10
    store = MetricStore()
    start = 1_800_000_000.0
    for offset, group, count in ((2, "blue/1", 2.0), (12, "green/2", 0.0), (14, "blue/1", 0.0)):
        stamp = datetime.datetime.fromtimestamp(start + offset, datetime.UTC)
        store.add(
            "AWS/ApplicationELB",
            [
                {
                    "MetricName": "HealthyHostCount",
                    "Timestamp": stamp,
                    "Dimensions": [
                        *DIMENSIONS,
                        {"Name": "TargetGroup", "Value": f"targetgroup/{group}"},
                    ],
                    "StatisticValues": {
                        "SampleCount": 1.0,
                        "Sum": count,
                        "Minimum": count,
                        "Maximum": count,
                    },
                }
            ],
        )
    assert datapoints(alarm, store, start + 21) == [2.0, 0.0]
