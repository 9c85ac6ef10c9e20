"""The network: one VPC over two availability zones, public and private subnets, NAT."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy
from aws_cdk import aws_ec2 as ec2
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.exports import AVAILABILITY_ZONES

VPC_CIDR = "10.0.0.0/16"


class Network(Construct):
    """VPC 10.0.0.0/16: two public and two private /24 subnets, an internet gateway, and a NAT
    gateway per public subnet (or one, to save cost) giving the private subnets egress.

    `eip_allocation_ids` hands in pre-allocated Elastic IPs for the NAT gateways instead of
    letting CloudFormation allocate them (LocalStack cannot create `AWS::EC2::EIP`).
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        nat_gateways: int,
        eip_allocation_ids: Sequence[str] = (),
        log_retention: logs.RetentionDays,
        restrict_default_security_group: bool,
    ) -> None:
        super().__init__(scope, construct_id)

        self.vpc = ec2.Vpc(
            self,
            "Vpc",
            ip_addresses=ec2.IpAddresses.cidr(VPC_CIDR),
            max_azs=AVAILABILITY_ZONES,
            nat_gateways=nat_gateways,
            nat_gateway_provider=ec2.NatProvider.gateway(
                eip_allocation_ids=list(eip_allocation_ids) or None
            ),
            subnet_configuration=[
                ec2.SubnetConfiguration(
                    name="Public", subnet_type=ec2.SubnetType.PUBLIC, cidr_mask=24
                ),
                ec2.SubnetConfiguration(
                    name="Private", subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS, cidr_mask=24
                ),
            ],
            # Nothing uses the default security group: strip its rules (a Lambda-backed
            # custom resource, which the local deploy turns off: LocalStack runs no Lambda here).
            restrict_default_security_group=restrict_default_security_group,
        )
        # Accepted and rejected flows, kept as long as the application's logs.
        self.flow_log_group = logs.LogGroup(
            self, "FlowLogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
        )
        self.vpc.add_flow_log(
            "FlowLog",
            destination=ec2.FlowLogDestination.to_cloud_watch_logs(self.flow_log_group),
            traffic_type=ec2.FlowLogTrafficType.ALL,
        )

    @property
    def private_subnets(self) -> ec2.SubnetSelection:
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PRIVATE_WITH_EGRESS)

    @property
    def public_subnets(self) -> ec2.SubnetSelection:
        return ec2.SubnetSelection(subnet_type=ec2.SubnetType.PUBLIC)
