"""CloudFront in front of the load balancer: HTTPS for every viewer at the distribution's own
name (its default certificate, no domain needed), plain HTTP redirected, nothing cached.

The hop from CloudFront to the load balancer is plain HTTP: CloudFront would check an HTTPS
origin's certificate against the load balancer's name, and no certificate can be issued for
an `*.elb.amazonaws.com` name. That hop is admitted only from CloudFront's addresses and
only with the secret origin header (infra/traffic.py, infra/origin_verification.py).
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, Validations
from aws_cdk import aws_cloudfront as cloudfront
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from constructs import Construct

from infra.origin_verification import OriginVerification

HSTS_MAX_AGE = Duration.days(365)


class Distribution(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        load_balancer: elbv2.IApplicationLoadBalancer,
        origin: OriginVerification,
        web_acl_arn: str,
    ) -> None:
        super().__init__(scope, construct_id)
        # HSTS on every answer, the app's own or CloudFront's (its redirects and errors).
        self.response_headers = cloudfront.ResponseHeadersPolicy(
            self,
            "ResponseHeaders",
            comment="todo-async: HSTS with includeSubDomains",
            security_headers_behavior=cloudfront.ResponseSecurityHeadersBehavior(
                strict_transport_security=cloudfront.ResponseHeadersStrictTransportSecurity(
                    access_control_max_age=HSTS_MAX_AGE, include_subdomains=True, override=True
                )
            ),
        )
        self.distribution = cloudfront.Distribution(
            self,
            "Distribution",
            comment="todo-async",
            default_behavior=cloudfront.BehaviorOptions(
                origin=origins.LoadBalancerV2Origin(
                    load_balancer,
                    protocol_policy=cloudfront.OriginProtocolPolicy.HTTP_ONLY,
                    custom_headers={origin.header: origin.value},
                    read_timeout=Duration.seconds(60),
                ),
                viewer_protocol_policy=cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
                allowed_methods=cloudfront.AllowedMethods.ALLOW_ALL,
                # An API and a signed-in page: every answer is someone's own, nothing cached.
                cache_policy=cloudfront.CachePolicy.CACHING_DISABLED,
                # Every viewer header (Host, so the app's links name the distribution;
                # Authorization and cookies; with caching off CloudFront forwards them), the
                # query string, and CloudFront's own headers, CloudFront-Forwarded-Proto
                # among them: the app's only way to learn the viewer used HTTPS.
                origin_request_policy=cloudfront.OriginRequestPolicy.ALL_VIEWER_AND_CLOUDFRONT_2022,
                response_headers_policy=self.response_headers,
            ),
            http_version=cloudfront.HttpVersion.HTTP2_AND_3,
            price_class=cloudfront.PriceClass.PRICE_CLASS_100,
            web_acl_id=web_acl_arn,
        )
        self.url = f"https://{self.distribution.distribution_domain_name}"
        for rule, reason in (
            (
                "AwsSolutions-CFR1",
                "A public service for anyone anywhere: no country is refused.",
            ),
            (
                "AwsSolutions-CFR3",
                "Requests are recorded by the load balancer's access logs and the WAF's sampled "
                "requests and metrics; CloudFront standard logs need an ACL-enabled bucket.",
            ),
            (
                "AwsSolutions-CFR4",
                "The distribution's default *.cloudfront.net certificate does not take a minimum "
                "TLS version; give a domain (certificateArn) to choose the TLS policy.",
            ),
            (
                "AwsSolutions-CFR5",
                "The origin is reached over HTTP: no certificate can name the load balancer's "
                "own DNS name. Only CloudFront with the secret origin header is admitted.",
            ),
        ):
            Validations.of(self.distribution).acknowledge(Acknowledgment(id=rule, reason=reason))
