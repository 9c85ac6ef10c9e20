"""The WebACL's rate-based rules as the stand-in reads them from a template shaped like
infra/firewall.py's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from standin.aws.stack import Stack
from standin.errors import HarnessError
from standin.waf.rate_rules import BlockAnswer, parse_rate_rules, render_rules

BODY = json.dumps({"title": "Too Many Requests", "status": 429})


def byte_match(field: dict[str, Any], value: str, transformation: str = "NONE") -> Any:
    return {
        "ByteMatchStatement": {
            "FieldToMatch": field,
            "PositionalConstraint": "EXACTLY",
            "SearchString": value,
            "TextTransformations": [{"Priority": 0, "Type": transformation}],
        }
    }


def rate_rule(name: str, priority: int, limit: int, scope_down: Any = None) -> Any:
    statement: dict[str, Any] = {
        "AggregateKeyType": "IP",
        "Limit": limit,
        "EvaluationWindowSec": 300,
    }
    if scope_down:
        statement["ScopeDownStatement"] = scope_down
    return {
        "Name": name,
        "Priority": priority,
        "Statement": {"RateBasedStatement": statement},
        "Action": {
            "Block": {
                "CustomResponse": {
                    "ResponseCode": 429,
                    "CustomResponseBodyKey": "RateLimited",
                    "ResponseHeaders": [{"Name": "Retry-After", "Value": "300"}],
                }
            }
        },
    }


SIGN_IN_SCOPE = {
    "AndStatement": {
        "Statements": [
            byte_match({"Method": {}}, "POST"),
            {
                "OrStatement": {
                    "Statements": [
                        byte_match({"UriPath": {}}, "/api/session"),
                        byte_match({"UriPath": {}}, "/api/users"),
                    ]
                }
            },
        ]
    }
}


def web_acl(*rules: Any) -> Stack:
    template = {
        "Resources": {
            "WebAcl": {
                "Type": "AWS::WAFv2::WebACL",
                "Properties": {
                    "DefaultAction": {"Allow": {}},
                    "Rules": list(rules),
                    "CustomResponseBodies": {
                        "RateLimited": {"ContentType": "APPLICATION_JSON", "Content": BODY}
                    },
                },
            }
        }
    }
    return Stack("S", "id", "CREATE_COMPLETE", template, {}, {}, {}, "us-east-1", "0")


MANAGED = {
    "Name": "AWSManagedRulesCommonRuleSet",
    "Priority": 4,
    "Statement": {"ManagedRuleGroupStatement": {"VendorName": "AWS", "Name": "x"}},
    "OverrideAction": {"None": {}},
}


def test_the_templates_limits_scope_and_answer_in_priority_order() -> None:
    stack = web_acl(
        MANAGED, rate_rule("RequestRate", 1, 2000), rate_rule("SignIn", 0, 20, SIGN_IN_SCOPE)
    )
    rules, skipped = parse_rate_rules(stack, "WebAcl")
    assert [(r.name, r.limit, r.window) for r in rules] == [
        ("SignIn", 20, 300),
        ("RequestRate", 2000, 300),
    ]
    assert skipped == ["AWSManagedRulesCommonRuleSet"]
    assert rules[0].answer == BlockAnswer(429, "application/json", BODY, (("Retry-After", "300"),))
    assert rules[1].scope is None
    # And(POST, Or(/api/session, /api/users)): two alternatives, each POST and one path.
    scope = rules[0].scope
    assert scope is not None
    assert [[m.acl() for _negated, m in conjunction] for conjunction in scope] == [
        ['method -m str "POST"', 'path -m str "/api/session"'],
        ['method -m str "POST"', 'path -m str "/api/users"'],
    ]


def test_rendered_rules_count_in_scope_then_answer_over_the_limit(tmp_path: Path) -> None:
    rules, _ = parse_rate_rules(web_acl(rate_rule("SignIn", 0, 20, SIGN_IN_SCOPE)), "WebAcl")
    lines = "\n".join(render_rules(rules, tmp_path))
    assert (
        "http-request track-sc0 src table waf_SignIn if waf_SignIn_0_0 waf_SignIn_0_1 || " in lines
    )
    assert 'hdr Retry-After "300" if { sc0_http_req_rate(waf_SignIn) gt 20 }' in lines
    assert "status 429" in lines


def test_a_negated_lowercase_match() -> None:
    scope = {"NotStatement": {"Statement": byte_match({"UriPath": {}}, "/health", "LOWERCASE")}}
    [rule], _ = parse_rate_rules(web_acl(rate_rule("R", 0, 100, scope)), "WebAcl")
    assert rule.scope is not None
    [[(negated, match)]] = rule.scope
    assert negated
    assert match.acl() == 'path -i -m str "/health"'


def test_a_statement_it_cannot_enforce_is_refused() -> None:
    scope = {"GeoMatchStatement": {"CountryCodes": ["FR"]}}
    with pytest.raises(HarnessError, match="not emulated"):
        parse_rate_rules(web_acl(rate_rule("R", 0, 100, scope)), "WebAcl")
