"""Traffic: the public Application Load Balancer, its listeners and the service's target group."""

from __future__ import annotations

from aws_cdk import Acknowledgment, Duration, RemovalPolicy, Validations
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_elasticloadbalancingv2 as elbv2
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.cloudfront_prefix_list import cloudfront_prefix_list_id
from infra.config import FrontDoor
from infra.origin_verification import OriginVerification

APP_PORT = 5000
HEALTH_CHECK_PATH = "/health"
# Long enough for in-flight requests to finish, far shorter than the 300 s default, so a
# deployment or scale-in does not sit idle for five minutes per task.
DEREGISTRATION_DELAY = Duration.seconds(30)
# Blue/green's test listener: where the new revision answers before production moves to it.
# Behind CloudFront it is plain HTTP like the production listener (and asks the same secret
# header); with a certificate it is HTTPS under that certificate.
TEST_PORT_HTTP = 8080
TEST_PORT_HTTPS = 8443


# What the load balancer answers a request that did not come through the front door.
_REFUSED = (
    '{"type":"about:blank","title":"Forbidden","status":403,'
    '"detail":"Use the service\'s public URL."}'
)


class Traffic(Construct):
    """Internet-facing ALB in the public subnets forwarding to an IP target group on port 5000.

    Front door CloudFront: one HTTP listener on 80, open to CloudFront's origin-facing prefix
    list only, forwarding only requests that carry the origin secret header; anything else
    gets a fixed 403. Front door the load balancer (a certificate given): HTTPS on 443
    forwards, 80 redirects to it, both open to `ingress_cidr`.
    Access logs go to an encrypted, SSL-only bucket.

    With `blue_green`, a second (alternate) target group, the production traffic on a listener
    rule forwarding to both by weight (100 and 0; ECS's blue/green deployments move the
    weights), and a test listener on its own port with a rule ECS points at the new revision.
    The test port is closed to the internet: its security group rule exists only for
    `test_listener_cidr`, and behind CloudFront its rule also asks the origin secret header.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        vpc: ec2.IVpc,
        public_subnets: ec2.SubnetSelection,
        front_door: FrontDoor,
        ingress_cidr: str,
        certificate_arn: str | None,
        given_prefix_list_id: str | None,
        origin: OriginVerification | None,
        log_expiration_days: int,
        blue_green: bool,
        test_listener_cidr: str | None,
    ) -> None:
        super().__init__(scope, construct_id)

        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            encryption=s3.BucketEncryption.S3_MANAGED,  # the only kind ALB log delivery takes
            enforce_ssl=True,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            lifecycle_rules=[s3.LifecycleRule(expiration=Duration.days(log_expiration_days))],
            # Access logs are an audit record: destroying the stack leaves them.
            removal_policy=RemovalPolicy.RETAIN,
        )
        Validations.of(self.access_logs).acknowledge(
            Acknowledgment(
                id="AwsSolutions-S1",
                reason=(
                    "This bucket only receives the load balancer's access logs; logging access to "
                    "it would need yet another log bucket for no audit gain."
                ),
            ),
        )

        self.security_group = ec2.SecurityGroup(
            self,
            "SecurityGroup",
            vpc=vpc,
            description="todo-async load balancer: HTTP(S) in from the clients, out to the tasks",
            allow_all_outbound=False,
        )
        self.load_balancer = elbv2.ApplicationLoadBalancer(
            self,
            "LoadBalancer",
            vpc=vpc,
            vpc_subnets=public_subnets,
            internet_facing=True,
            security_group=self.security_group,
            drop_invalid_header_fields=True,
            idle_timeout=Duration.seconds(60),
        )
        self.load_balancer.log_access_logs(self.access_logs, prefix="alb")

        self.target_group = self._target_group("TargetGroup", vpc)
        self.alternate_target_group = (
            self._target_group("AlternateTargetGroup", vpc) if blue_green else None
        )
        self.production_rule: elbv2.ApplicationListenerRule | None = None
        self.test_listener: elbv2.ApplicationListener | None = None
        self.test_rule: elbv2.ApplicationListenerRule | None = None

        self.https_listener: elbv2.ApplicationListener | None = None
        if front_door is FrontDoor.CLOUDFRONT:
            assert origin is not None
            self._cloudfront_only(given_prefix_list_id=given_prefix_list_id, origin=origin)
        else:
            assert certificate_arn
            self._https(ingress_cidr=ingress_cidr, certificate_arn=certificate_arn)
        if blue_green:
            self._test_listener(
                origin=origin, certificate_arn=certificate_arn, cidr=test_listener_cidr
            )

    def _target_group(self, construct_id: str, vpc: ec2.IVpc) -> elbv2.ApplicationTargetGroup:
        return elbv2.ApplicationTargetGroup(
            self,
            construct_id,
            vpc=vpc,
            port=APP_PORT,
            protocol=elbv2.ApplicationProtocol.HTTP,
            target_type=elbv2.TargetType.IP,
            deregistration_delay=DEREGISTRATION_DELAY,
            health_check=elbv2.HealthCheck(
                path=HEALTH_CHECK_PATH,
                port="traffic-port",
                protocol=elbv2.Protocol.HTTP,
                healthy_http_codes="200",
                interval=Duration.seconds(10),
                timeout=Duration.seconds(5),
                # In service after 20 s of good answers, out after 30 s of bad ones.
                healthy_threshold_count=2,
                unhealthy_threshold_count=3,
            ),
        )

    def _forward(self) -> elbv2.ListenerAction:
        """To the service: its target group, or with blue/green both, the live one weighted
        100 (ECS changes the weights during a deployment)."""
        if self.alternate_target_group is None:
            return elbv2.ListenerAction.forward([self.target_group])
        return elbv2.ListenerAction.weighted_forward(
            [
                elbv2.WeightedTargetGroup(target_group=self.target_group, weight=100),
                elbv2.WeightedTargetGroup(target_group=self.alternate_target_group, weight=0),
            ]
        )

    def _test_listener(
        self, *, origin: OriginVerification | None, certificate_arn: str | None, cidr: str | None
    ) -> None:
        port = TEST_PORT_HTTPS if certificate_arn else TEST_PORT_HTTP
        self.test_listener = self.load_balancer.add_listener(
            "TestListener",
            port=port,
            protocol=elbv2.ApplicationProtocol.HTTPS
            if certificate_arn
            else elbv2.ApplicationProtocol.HTTP,
            certificates=(
                [elbv2.ListenerCertificate.from_arn(certificate_arn)] if certificate_arn else None
            ),
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS if certificate_arn else None,
            default_action=elbv2.ListenerAction.fixed_response(
                403, content_type="application/problem+json", message_body=_REFUSED
            ),
            open=False,
        )
        self.test_rule = elbv2.ApplicationListenerRule(
            self,
            "TestRule",
            listener=self.test_listener,
            priority=1,
            conditions=[
                elbv2.ListenerCondition.http_header(origin.header, [origin.value])
                if origin is not None
                else elbv2.ListenerCondition.path_patterns(["/*"])
            ],
            action=self._forward(),
        )
        if cidr is not None:
            self.security_group.add_ingress_rule(
                ec2.Peer.ipv4(cidr), ec2.Port.tcp(port), "testers on the blue/green test port"
            )

    def _cloudfront_only(
        self, *, given_prefix_list_id: str | None, origin: OriginVerification
    ) -> None:
        # One port only: a prefix list counts as its size (55 entries for CloudFront's)
        # against the security group's 60-rule quota.
        self.security_group.add_ingress_rule(
            ec2.Peer.prefix_list(cloudfront_prefix_list_id(self, given_prefix_list_id)),
            ec2.Port.tcp(80),
            "CloudFront's origin-facing addresses on 80",
        )
        self.http_listener = self.load_balancer.add_listener(
            "HttpListener",
            port=80,
            protocol=elbv2.ApplicationProtocol.HTTP,
            default_action=elbv2.ListenerAction.fixed_response(
                403, content_type="application/problem+json", message_body=_REFUSED
            ),
            open=False,
        )
        self.origin_rule = elbv2.ApplicationListenerRule(
            self,
            "FromCloudFront",
            listener=self.http_listener,
            priority=1,
            conditions=[elbv2.ListenerCondition.http_header(origin.header, [origin.value])],
            action=self._forward(),
        )
        self.production_rule = self.origin_rule

    def _https(self, *, ingress_cidr: str, certificate_arn: str) -> None:
        for port in (80, 443):
            self.security_group.add_ingress_rule(
                ec2.Peer.ipv4(ingress_cidr), ec2.Port.tcp(port), f"clients on {port}"
            )
        if ingress_cidr == "0.0.0.0/0":
            Validations.of(self.security_group).acknowledge(
                Acknowledgment(
                    id="AwsSolutions-EC23",
                    reason=(
                        "A public web service: the load balancer takes HTTP(S) from anywhere "
                        "(HTTP only to be redirected). Narrow it with -c ingressCidr=..."
                    ),
                ),
            )
        self.https_listener = self.load_balancer.add_listener(
            "HttpsListener",
            port=443,
            protocol=elbv2.ApplicationProtocol.HTTPS,
            certificates=[elbv2.ListenerCertificate.from_arn(certificate_arn)],
            ssl_policy=elbv2.SslPolicy.RECOMMENDED_TLS,
            # Blue/green moves production traffic by a rule's weights: the rule below.
            default_action=(
                self._forward()
                if self.alternate_target_group is None
                else elbv2.ListenerAction.fixed_response(
                    403, content_type="application/problem+json", message_body=_REFUSED
                )
            ),
            open=False,
        )
        if self.alternate_target_group is not None:
            self.production_rule = elbv2.ApplicationListenerRule(
                self,
                "Production",
                listener=self.https_listener,
                priority=1,
                conditions=[elbv2.ListenerCondition.path_patterns(["/*"])],
                action=self._forward(),
            )
        self.http_listener = self.load_balancer.add_listener(
            "HttpListener",
            port=80,
            protocol=elbv2.ApplicationProtocol.HTTP,
            default_action=elbv2.ListenerAction.redirect(
                protocol="HTTPS", port="443", permanent=True
            ),
            open=False,
        )
