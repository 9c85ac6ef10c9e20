"""The alarms (infra/alarms.py): every one on the SNS topic, each metric, threshold and
missing-data rule, the encrypted topic, the security-event metric filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.infra.conftest import Synthesized, synthesize

TOPIC = [{"Ref": "AlarmTopic"}]
LOAD_BALANCER = {
    "Name": "LoadBalancer",
    "Value": {"Fn::GetAtt": ["LoadBalancer", "LoadBalancerFullName"]},
}
SERVICE = [
    {"Name": "ClusterName", "Value": {"Ref": "Cluster"}},
    {"Name": "ServiceName", "Value": {"Fn::GetAtt": ["Service", "Name"]}},
]
DATABASE = [{"Name": "DBInstanceIdentifier", "Value": {"Ref": "DatabaseInstance"}}]

# name: (namespace, metric, statistic, comparison, threshold, periods, missing data)
COMMON = {
    "TargetServerErrors": (
        "AWS/ApplicationELB",
        "HTTPCode_Target_5XX_Count",
        "Sum",
        "GreaterThanThreshold",
        10,
        2,
        "notBreaching",
    ),
    "LoadBalancerServerErrors": (
        "AWS/ApplicationELB",
        "HTTPCode_ELB_5XX_Count",
        "Sum",
        "GreaterThanThreshold",
        10,
        2,
        "notBreaching",
    ),
    "LatencyP99": (
        "AWS/ApplicationELB",
        "TargetResponseTime",
        "p99",
        "GreaterThanThreshold",
        1,
        3,
        "notBreaching",
    ),
    "UnhealthyTargets": (
        "AWS/ApplicationELB",
        "UnHealthyHostCount",
        "Maximum",
        "GreaterThanThreshold",
        0,
        3,
        "notBreaching",
    ),
    "ServiceCpu": (
        "AWS/ECS",
        "CPUUtilization",
        "Average",
        "GreaterThanThreshold",
        80,
        5,
        "notBreaching",
    ),
    "ServiceMemory": (
        "AWS/ECS",
        "MemoryUtilization",
        "Average",
        "GreaterThanThreshold",
        80,
        5,
        "notBreaching",
    ),
    "SignInFailures": (
        "todo-async/TodoAsync",
        "SignInFailures",
        "Sum",
        "GreaterThanThreshold",
        20,
        1,
        "notBreaching",
    ),
    "Lockouts": (
        "todo-async/TodoAsync",
        "Lockouts",
        "Sum",
        "GreaterThanOrEqualToThreshold",
        3,
        1,
        "notBreaching",
    ),
}
RDS_ONLY = {
    "UnhealthyTargetsAlternate": COMMON["UnhealthyTargets"],
    "DatabaseCpu": (
        "AWS/RDS",
        "CPUUtilization",
        "Average",
        "GreaterThanThreshold",
        80,
        5,
        "notBreaching",
    ),
    "DatabaseFreeStorage": (
        "AWS/RDS",
        "FreeStorageSpace",
        "Minimum",
        "LessThanThreshold",
        2048 * 1024 * 1024,
        2,
        "breaching",
    ),
    "DatabaseConnections": (
        "AWS/RDS",
        "DatabaseConnections",
        "Maximum",
        "GreaterThanThreshold",
        60,
        3,
        "notBreaching",
    ),
}
SIDECAR_ONLY = {
    "FileSystemIo": (
        "AWS/EFS",
        "PercentIOLimit",
        "Maximum",
        "GreaterThanThreshold",
        90,
        5,
        "notBreaching",
    ),
    "NoHealthyTargets": (
        "AWS/ApplicationELB",
        "HealthyHostCount",
        "Minimum",
        "LessThanThreshold",
        1,
        2,
        "breaching",
    ),
}


def alarms(synth: Synthesized) -> dict[str, dict[str, Any]]:
    return {
        logical_id.removeprefix("Alarm"): resource["Properties"]
        for logical_id, resource in synth.of_type("AWS::CloudWatch::Alarm").items()
    }


def plain(alarm: dict[str, Any]) -> tuple[Any, ...]:
    statistic = alarm.get("Statistic") or alarm.get("ExtendedStatistic")
    return (
        alarm["Namespace"],
        alarm["MetricName"],
        statistic,
        alarm["ComparisonOperator"],
        alarm["Threshold"],
        alarm["EvaluationPeriods"],
        alarm["TreatMissingData"],
    )


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("rds", {**COMMON, **RDS_ONLY}), ("sidecar", {**COMMON, **SIDECAR_ONLY})],
)
def test_each_alarm_its_metric_threshold_and_missing_data(
    mode: str, expected: dict[str, tuple[Any, ...]], request: pytest.FixtureRequest
) -> None:
    found = alarms(request.getfixturevalue(mode))
    if mode == "rds":
        assert "Metrics" in found.pop("NoHealthyTargets")  # metric math: below
    assert {name: plain(alarm) for name, alarm in found.items()} == expected
    for alarm in found.values():
        assert alarm["Period"] == 60


@pytest.mark.parametrize("mode", ["rds", "sidecar"])
def test_every_alarm_pages_and_clears_through_the_topic(
    mode: str, request: pytest.FixtureRequest
) -> None:
    found = alarms(request.getfixturevalue(mode))
    for name, alarm in found.items():
        assert alarm["AlarmName"] == f"TodoAsync-{name}"
        assert alarm["AlarmActions"] == TOPIC, name
        assert alarm["OKActions"] == TOPIC, name
        assert alarm["AlarmDescription"], name


def test_dimensions_name_the_load_balancer_service_and_database(rds: Synthesized) -> None:
    found = alarms(rds)
    for name in ("TargetServerErrors", "LoadBalancerServerErrors", "LatencyP99"):
        assert found[name]["Dimensions"] == [LOAD_BALANCER]
    for name, group in (
        ("UnhealthyTargets", "TargetGroup"),
        ("UnhealthyTargetsAlternate", "AlternateTargetGroup"),
    ):
        assert found[name]["Dimensions"] == [
            LOAD_BALANCER,
            {"Name": "TargetGroup", "Value": {"Fn::GetAtt": [group, "TargetGroupFullName"]}},
        ]
    for name in ("ServiceCpu", "ServiceMemory"):
        assert found[name]["Dimensions"] == SERVICE
    for name in ("DatabaseCpu", "DatabaseFreeStorage", "DatabaseConnections"):
        assert found[name]["Dimensions"] == DATABASE


def test_no_healthy_target_sums_both_target_groups(rds: Synthesized) -> None:
    """ECS alternates the live target group with each blue/green deployment, so the count
    covers both; the only alarm with metric math."""
    alarm = alarms(rds)["NoHealthyTargets"]
    assert (alarm["ComparisonOperator"], alarm["Threshold"]) == ("LessThanThreshold", 1)
    assert (alarm["EvaluationPeriods"], alarm["TreatMissingData"]) == (2, "breaching")
    queries = {query["Id"]: query for query in alarm["Metrics"]}
    [expression] = [q for q in queries.values() if "Expression" in q]
    assert expression["Expression"] == "FILL(m0, 0) + FILL(m1, 0)"
    for query_id, group in (("m0", "TargetGroup"), ("m1", "AlternateTargetGroup")):
        stat = queries[query_id]["MetricStat"]
        assert (stat["Metric"]["MetricName"], stat["Stat"], stat["Period"]) == (
            "HealthyHostCount",
            "Minimum",
            60,
        )
        assert stat["Metric"]["Dimensions"][1]["Value"] == {
            "Fn::GetAtt": [group, "TargetGroupFullName"]
        }


def test_efs_alarm_names_the_file_system(sidecar: Synthesized) -> None:
    assert alarms(sidecar)["FileSystemIo"]["Dimensions"] == [
        {"Name": "FileSystemId", "Value": {"Ref": "FileSystem"}}
    ]


def test_security_events_become_metrics_through_filters_on_the_service_log(
    sidecar: Synthesized,
) -> None:
    filters = {
        f["Properties"]["MetricTransformations"][0]["MetricName"]: f["Properties"]
        for f in sidecar.of_type("AWS::Logs::MetricFilter").values()
    }
    for metric, event in (("SignInFailures", "sign_in_failed"), ("Lockouts", "lockout")):
        assert filters[metric]["LogGroupName"] == {"Ref": "LogGroup"}
        assert filters[metric]["FilterPattern"] == (
            f'{{ $.logger = "todo_async.security" && $.event = "{event}" }}'
        )
        assert filters[metric]["MetricTransformations"] == [
            {"MetricName": metric, "MetricNamespace": "todo-async/TodoAsync", "MetricValue": "1"}
        ]


def test_topic_is_encrypted_with_a_rotated_key_cloudwatch_may_use(sidecar: Synthesized) -> None:
    topic = sidecar.resources["AlarmTopic"]["Properties"]
    key_id = topic["KmsMasterKeyId"]["Fn::GetAtt"][0]
    key = sidecar.resources[key_id]["Properties"]
    assert key["EnableKeyRotation"] is True
    [statement] = [
        s for s in key["KeyPolicy"]["Statement"] if s.get("Sid") == "CloudWatchAlarmsPublish"
    ]
    assert statement["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert set(statement["Action"]) == {"kms:Decrypt", "kms:GenerateDataKey*"}
    # No mail by default.
    assert not sidecar.of_type("AWS::SNS::Subscription")
    sidecar.assert_aws_solutions_clean()
    assert sidecar.outputs["AlarmTopicArn"] == {"Value": {"Ref": "AlarmTopic"}}


@pytest.fixture(scope="module")
def tuned(outdir: Path) -> Synthesized:
    return synthesize(
        outdir,
        alarmEmail="ops@example.com",
        alarmTopicKey="alias/aws/sns",
        alarmPeriodSeconds="10",
        alarmServerErrors="3",
        alarmLatencyP99Ms="250",
        alarmCpuPercent="70",
        alarmEfsIoPercent="50",
        alarmLockouts="1",
    )


def test_context_options_set_the_thresholds_period_and_mail(tuned: Synthesized) -> None:
    found = alarms(tuned)
    assert found["TargetServerErrors"]["Threshold"] == 3
    assert found["LoadBalancerServerErrors"]["Threshold"] == 3
    assert found["LatencyP99"]["Threshold"] == 0.25
    assert found["ServiceCpu"]["Threshold"] == 70
    assert found["FileSystemIo"]["Threshold"] == 50
    assert found["Lockouts"]["Threshold"] == 1
    assert {alarm["Period"] for alarm in found.values()} == {10}
    # A key given instead of the stack's own (the local deploy's: LocalStack cannot make one).
    assert not tuned.of_type("AWS::KMS::Key")
    assert tuned.resources["AlarmTopic"]["Properties"]["KmsMasterKeyId"] == {
        "Fn::Join": ["", ["arn:aws:kms:us-east-1:", {"Ref": "AWS::AccountId"}, ":alias/aws/sns"]]
    }
    [subscription] = tuned.of_type("AWS::SNS::Subscription").values()
    assert subscription["Properties"]["Protocol"] == "email"
    assert subscription["Properties"]["Endpoint"] == "ops@example.com"
    assert subscription["Properties"]["TopicArn"] == {"Ref": "AlarmTopic"}
