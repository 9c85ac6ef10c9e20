"""The CloudFront distribution as the stand-in reads it from the deployed template: what
viewers over plain HTTP get, the headers added towards the origin (the origin secret among
them, resolved from Secrets Manager), the origin's read timeout, the response headers
policy's HSTS, and the WebACL on it. LocalStack's free edition creates none of this (the
distribution is a placeholder)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..aws.stack import Stack
from ..errors import HarnessError

DISTRIBUTION = "AWS::CloudFront::Distribution"
RESPONSE_HEADERS_POLICY = "AWS::CloudFront::ResponseHeadersPolicy"
LOAD_BALANCER = "AWS::ElasticLoadBalancingV2::LoadBalancer"
# What CloudFront does with a viewer's plain-HTTP request, per ViewerProtocolPolicy.
EMULATED_POLICIES = ("redirect-to-https", "https-only")


@dataclass(frozen=True)
class Hsts:
    max_age: int
    include_subdomains: bool
    preload: bool
    override: bool  # replace the origin's own header, not only add one where it has none

    @property
    def value(self) -> str:
        value = f"max-age={self.max_age}"
        value += "; includeSubDomains" if self.include_subdomains else ""
        return value + ("; preload" if self.preload else "")


@dataclass(frozen=True)
class DistributionSpec:
    viewer_protocol_policy: str
    # Added to every request towards the origin: the origin secret is one. Never printed.
    origin_headers: tuple[tuple[str, str], ...] = field(repr=False)
    origin_read_timeout: int
    origin_load_balancer: str  # the logical id of the load balancer it forwards to
    hsts: Hsts | None
    web_acl: str | None  # the logical id of its WebACL


def parse_distribution(stack: Stack) -> DistributionSpec | None:
    """The stack's one distribution, None when it has none (the load balancer is the front
    door)."""
    found = list(stack.of_type(DISTRIBUTION))
    if not found:
        return None
    if len(found) > 1:
        raise HarnessError(f"stack {stack.name} has {len(found)} distributions; expected one")
    logical_id, props = found[0]
    config = props["DistributionConfig"]
    behavior = config["DefaultCacheBehavior"]
    policy = str(behavior.get("ViewerProtocolPolicy", "allow-all"))
    if policy not in EMULATED_POLICIES:
        raise HarnessError(f"distribution {logical_id}: viewer protocol {policy} not emulated")
    origins = {str(origin["Id"]): origin for origin in config["Origins"]}
    origin = origins[str(behavior["TargetOriginId"])]
    load_balancer = Stack.ref_target(origin["DomainName"])
    if load_balancer is None or stack.type_of(load_balancer) != LOAD_BALANCER:
        raise HarnessError(f"distribution {logical_id}: only a load balancer origin is emulated")
    custom = origin.get("CustomOriginConfig") or {}
    return DistributionSpec(
        viewer_protocol_policy=policy,
        origin_headers=tuple(
            (str(header["HeaderName"]), str(stack.resolve(header["HeaderValue"])))
            for header in origin.get("OriginCustomHeaders") or []
        ),
        origin_read_timeout=int(custom.get("OriginReadTimeout", 30)),
        origin_load_balancer=load_balancer,
        hsts=_hsts(stack, behavior.get("ResponseHeadersPolicyId")),
        web_acl=Stack.ref_target(config.get("WebACLId")),
    )


def _hsts(stack: Stack, policy: Any) -> Hsts | None:
    policy_id = Stack.ref_target(policy)
    if policy_id is None or stack.type_of(policy_id) != RESPONSE_HEADERS_POLICY:
        return None
    config = stack.resolve(stack.properties(policy_id))["ResponseHeadersPolicyConfig"]
    sts = (config.get("SecurityHeadersConfig") or {}).get("StrictTransportSecurity")
    if not sts:
        return None
    return Hsts(
        max_age=int(sts["AccessControlMaxAgeSec"]),
        include_subdomains=_flag(sts.get("IncludeSubdomains", False)),
        preload=_flag(sts.get("Preload", False)),
        override=_flag(sts["Override"]),
    )


def _flag(value: Any) -> bool:
    """A template boolean, which CloudFormation may hand back as the string "true"."""
    return str(value).lower() == "true"
