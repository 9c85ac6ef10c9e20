"""The one stack: network, traffic, database and service, wired together."""

from __future__ import annotations

from typing import Any

from aws_cdk import CfnElement, CfnOutput, Duration, Fn, RemovalPolicy, Stack, Tags
from aws_cdk import aws_ecs as ecs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct, IConstruct

from infra.alarms import Alarms
from infra.config import DatabaseMode, FrontDoor, Settings
from infra.dashboard import Dashboard
from infra.database import Database, RdsDatabase, SidecarDatabase
from infra.distribution import Distribution
from infra.exports import ServiceExports
from infra.firewall import Firewall
from infra.network import Network
from infra.origin_verification import OriginVerification
from infra.service import BlueGreen, Service
from infra.traffic import Traffic

# Where AWS WAF keeps WebACLs for CloudFront.
CLOUDFRONT_WAF_REGION = "us-east-1"
VIEWER_HEADERS_BEHIND_CLOUDFRONT = {
    "FORWARDED_PROTO_HEADER": "CloudFront-Forwarded-Proto",
    "FORWARDED_CLIENT_HEADER": "CloudFront-Viewer-Address",
}


class TodoAsyncStack(Stack):
    def __init__(
        self, scope: Construct, construct_id: str, *, settings: Settings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        Tags.of(self).add("project", "todo-async")
        cloudfront = settings.front_door is FrontDoor.CLOUDFRONT
        if cloudfront and self.region != CLOUDFRONT_WAF_REGION:
            raise ValueError(
                f"region {self.region}: CloudFront's WAF WebACL must be created in "
                f"{CLOUDFRONT_WAF_REGION}, so the CloudFront front door deploys there; elsewhere "
                "give certificateArn (HTTPS on the load balancer, its WAF in the same region)"
            )

        network = Network(
            self,
            "Network",
            nat_gateways=settings.nat_gateways,
            eip_allocation_ids=settings.nat_eip_allocation_ids,
            log_retention=settings.log_retention,
            restrict_default_security_group=settings.restrict_default_security_group,
        )
        origin = OriginVerification(self, "OriginVerification") if cloudfront else None
        traffic = Traffic(
            self,
            "Traffic",
            vpc=network.vpc,
            public_subnets=network.public_subnets,
            front_door=settings.front_door,
            ingress_cidr=settings.ingress_cidr,
            certificate_arn=settings.certificate_arn,
            given_prefix_list_id=settings.cloudfront_prefix_list_id,
            origin=origin,
            log_expiration_days=settings.log_retention_days,
            blue_green=settings.blue_green,
            test_listener_cidr=settings.test_listener_cidr,
        )
        firewall = Firewall(
            self,
            "Firewall",
            waf_scope="CLOUDFRONT" if cloudfront else "REGIONAL",
            rate_limit=settings.waf_rate_limit,
            sign_in_rate_limit=settings.waf_sign_in_rate_limit,
        )
        distribution: Distribution | None = None
        if cloudfront:
            assert origin is not None
            distribution = Distribution(
                self,
                "FrontDoor",
                load_balancer=traffic.load_balancer,
                origin=origin,
                web_acl_arn=firewall.web_acl.attr_arn,
            )
            url = distribution.url
        else:
            wafv2.CfnWebACLAssociation(
                self,
                "WebAclAssociation",
                resource_arn=traffic.load_balancer.load_balancer_arn,
                web_acl_arn=firewall.web_acl.attr_arn,
            )
            url = f"https://{traffic.load_balancer.load_balancer_dns_name}"
        database: Database
        if settings.database is DatabaseMode.RDS:
            database = RdsDatabase(
                self,
                "Database",
                vpc=network.vpc,
                retain_data=settings.retain_data,
                instance_type=settings.db_instance_type,
                multi_az=settings.db_multi_az,
                ssl_mode=settings.database_ssl_mode,
            )
        else:
            database = SidecarDatabase(
                self, "Database", vpc=network.vpc, retain_data=settings.retain_data
            )
        blue_green: BlueGreen | None = None
        if traffic.alternate_target_group is not None:
            assert traffic.production_rule is not None
            assert traffic.test_rule is not None
            blue_green = BlueGreen(
                alternate_target_group=traffic.alternate_target_group,
                production_rule=traffic.production_rule,
                test_rule=traffic.test_rule,
                bake_time=Duration.minutes(settings.bake_minutes),
            )
        service = Service(
            self,
            "Service",
            vpc=network.vpc,
            subnets=network.private_subnets,
            database=database,
            target_group=traffic.target_group,
            load_balancer=traffic.load_balancer,
            blue_green=blue_green,
            image=settings.image,
            cpu=settings.cpu,
            memory=settings.memory,
            desired_count=settings.desired_count,
            max_capacity=settings.max_capacity,
            log_retention=settings.log_retention,
            removal_policy=RemovalPolicy.RETAIN if settings.retain_data else RemovalPolicy.DESTROY,
            auth_mode=settings.auth_mode,
            cors_allow_origins=settings.cors_allow_origins,
            log_level=settings.log_level,
            # Behind CloudFront the load balancer's X-Forwarded-Proto names its own hop
            # (plain HTTP) and X-Forwarded-For ends with CloudFront's edge; CloudFront's own
            # headers name the viewer's scheme and address.
            viewer_headers=VIEWER_HEADERS_BEHIND_CLOUDFRONT if cloudfront else {},
            context_environment=settings.service_environment,
        )

        target_groups = [traffic.target_group]
        if traffic.alternate_target_group is not None:
            target_groups.append(traffic.alternate_target_group)
        alarms = Alarms(
            self,
            "Alarms",
            settings=settings.alarms,
            load_balancer=traffic.load_balancer,
            target_groups=target_groups,
            service=service.service,
            log_group=service.log_group,
            database=database,
            metric_namespace=f"todo-async/{settings.stack_name}",
        )
        # A deployment (blue/green or rolling) whose errors or latency alarm rolls back;
        # the circuit breaker still rolls back one whose tasks never get healthy.
        service.service.enable_deployment_alarms(
            alarms.deployment_alarm_names,
            behavior=ecs.AlarmBehavior.ROLLBACK_ON_ALARM,
        )
        dashboard = Dashboard(
            self,
            "Dashboard",
            load_balancer=traffic.load_balancer,
            service=service.service,
            database=database,
            alarms=alarms,
        )

        # Plain logical ids for what the LocalStack harness and operators look up.
        named: dict[str, IConstruct | None] = {
            "Vpc": network.vpc,
            "LoadBalancer": traffic.load_balancer,
            "LoadBalancerSecurityGroup": traffic.security_group,
            "AccessLogsBucket": traffic.access_logs,
            "TargetGroup": traffic.target_group,
            "AlternateTargetGroup": traffic.alternate_target_group,
            # Behind CloudFront the production rule is the origin rule (below).
            "ProductionListenerRule": None if cloudfront else traffic.production_rule,
            "TestListener": traffic.test_listener,
            "TestListenerRule": traffic.test_rule,
            "HttpListener": traffic.http_listener,
            "HttpsListener": traffic.https_listener,
            "WebAcl": firewall.web_acl,
            "DatabaseSecret": database.secret,
            "DatabaseRuntimeSecret": database.runtime_secret,
            "Cluster": service.cluster,
            "LogGroup": service.log_group,
            "TaskDefinition": service.task_definition,
            "ServiceSecurityGroup": service.security_group,
            "Service": service.service,
            "AlarmTopic": alarms.topic,
            "Dashboard": dashboard.dashboard,
            **{f"Alarm{name}": alarm for name, alarm in alarms.alarms.items()},
        }
        if distribution is not None and origin is not None:
            named["Distribution"] = distribution.distribution
            named["OriginSecret"] = origin.secret
            named["OriginListenerRule"] = traffic.origin_rule
        if isinstance(database, SidecarDatabase):
            named["FileSystem"] = database.file_system
            named["FileSystemSecurityGroup"] = database.security_group
            named["AccessPoint"] = database.access_point
        if isinstance(database, RdsDatabase):
            named["DatabaseInstance"] = database.instance
            named["DatabaseSecurityGroup"] = database.security_group
        for logical_id, construct in named.items():
            if construct is not None:
                resource = (
                    construct if isinstance(construct, CfnElement) else construct.node.default_child
                )
                assert isinstance(resource, CfnElement), logical_id
                resource.override_logical_id(logical_id)

        # What a stack beside this one (the load generators) runs in and aims at.
        exports = ServiceExports(self.stack_name)
        private_subnets = network.vpc.select_subnets(
            subnet_type=network.private_subnets.subnet_type
        ).subnet_ids
        CfnOutput(self, "VpcId", value=network.vpc.vpc_id, export_name=exports.vpc_id)
        CfnOutput(
            self,
            "PrivateSubnetIds",
            value=Fn.join(",", private_subnets),
            export_name=exports.private_subnet_ids,
        )
        # The name is kept for the load generators' import; the value is the HTTPS URL
        # viewers use (the front door's), not the load balancer's own.
        CfnOutput(
            self,
            "LoadBalancerUrl",
            value=url,
            description="Service URL (HTTPS)",
            export_name=exports.load_balancer_url,
        )
        CfnOutput(self, "ClusterName", value=service.cluster.cluster_name)
        CfnOutput(self, "ServiceName", value=service.service.service_name)
        CfnOutput(self, "LogGroupName", value=service.log_group.log_group_name)
        CfnOutput(self, "DatabaseSecretArn", value=database.secret.secret_arn)
        CfnOutput(self, "DatabaseMode", value=settings.database.value)
        CfnOutput(self, "AlarmTopicArn", value=alarms.topic.topic_arn)
        CfnOutput(self, "DashboardName", value=dashboard.dashboard.dashboard_name)
        CfnOutput(self, "AuthMode", value=settings.auth_mode.value)
