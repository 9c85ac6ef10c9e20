"""The default front door: CloudFront with its own certificate in front of a load balancer that
admits only CloudFront (its prefix list, and the secret origin header), and the WAF on it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from infra.firewall import MANAGED_RULE_GROUPS
from tests.infra.conftest import Synthesized, synthesize

# AWS's managed CloudFront policies, by id.
CACHING_DISABLED = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
ALL_VIEWER_AND_CLOUDFRONT_HEADERS = "33f36d7e-f396-46d9-90e0-52428a34d9dc"
ORIGIN_SECRET = {
    "Fn::Join": ["", ["{{resolve:secretsmanager:", {"Ref": "OriginSecret"}, ":SecretString:::}}"]]
}


@pytest.fixture(scope="module")
def synth(outdir: Path) -> Synthesized:
    return synthesize(outdir)


def rules(synth: Synthesized) -> dict[str, dict[str, Any]]:
    return {r["Name"]: r for r in synth.resources["WebAcl"]["Properties"]["Rules"]}


def test_viewers_get_https_and_plain_http_is_redirected(synth: Synthesized) -> None:
    config = synth.resources["Distribution"]["Properties"]["DistributionConfig"]
    assert "ViewerCertificate" not in config  # CloudFront's own *.cloudfront.net certificate
    behavior = config["DefaultCacheBehavior"]
    assert behavior["ViewerProtocolPolicy"] == "redirect-to-https"
    assert synth.outputs["LoadBalancerUrl"]["Value"] == {
        "Fn::Join": ["", ["https://", {"Fn::GetAtt": ["Distribution", "DomainName"]}]]
    }


def test_nothing_is_cached_and_the_whole_request_reaches_the_app(synth: Synthesized) -> None:
    behavior = synth.resources["Distribution"]["Properties"]["DistributionConfig"][
        "DefaultCacheBehavior"
    ]
    assert behavior["AllowedMethods"] == [
        "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"
    ]  # fmt: skip
    assert behavior["CachePolicyId"] == CACHING_DISABLED
    # Every viewer header (Host, Authorization, Cookie), the query string, and CloudFront's
    # headers (CloudFront-Forwarded-Proto).
    assert behavior["OriginRequestPolicyId"] == ALL_VIEWER_AND_CLOUDFRONT_HEADERS


def test_hsts_with_include_subdomains_on_every_answer(synth: Synthesized) -> None:
    [policy] = synth.of_type("AWS::CloudFront::ResponseHeadersPolicy").values()
    hsts = policy["Properties"]["ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"][
        "StrictTransportSecurity"
    ]
    assert hsts == {
        "AccessControlMaxAgeSec": 31536000,
        "IncludeSubdomains": True,
        "Override": True,
    }


def test_cloudfront_reaches_the_load_balancer_with_the_secret_header(synth: Synthesized) -> None:
    [origin] = synth.resources["Distribution"]["Properties"]["DistributionConfig"]["Origins"]
    assert origin["DomainName"] == {"Fn::GetAtt": ["LoadBalancer", "DNSName"]}
    assert origin["CustomOriginConfig"]["OriginProtocolPolicy"] == "http-only"
    assert origin["OriginCustomHeaders"] == [
        {"HeaderName": "X-Origin-Verify", "HeaderValue": ORIGIN_SECRET}
    ]
    secret = synth.resources["OriginSecret"]["Properties"]
    assert "SecretString" not in secret
    assert secret["GenerateSecretString"]["PasswordLength"] >= 32


def test_the_load_balancer_forwards_only_with_the_secret_header(synth: Synthesized) -> None:
    listener = synth.resources["HttpListener"]["Properties"]
    [refusal] = listener["DefaultActions"]
    assert refusal["Type"] == "fixed-response"
    assert refusal["FixedResponseConfig"]["StatusCode"] == "403"
    assert refusal["FixedResponseConfig"]["ContentType"] == "application/problem+json"
    [rule] = synth.of_type("AWS::ElasticLoadBalancingV2::ListenerRule").values()
    assert rule["Properties"]["Conditions"] == [
        {
            "Field": "http-header",
            "HttpHeaderConfig": {"HttpHeaderName": "X-Origin-Verify", "Values": [ORIGIN_SECRET]},
        }
    ]
    assert rule["Properties"]["Actions"] == [
        {"Type": "forward", "TargetGroupArn": {"Ref": "TargetGroup"}}
    ]


def test_the_load_balancer_stays_internet_facing_for_cloudfront_only(synth: Synthesized) -> None:
    assert synth.resources["LoadBalancer"]["Properties"]["Scheme"] == "internet-facing"
    [lookup] = synth.of_type("Custom::AWS").values()
    call = lookup["Properties"]["Create"]
    assert "describeManagedPrefixLists" in str(call)
    assert "com.amazonaws.global.cloudfront.origin-facing" in str(call)


def test_the_web_acl_guards_the_distribution(synth: Synthesized) -> None:
    acl = synth.resources["WebAcl"]["Properties"]
    assert acl["Scope"] == "CLOUDFRONT"
    assert acl["DefaultAction"] == {"Allow": {}}
    config = synth.resources["Distribution"]["Properties"]["DistributionConfig"]
    assert config["WebACLId"] == {"Fn::GetAtt": ["WebAcl", "Arn"]}


def test_aws_managed_rule_groups_block(synth: Synthesized) -> None:
    found = rules(synth)
    assert set(MANAGED_RULE_GROUPS) == {
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    }
    for name in MANAGED_RULE_GROUPS:
        statement = found[name]["Statement"]["ManagedRuleGroupStatement"]
        assert (statement["VendorName"], statement["Name"]) == ("AWS", name)
        assert found[name]["OverrideAction"] == {"None": {}}


def test_a_rate_limit_per_client_address_for_everything(synth: Synthesized) -> None:
    rule = rules(synth)["RequestRate"]
    statement = rule["Statement"]["RateBasedStatement"]
    assert statement == {"AggregateKeyType": "IP", "Limit": 2000, "EvaluationWindowSec": 300}
    response = rule["Action"]["Block"]["CustomResponse"]
    assert response["ResponseCode"] == 429
    assert response["ResponseHeaders"] == [{"Name": "Retry-After", "Value": "300"}]


def test_a_far_stricter_one_for_sign_in_and_sign_up(synth: Synthesized) -> None:
    rule = rules(synth)["SignInRate"]
    statement = rule["Statement"]["RateBasedStatement"]
    assert (statement["AggregateKeyType"], statement["Limit"]) == ("IP", 20)
    method, paths = statement["ScopeDownStatement"]["AndStatement"]["Statements"]
    assert method["ByteMatchStatement"]["FieldToMatch"] == {"Method": {}}
    assert method["ByteMatchStatement"]["SearchString"] == "POST"
    matched = {
        (s["ByteMatchStatement"]["SearchString"], s["ByteMatchStatement"]["PositionalConstraint"])
        for s in paths["OrStatement"]["Statements"]
    }
    assert matched == {("/api/session", "EXACTLY"), ("/api/users", "EXACTLY")}
    # Checked before the general limit and the managed groups.
    assert rule["Priority"] < min(
        r["Priority"] for n, r in rules(synth).items() if n != "SignInRate"
    )


def test_metrics_and_sampled_requests_everywhere(synth: Synthesized) -> None:
    acl = synth.resources["WebAcl"]["Properties"]
    for visibility in [acl["VisibilityConfig"], *(r["VisibilityConfig"] for r in acl["Rules"])]:
        assert visibility["CloudWatchMetricsEnabled"] is True
        assert visibility["SampledRequestsEnabled"] is True


def test_rate_limits_are_context_options(tmp_path: Path) -> None:
    other = synthesize(tmp_path, wafRateLimit="5000", wafSignInRateLimit="50")
    limits = {n: r["Statement"]["RateBasedStatement"]["Limit"] for n, r in rules(other).items()
              if "RateBasedStatement" in r["Statement"]}  # fmt: skip
    assert limits == {"RequestRate": 5000, "SignInRate": 50}


def test_the_cloudfront_front_door_refuses_a_region_but_us_east_1(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="us-east-1"):
        synthesize(tmp_path, region="eu-west-1")


def test_the_local_deploy_context_needs_no_lambda(tmp_path: Path) -> None:
    """LocalStack runs no Lambda here: a prefix list id given, the default group left alone."""
    local = synthesize(
        tmp_path,
        cloudFrontPrefixListId="pl-0123456789abcdef0",
        restrictDefaultSecurityGroup="false",
    )
    local.template.resource_count_is("AWS::Lambda::Function", 0)
    group = {"Fn::GetAtt": ["LoadBalancerSecurityGroup", "GroupId"]}
    [ingress] = [
        r["Properties"]
        for r in local.of_type("AWS::EC2::SecurityGroupIngress").values()
        if r["Properties"]["GroupId"] == group
    ]
    assert ingress["SourcePrefixListId"] == "pl-0123456789abcdef0"
