"""Deployment settings read from CDK context (`cdk.json` defaults, `-c key=value` overrides)."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from aws_cdk import aws_logs as logs

from infra.context import Context

# Fargate's valid CPU units and the memory (MiB) each allows.
FARGATE_MEMORY: dict[int, range] = {
    256: range(512, 2049, 512),
    512: range(1024, 4097, 1024),
    1024: range(2048, 8193, 1024),
    2048: range(4096, 16385, 1024),
    4096: range(8192, 30721, 1024),
}

# The retention periods CloudWatch Logs accepts, in days.
_LOG_RETENTION: dict[int, logs.RetentionDays] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}


# What AWS WAF accepts as a rate-based rule's limit (requests per evaluation window).
WAF_MIN_RATE_LIMIT = 10
WAF_MAX_RATE_LIMIT = 2_000_000_000


# The periods a CloudWatch alarm may evaluate: 10 or 30 s (high-resolution metrics, such as
# the local stand-in publishes) or whole minutes.
_HIGH_RESOLUTION_PERIODS = (10, 30)
# ECS's bounds on a blue/green deployment's bake time, in minutes.
MAX_BAKE_MINUTES = 1440


@dataclass(frozen=True)
class AlarmSettings:
    """Where the alarms send and when they fire; see docs/deploying.md, "Alarms"."""

    # An address the alarm topic mails (it confirms the subscription first); none: no mail.
    email: str | None = None
    # The KMS key (ARN or alias) the topic is encrypted with; none: a key of the stack's own.
    topic_key: str | None = None
    period_seconds: int = 60
    # 5xx answers per period, the targets' and the load balancer's each.
    server_errors: int = 10
    latency_p99_ms: int = 1000
    cpu_percent: int = 80
    memory_percent: int = 80
    db_cpu_percent: int = 80
    db_free_storage_mib: int = 2048
    # db.t4g.micro allows ~80 connections (RDS: memory / 9,531,392 bytes); a task's pool
    # holds up to DATABASE_POOL_SIZE (10).
    db_connections: int = 60
    efs_io_percent: int = 90
    # Security events per period: wrong passwords, and budgets filled (lockouts).
    sign_in_failures: int = 20
    lockouts: int = 3

    def __post_init__(self) -> None:
        period = self.period_seconds
        if period not in _HIGH_RESOLUTION_PERIODS and (period < 60 or period % 60):
            raise ValueError(f"alarmPeriodSeconds={period}: 10, 30 or a multiple of 60")
        for key, value, ceiling in (
            ("alarmCpuPercent", self.cpu_percent, 100),
            ("alarmMemoryPercent", self.memory_percent, 100),
            ("alarmDbCpuPercent", self.db_cpu_percent, 100),
            ("alarmEfsIoPercent", self.efs_io_percent, 100),
        ):
            if not 1 <= value <= ceiling:
                raise ValueError(f"{key}={value}: give 1 to {ceiling}")
        if self.email is not None and "@" not in self.email:
            raise ValueError(f"alarmEmail={self.email!r} is not a mail address")

    @classmethod
    def from_context(cls, read: Context) -> AlarmSettings:
        defaults = cls()
        return cls(
            email=read.optional("alarmEmail"),
            topic_key=read.optional("alarmTopicKey"),
            period_seconds=read.number("alarmPeriodSeconds", defaults.period_seconds),
            server_errors=read.number("alarmServerErrors", defaults.server_errors),
            latency_p99_ms=read.number("alarmLatencyP99Ms", defaults.latency_p99_ms),
            cpu_percent=read.number("alarmCpuPercent", defaults.cpu_percent),
            memory_percent=read.number("alarmMemoryPercent", defaults.memory_percent),
            db_cpu_percent=read.number("alarmDbCpuPercent", defaults.db_cpu_percent),
            db_free_storage_mib=read.number("alarmDbFreeStorageMib", defaults.db_free_storage_mib),
            db_connections=read.number("alarmDbConnections", defaults.db_connections),
            efs_io_percent=read.number("alarmEfsIoPercent", defaults.efs_io_percent),
            sign_in_failures=read.number("alarmSignInFailures", defaults.sign_in_failures),
            lockouts=read.number("alarmLockouts", defaults.lockouts),
        )


class DatabaseMode(StrEnum):
    SIDECAR = "sidecar"
    RDS = "rds"


class FrontDoor(StrEnum):
    """Where viewers' HTTPS ends: CloudFront with its own certificate (no domain needed), or
    the load balancer's HTTPS listener with the certificate given as certificateArn."""

    CLOUDFRONT = "cloudfront"
    LOAD_BALANCER = "loadBalancer"


class AuthMode(StrEnum):
    """The service's AUTH_MODE: "accounts" (every list its owner's) or "open" (one public
    list, for a throwaway demo only)."""

    ACCOUNTS = "accounts"
    OPEN = "open"


