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
        if self.log_level.lower() not in {"critical", "error", "warning", "info", "debug"}:
            raise ValueError(f"logLevel {self.log_level!r} is not a Python logging level")

    @property
    def front_door(self) -> FrontDoor:
        return FrontDoor.LOAD_BALANCER if self.certificate_arn else FrontDoor.CLOUDFRONT

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
        )
