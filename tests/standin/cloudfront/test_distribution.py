"""The distribution as the stand-in reads it from a template shaped like infra/distribution.py's."""

from __future__ import annotations

from typing import Any

import pytest
from standin.aws.stack import Stack
from standin.cloudfront.distribution import Hsts, parse_distribution
from standin.errors import HarnessError


def template(policy: str = "redirect-to-https") -> dict[str, Any]:
    origin = {
        "Id": "Origin1",
        "DomainName": {"Fn::GetAtt": ["LoadBalancer", "DNSName"]},
        "CustomOriginConfig": {"OriginProtocolPolicy": "http-only", "OriginReadTimeout": 60},
        "OriginCustomHeaders": [
            {"HeaderName": "X-Origin-Verify", "HeaderValue": {"Fn::Join": ["", ["s3", "cret"]]}}
        ],
    }
    return {
        "Resources": {
            "LoadBalancer": {"Type": "AWS::ElasticLoadBalancingV2::LoadBalancer"},
            "WebAcl": {"Type": "AWS::WAFv2::WebACL"},
            "Headers": {
                "Type": "AWS::CloudFront::ResponseHeadersPolicy",
                "Properties": {
                    "ResponseHeadersPolicyConfig": {
                        "SecurityHeadersConfig": {
                            "StrictTransportSecurity": {
                                "AccessControlMaxAgeSec": 31536000,
                                "IncludeSubdomains": True,
                                "Override": "true",  # as CloudFormation may hand it back
                            }
                        }
                    }
                },
            },
            "Distribution": {
                "Type": "AWS::CloudFront::Distribution",
                "Properties": {
                    "DistributionConfig": {
                        "DefaultCacheBehavior": {
                            "TargetOriginId": "Origin1",
                            "ViewerProtocolPolicy": policy,
                            "ResponseHeadersPolicyId": {"Ref": "Headers"},
                        },
                        "Origins": [origin],
                        "WebACLId": {"Fn::GetAtt": ["WebAcl", "Arn"]},
                    }
                },
            },
        }
    }


def stack(document: dict[str, Any]) -> Stack:
    return Stack("S", "id", "CREATE_COMPLETE", document, {}, {}, {}, "us-east-1", "0")


def test_what_viewers_and_the_origin_get() -> None:
    spec = parse_distribution(stack(template()))
    assert spec is not None
    assert spec.viewer_protocol_policy == "redirect-to-https"
    assert spec.origin_headers == (("X-Origin-Verify", "s3cret"),)
    assert "s3cret" not in repr(spec)
    assert (spec.origin_read_timeout, spec.origin_load_balancer) == (60, "LoadBalancer")
    assert spec.hsts == Hsts(31536000, include_subdomains=True, preload=False, override=True)
    assert spec.hsts.value == "max-age=31536000; includeSubDomains"
    assert spec.web_acl == "WebAcl"


def test_no_distribution_no_front_door() -> None:
    document = template()
    del document["Resources"]["Distribution"]
    assert parse_distribution(stack(document)) is None


def test_a_viewer_policy_it_does_not_emulate() -> None:
    with pytest.raises(HarnessError, match="allow-all"):
        parse_distribution(stack(template("allow-all")))