@dataclass(frozen=True)
class Settings:
    """Everything the stack varies on; see docs/deploying.md, "Context options", for each key."""

    database: DatabaseMode = DatabaseMode.SIDECAR
    auth_mode: AuthMode = AuthMode.ACCOUNTS
    image: str | None = None
    nat_gateways: int = 2
    nat_eip_allocation_ids: tuple[str, ...] = ()
    certificate_arn: str | None = None
    ingress_cidr: str = "0.0.0.0/0"
    cpu: int = 512
    memory: int = 1024
    desired_count: int = 2
    max_capacity: int = 6
    db_instance_type: str = "t4g.micro"
    db_multi_az: bool = False
    retain_data: bool = True
    log_retention_days: int = 30
    cors_allow_origins: str = "*"
    log_level: str = "info"
    stack_name: str = "TodoAsync"
    region: str | None = None
    # The CloudFront front door's prefix list (com.amazonaws.global.cloudfront.origin-facing);
    # empty: looked up at deploy time in the stack's region.
    cloudfront_prefix_list_id: str | None = None
    # WAF rate-based rules: requests per client address per WAF_RATE_WINDOW_S, everything /
    # POST /api/session and POST /api/users.
    waf_rate_limit: int = 2000
    waf_sign_in_rate_limit: int = 20
    # Strip the VPC default security group's rules (a Lambda-backed custom resource).
    restrict_default_security_group: bool = True
    # How the service's connections to RDS check the server: its certificate against the RDS
    # certificate authorities and name ("verify-full"), or encryption alone ("require").
    database_ssl_mode: str = "verify-full"
    # The service's sign-up limits (SIGN_UP_PER_MINUTE, SIGN_UP_PER_ADDRESS_PER_HOUR); unset:
    # the service's own defaults. A stack whose every client shares one address (the local
    # stack's tests and load runs, all from loopback) raises them.
    sign_up_per_minute: int | None = None
    sign_up_per_address_per_hour: int | None = None
    alarms: AlarmSettings = AlarmSettings()
    # Rds mode's blue/green deployments: how long both revisions run after the shift, while
    # the deployment alarms may still roll back.
    bake_minutes: int = 10
    # Who may reach the blue/green test listener (rds mode); empty: nobody from outside.
    test_listener_cidr: str | None = None
    # A bad release on purpose, for testing rollbacks: the service answers 500 under this
    # path (FAULT_SERVER_ERRORS_PATH). Unset: no fault.
    fault_server_errors_path: str | None = None

    def __post_init__(self) -> None:
        if self.nat_gateways not in (1, 2):
            raise ValueError("natGateways must be 1 or 2 (the private subnets need egress)")
        if self.nat_eip_allocation_ids and len(self.nat_eip_allocation_ids) != self.nat_gateways:
            raise ValueError(
                f"natEipAllocationIds has {len(self.nat_eip_allocation_ids)} ids "
                f"but natGateways is {self.nat_gateways}: give one id per NAT gateway"
            )
        if self.cpu not in FARGATE_MEMORY or self.memory not in FARGATE_MEMORY[self.cpu]:
            raise ValueError(f"cpu={self.cpu} memory={self.memory} is not a Fargate size")
        if self.database is DatabaseMode.RDS:
            if self.desired_count < 2:
                raise ValueError("desiredCount must be at least 2 with database=rds")
            if self.max_capacity < self.desired_count:
                raise ValueError("maxCapacity must be at least desiredCount")
        if self.log_retention_days not in _LOG_RETENTION:
            raise ValueError(
                f"logRetentionDays={self.log_retention_days} is not a CloudWatch period"
            )
        ipaddress.ip_network(self.ingress_cidr)
        if self.ingress_cidr != "0.0.0.0/0" and not self.certificate_arn:
            raise ValueError(
                "ingressCidr narrows the load balancer's HTTPS listener, which exists only with "
                "certificateArn; without it CloudFront is the front door and the load balancer "
                "admits CloudFront alone"
            )
        for key, limit in (
            ("wafRateLimit", self.waf_rate_limit),
            ("wafSignInRateLimit", self.waf_sign_in_rate_limit),
        ):
            if not WAF_MIN_RATE_LIMIT <= limit <= WAF_MAX_RATE_LIMIT:
                raise ValueError(
                    f"{key}={limit}: AWS WAF takes {WAF_MIN_RATE_LIMIT} to {WAF_MAX_RATE_LIMIT}"
                )
        if self.database_ssl_mode not in ("verify-full", "require"):
            raise ValueError(
                f"databaseSslMode={self.database_ssl_mode!r}: 'verify-full' or 'require'"
            )
        for key, value in (
            ("signUpPerMinute", self.sign_up_per_minute),
            ("signUpPerAddressPerHour", self.sign_up_per_address_per_hour),
        ):
            if value is not None and value < 1:
                raise ValueError(f"{key}={value}: give at least 1")
        if not 0 <= self.bake_minutes <= MAX_BAKE_MINUTES:
            raise ValueError(f"bakeMinutes={self.bake_minutes}: 0 to {MAX_BAKE_MINUTES}")
        if self.test_listener_cidr is not None:
            ipaddress.ip_network(self.test_listener_cidr)
        fault = self.fault_server_errors_path
        if fault is not None and not fault.startswith("/"):
            raise ValueError(f"faultServerErrorsPath={fault!r}: a path starting with /")
        if self.log_level.lower() not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError(f"logLevel {self.log_level!r} is not a Python logging level")

    @property
    def blue_green(self) -> bool:
        """Rds mode deploys blue/green; sidecar mode's one task owns the database files, so
        two revisions cannot run side by side: it stays rolling (stop, then start)."""
        return self.database is DatabaseMode.RDS

    @property
    def front_door(self) -> FrontDoor:
        return FrontDoor.LOAD_BALANCER if self.certificate_arn else FrontDoor.CLOUDFRONT

    @property
    def service_environment(self) -> dict[str, str]:
        """The service's settings given as context (sign-up limits, an injected fault), as
        its environment variables."""
        given = {
            "SIGN_UP_PER_MINUTE": self.sign_up_per_minute,
            "SIGN_UP_PER_ADDRESS_PER_HOUR": self.sign_up_per_address_per_hour,
            "FAULT_SERVER_ERRORS_PATH": self.fault_server_errors_path,
        }
        return {name: str(value) for name, value in given.items() if value is not None}

    @property
    def log_retention(self) -> logs.RetentionDays:
        return _LOG_RETENTION[self.log_retention_days]

    @classmethod
    def from_context(cls, get: Callable[[str], Any]) -> Settings:
        """Build settings from a context lookup such as `construct.node.try_get_context`."""
        defaults = cls()
        read = Context(get)
        try:
            database = DatabaseMode(read.text("database", defaults.database))
        except ValueError:
            raise ValueError("context database must be 'sidecar' or 'rds'") from None
        try:
            auth_mode = AuthMode(read.text("authMode", defaults.auth_mode).lower())
        except ValueError:
            raise ValueError("context authMode must be 'accounts' or 'open'") from None

        return cls(
            database=database,
            auth_mode=auth_mode,
            image=read.optional("image"),
            nat_gateways=read.number("natGateways", defaults.nat_gateways),
            nat_eip_allocation_ids=read.id_list("natEipAllocationIds"),
            certificate_arn=read.optional("certificateArn"),
            ingress_cidr=read.text("ingressCidr", defaults.ingress_cidr),
            cpu=read.number("cpu", defaults.cpu),
            memory=read.number("memory", defaults.memory),
            desired_count=read.number("desiredCount", defaults.desired_count),
            max_capacity=read.number("maxCapacity", defaults.max_capacity),
            db_instance_type=read.text("dbInstanceType", defaults.db_instance_type),
            db_multi_az=read.flag("dbMultiAz", defaults.db_multi_az),
            retain_data=read.flag("retainData", defaults.retain_data),
            log_retention_days=read.number("logRetentionDays", defaults.log_retention_days),
            cors_allow_origins=read.text("corsAllowOrigins", defaults.cors_allow_origins),
            log_level=read.text("logLevel", defaults.log_level),
            stack_name=read.text("stackName", defaults.stack_name),
            region=read.optional("region"),
            cloudfront_prefix_list_id=read.optional("cloudFrontPrefixListId"),
            waf_rate_limit=read.number("wafRateLimit", defaults.waf_rate_limit),
            waf_sign_in_rate_limit=read.number(
                "wafSignInRateLimit", defaults.waf_sign_in_rate_limit
            ),
            restrict_default_security_group=read.flag(
                "restrictDefaultSecurityGroup", defaults.restrict_default_security_group
            ),
            database_ssl_mode=read.text("databaseSslMode", defaults.database_ssl_mode),
            sign_up_per_minute=_optional_number(read, "signUpPerMinute"),
            sign_up_per_address_per_hour=_optional_number(read, "signUpPerAddressPerHour"),
            alarms=AlarmSettings.from_context(read),
            bake_minutes=read.number("bakeMinutes", defaults.bake_minutes),
            test_listener_cidr=read.optional("testListenerCidr"),
            fault_server_errors_path=read.optional("faultServerErrorsPath"),
        )


def _optional_number(read: Context, key: str) -> int | None:
    return None if read.optional(key) is None else read.number(key, 0)
