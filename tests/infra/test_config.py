"""Reading the deployment settings from CDK context (no synth)."""

from __future__ import annotations

from typing import Any

import pytest
from aws_cdk import aws_logs as logs

from infra.config import AuthMode, DatabaseMode, FrontDoor, Settings
from tests.infra.conftest import CDK_JSON_CONTEXT


def settings(**context: Any) -> Settings:
    return Settings.from_context(context.get)


def test_cdk_json_defaults_are_the_code_defaults() -> None:
    assert Settings.from_context(CDK_JSON_CONTEXT.get) == Settings()


def test_defaults_without_any_context() -> None:
    defaults = settings()
    assert defaults.database is DatabaseMode.SIDECAR
    assert defaults.auth_mode is AuthMode.ACCOUNTS
    assert defaults.image is None
    assert defaults.nat_gateways == 2
    assert defaults.nat_eip_allocation_ids == ()
    assert defaults.certificate_arn is None
    assert defaults.log_retention is logs.RetentionDays.ONE_MONTH
    assert defaults.front_door is FrontDoor.CLOUDFRONT
    assert (defaults.waf_rate_limit, defaults.waf_sign_in_rate_limit) == (2000, 20)
    assert defaults.restrict_default_security_group is True


def test_sign_up_limits_reach_the_service_only_when_given() -> None:
    assert settings().service_environment == {}
    given = settings(signUpPerMinute="600", signUpPerAddressPerHour="5000")
    assert given.service_environment == {
        "SIGN_UP_PER_MINUTE": "600",
        "SIGN_UP_PER_ADDRESS_PER_HOUR": "5000",
    }


def test_an_injected_fault_reaches_the_service_only_when_given() -> None:
    assert "FAULT_SERVER_ERRORS_PATH" not in settings().service_environment
    given = settings(faultServerErrorsPath="/api/todos")
    assert given.service_environment == {"FAULT_SERVER_ERRORS_PATH": "/api/todos"}
    with pytest.raises(ValueError, match="faultServerErrorsPath"):
        settings(faultServerErrorsPath="api/todos")


def test_a_certificate_makes_the_load_balancer_the_front_door() -> None:
    given = settings(
        certificateArn="arn:aws:acm:us-east-1:1:certificate/x", ingressCidr="192.0.2.0/24"
    )
    assert given.front_door is FrontDoor.LOAD_BALANCER


def test_command_line_strings_are_parsed() -> None:
    parsed = settings(
        database="rds",
        authMode="Open",
        image="repo/todo-async:1",
        natGateways="1",
        natEipAllocationIds=" eipalloc-a ",
        cpu="1024",
        memory="4096",
        desiredCount="4",
        maxCapacity="10",
        dbMultiAz="true",
        retainData="False",
        logRetentionDays="365",
    )
    assert parsed.database is DatabaseMode.RDS
    assert parsed.auth_mode is AuthMode.OPEN
    assert parsed.image == "repo/todo-async:1"
    assert parsed.nat_gateways == 1
    assert parsed.nat_eip_allocation_ids == ("eipalloc-a",)
    assert (parsed.cpu, parsed.memory) == (1024, 4096)
    assert (parsed.desired_count, parsed.max_capacity) == (4, 10)
    assert parsed.db_multi_az is True
    assert parsed.retain_data is False
    assert parsed.log_retention is logs.RetentionDays.ONE_YEAR


@pytest.mark.parametrize(
    "value", ["eipalloc-a,eipalloc-b", "eipalloc-a, eipalloc-b,", ["eipalloc-a", "eipalloc-b"]]
)
def test_eip_allocation_ids_as_comma_list_or_json_list(value: Any) -> None:
    assert settings(natEipAllocationIds=value).nat_eip_allocation_ids == (
        "eipalloc-a",
        "eipalloc-b",
    )


def test_alarm_options_are_parsed() -> None:
    parsed = settings(
        alarmEmail="ops@example.com",
        alarmTopicKey="alias/aws/sns",
        alarmPeriodSeconds="10",
        alarmServerErrors="3",
        alarmLatencyP99Ms="250",
        alarmDbConnections="40",
        alarmLockouts="1",
    ).alarms
    assert (parsed.email, parsed.topic_key) == ("ops@example.com", "alias/aws/sns")
    assert parsed.period_seconds == 10
    assert (parsed.server_errors, parsed.latency_p99_ms) == (3, 250)
    assert (parsed.db_connections, parsed.lockouts) == (40, 1)


def test_only_rds_mode_deploys_blue_green() -> None:
    # Sidecar mode's one task owns the database files: two revisions cannot run together.
    assert settings(database="rds").blue_green
    assert not settings(database="sidecar").blue_green


def test_empty_strings_mean_unset() -> None:
    parsed = settings(image="", certificateArn="", natEipAllocationIds="", cpu="")
    assert (parsed.image, parsed.certificate_arn, parsed.cpu) == (None, None, 512)
    assert parsed.nat_eip_allocation_ids == ()


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"database": "dynamodb"}, "database must be"),
        ({"authMode": "public"}, "authMode must be 'accounts' or 'open'"),
        ({"natGateways": "0"}, "natGateways must be 1 or 2"),
        ({"natGateways": "3"}, "natGateways must be 1 or 2"),
        ({"natEipAllocationIds": "eipalloc-a"}, "one id per NAT gateway"),
        ({"natGateways": "1", "natEipAllocationIds": "a,b"}, "one id per NAT gateway"),
        ({"cpu": "512", "memory": "512"}, "not a Fargate size"),
        ({"cpu": "300"}, "not a Fargate size"),
        ({"cpu": "half"}, "not a whole number"),
        ({"database": "rds", "desiredCount": "1"}, "at least 2"),
        ({"database": "rds", "desiredCount": "4", "maxCapacity": "3"}, "maxCapacity"),
        ({"logRetentionDays": "31"}, "not a CloudWatch period"),
        ({"retainData": "yes"}, "not true or false"),
        ({"logLevel": "verbose"}, "not a Python logging level"),
        ({"ingressCidr": "10.0.0.0/33"}, "does not appear to be"),
        ({"ingressCidr": "192.0.2.0/24"}, "exists only with certificateArn"),
        ({"wafRateLimit": "9"}, "AWS WAF takes 10 to"),
        ({"wafSignInRateLimit": "0"}, "AWS WAF takes 10 to"),
        ({"restrictDefaultSecurityGroup": "no"}, "not true or false"),
        ({"databaseSslMode": "prefer"}, "'verify-full' or 'require'"),
        ({"signUpPerMinute": "0"}, "give at least 1"),
        ({"signUpPerAddressPerHour": "many"}, "not a whole number"),
        ({"bakeMinutes": "1441"}, "bakeMinutes=1441: 0 to 1440"),
        ({"testListenerCidr": "somewhere"}, "does not appear to be"),
        ({"alarmEmail": "ops"}, "not a mail address"),
        ({"alarmPeriodSeconds": "20"}, "10, 30 or a multiple of 60"),
        ({"alarmPeriodSeconds": "90"}, "10, 30 or a multiple of 60"),
        ({"alarmCpuPercent": "0"}, "give 1 to 100"),
        ({"alarmMemoryPercent": "101"}, "give 1 to 100"),
        ({"alarmLatencyP99Ms": "fast"}, "not a whole number"),
    ],
)
def test_invalid_context_is_refused_with_a_reason(context: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        settings(**context)


def test_sidecar_ignores_desired_count_and_capacity() -> None:
    # One task owns the database files; the stack pins the count, so these are not checked.
    assert settings(desiredCount="1", maxCapacity="1").database is DatabaseMode.SIDECAR
