"""The stack's own alarms through LocalStack's CloudWatch and SNS: a killed task leaves no
healthy target, the no-healthy-target alarm goes to ALARM and pages (a message on the alarm
topic, read through an SQS subscription), then back to OK once the replacement is healthy.

The service runs one task for the test (the desired count is put back after): with more,
the others stay healthy and that alarm, by design, stays OK. Run with -rP for the times."""

from __future__ import annotations

import json
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.integration.conftest import Standin

ALARM_WITHIN = 120.0
OK_WITHIN = 180.0


def metric_names(alarm: dict[str, Any]) -> set[str]:
    names = {alarm.get("MetricName")}
    names |= {
        q["MetricStat"]["Metric"]["MetricName"]
        for q in alarm.get("Metrics", [])
        if "MetricStat" in q
    }
    return {name for name in names if name}


@pytest.fixture
def healthy_targets_alarm(aws: Callable[[str], Any]) -> dict[str, Any]:
    alarms = aws("cloudwatch").describe_alarms()["MetricAlarms"]
    found = [
        a
        for a in alarms
        if metric_names(a) == {"HealthyHostCount"}
        and a["ComparisonOperator"] == "LessThanThreshold"
    ]
    assert len(found) == 1, [a["AlarmName"] for a in alarms]
    return found[0]


@pytest.fixture
def alarm_messages(
    aws: Callable[[str], Any], outputs: dict[str, Any]
) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """An SQS queue subscribed to the alarm topic; calling it reads the alarm messages that
    arrived since the last call."""
    sqs, sns = aws("sqs"), aws("sns")
    queue_url = sqs.create_queue(QueueName=f"alarm-test-{uuid.uuid4().hex[:8]}")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])[
        "Attributes"
    ]["QueueArn"]
    subscription = sns.subscribe(
        TopicArn=outputs["AlarmTopicArn"], Protocol="sqs", Endpoint=queue_arn
    )["SubscriptionArn"]

    def read() -> list[dict[str, Any]]:
        messages = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1
        ).get("Messages", [])
        for message in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"])
        return [json.loads(json.loads(m["Body"])["Message"]) for m in messages]

    yield read
    sns.unsubscribe(SubscriptionArn=subscription)
    sqs.delete_queue(QueueUrl=queue_url)


def wait_for_state(
    aws: Callable[[str], Any],
    messages: Callable[[], list[dict[str, Any]]],
    name: str,
    state: str,
    within: float,
    *,
    notified: bool = True,
) -> tuple[float, dict[str, Any]]:
    """Until the alarm is in `state` and (when `notified`) its notification of that came;
    the seconds the state took and the message."""
    started = time.monotonic()
    reached: float | None = None
    while time.monotonic() - started < within:
        if reached is None:
            [alarm] = aws("cloudwatch").describe_alarms(AlarmNames=[name])["MetricAlarms"]
            if alarm["StateValue"] == state:
                reached = time.monotonic() - started
                if not notified:
                    return reached, {}
        for message in messages():
            if message["AlarmName"] == name and message["NewStateValue"] == state:
                return reached if reached is not None else time.monotonic() - started, message
        time.sleep(1)
    pytest.fail(f"alarm {name} not {state} with its notification within {within:.0f} s")


def test_killed_task_fires_the_no_healthy_target_alarm_which_clears_after_replacement(
    standin: Standin,
    steady_service: dict[str, Any],
    aws: Callable[[str], Any],
    healthy_targets_alarm: dict[str, Any],
    alarm_messages: Callable[[], list[dict[str, Any]]],
) -> None:
    name = healthy_targets_alarm["AlarmName"]
    desired = steady_service["desired_count"]
    if desired != 1:
        standin.scale(1)
    try:
        status = standin.wait_until(lambda s: s["steady"], 300, "steady with one task")
        wait_for_state(aws, alarm_messages, name, "OK", OK_WITHIN, notified=False)
        alarm_messages()  # from here on: what the kill causes
        [victim] = standin.live_tasks(status)
        app = next(c for c in victim["containers"] if c["name"] == status["container_name"])
        killed = time.monotonic()
        os.kill(app["pid"], signal.SIGKILL)
        to_alarm, paged = wait_for_state(aws, alarm_messages, name, "ALARM", ALARM_WITHIN)
        standin.wait_until(
            lambda s: s["steady"] and victim["id"] not in {t["id"] for t in standin.live_tasks(s)},
            180,
            "the killed task replaced",
        )
        replaced = time.monotonic() - killed
        to_ok, cleared = wait_for_state(aws, alarm_messages, name, "OK", OK_WITHIN)
    finally:
        if desired != 1:
            standin.scale(desired)
    print(
        f"kill -9 of the only task: alarm {name} ALARM {to_alarm:.0f} s after the kill, "
        f"replacement healthy {replaced:.0f} s after the kill, OK {to_ok:.0f} s after that; "
        f"ALARM message: {json.dumps(paged)[:400]}"
    )
    assert paged["OldStateValue"] == "OK"
    assert paged["Trigger"]["ComparisonOperator"] == "LessThanThreshold"
    assert cleared["OldStateValue"] == "ALARM"
    assert paged["AlarmArn"] == healthy_targets_alarm["AlarmArn"]
