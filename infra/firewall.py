"""AWS WAF in front of the service: AWS managed rule groups and per-client rate limits.

The WebACL sits on the front door, where the client's own address is the source address:
scope CLOUDFRONT on the distribution, or REGIONAL on the load balancer when the load
balancer is the front door. Every rule records CloudWatch metrics and sampled requests.
"""

from __future__ import annotations

import json

from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

# Rate-based rules count each client address's requests over this window (seconds).
RATE_WINDOW_S = 300
# The sign-in and sign-up endpoints, limited far more strictly than the rest.
CREDENTIAL_PATHS = ("/api/session", "/api/users")
# AWS managed rule groups, in evaluation order after the rate limits.
MANAGED_RULE_GROUPS = (
    "AWSManagedRulesAmazonIpReputationList",
    "AWSManagedRulesKnownBadInputsRuleSet",
    "AWSManagedRulesCommonRuleSet",
)
# What a client over its rate limit gets: the service's own error format.
_RATE_LIMITED_BODY = "RateLimited"
_RATE_LIMITED = json.dumps(
    {
        "type": "about:blank",
        "title": "Too Many Requests",
        "status": 429,
        "detail": "Too many requests from this address; wait and try again.",
    }
)


def _visibility(metric_name: str) -> wafv2.CfnWebACL.VisibilityConfigProperty:
    return wafv2.CfnWebACL.VisibilityConfigProperty(
        cloud_watch_metrics_enabled=True,
        metric_name=metric_name,
        sampled_requests_enabled=True,
    )


def _equals(
    field: wafv2.CfnWebACL.FieldToMatchProperty, value: str
) -> wafv2.CfnWebACL.StatementProperty:
    return wafv2.CfnWebACL.StatementProperty(
        byte_match_statement=wafv2.CfnWebACL.ByteMatchStatementProperty(
            field_to_match=field,
            positional_constraint="EXACTLY",
            search_string=value,
            text_transformations=[
                wafv2.CfnWebACL.TextTransformationProperty(priority=0, type="NONE")
            ],
        )
    )


def _credential_posts() -> wafv2.CfnWebACL.StatementProperty:
    """POST to one of CREDENTIAL_PATHS."""
    paths = [
        _equals(wafv2.CfnWebACL.FieldToMatchProperty(uri_path={}), path)
        for path in CREDENTIAL_PATHS
    ]
    post = _equals(wafv2.CfnWebACL.FieldToMatchProperty(method={}), "POST")
    return wafv2.CfnWebACL.StatementProperty(
        and_statement=wafv2.CfnWebACL.AndStatementProperty(
            statements=[
                post,
                wafv2.CfnWebACL.StatementProperty(
                    or_statement=wafv2.CfnWebACL.OrStatementProperty(statements=paths)
                ),
            ]
        )
    )


def _rate_rule(
    name: str,
    priority: int,
    limit: int,
    scope_down: wafv2.CfnWebACL.StatementProperty | None = None,
) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        statement=wafv2.CfnWebACL.StatementProperty(
            rate_based_statement=wafv2.CfnWebACL.RateBasedStatementProperty(
                aggregate_key_type="IP",
                limit=limit,
                evaluation_window_sec=RATE_WINDOW_S,
                scope_down_statement=scope_down,
            )
        ),
        action=wafv2.CfnWebACL.RuleActionProperty(
            block=wafv2.CfnWebACL.BlockActionProperty(
                custom_response=wafv2.CfnWebACL.CustomResponseProperty(
                    response_code=429,
                    custom_response_body_key=_RATE_LIMITED_BODY,
                    response_headers=[
                        wafv2.CfnWebACL.CustomHTTPHeaderProperty(
                            name="Retry-After", value=str(RATE_WINDOW_S)
                        )
                    ],
                )
            )
        ),
        visibility_config=_visibility(name),
    )


def _managed_rule(name: str, priority: int) -> wafv2.CfnWebACL.RuleProperty:
    return wafv2.CfnWebACL.RuleProperty(
        name=name,
        priority=priority,
        statement=wafv2.CfnWebACL.StatementProperty(
            managed_rule_group_statement=wafv2.CfnWebACL.ManagedRuleGroupStatementProperty(
                vendor_name="AWS", name=name
            )
        ),
        # The group's own actions (block) apply.
        override_action=wafv2.CfnWebACL.OverrideActionProperty(none={}),
        visibility_config=_visibility(name),
    )


class Firewall(Construct):
    """A WebACL allowing by default, with the rate limits first and the managed groups after.

    `scope` is "CLOUDFRONT" (created in us-east-1, for a distribution) or "REGIONAL".
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        waf_scope: str,
        rate_limit: int,
        sign_in_rate_limit: int,
    ) -> None:
        super().__init__(scope, construct_id)
        rules = [
            _rate_rule("SignInRate", 0, sign_in_rate_limit, scope_down=_credential_posts()),
            _rate_rule("RequestRate", 1, rate_limit),
            *(_managed_rule(name, 2 + i) for i, name in enumerate(MANAGED_RULE_GROUPS)),
        ]
        self.web_acl = wafv2.CfnWebACL(
            self,
            "WebAcl",
            scope=waf_scope,
            default_action=wafv2.CfnWebACL.DefaultActionProperty(allow={}),
            rules=rules,
            custom_response_bodies={
                _RATE_LIMITED_BODY: wafv2.CfnWebACL.CustomResponseBodyProperty(
                    content_type="APPLICATION_JSON", content=_RATE_LIMITED
                )
            },
            visibility_config=_visibility("todo-async"),
        )
