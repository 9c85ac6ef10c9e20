"""Elastic IPs for the NAT gateways, allocated through the EC2 API before the deploy
(LocalStack cannot create AWS::EC2::EIP): the ones tagged for this harness are reused."""

from __future__ import annotations

from typing import Any

TAG = "todo-async:local-nat"


def ensure_eips(ec2: Any, count: int) -> list[str]:
    """`count` allocation ids: the tagged ones first, new ones for what is missing."""
    described = ec2.describe_addresses(Filters=[{"Name": "tag-key", "Values": [TAG]}])
    existing = [address["AllocationId"] for address in described["Addresses"]]
    while len(existing) < count:
        allocated = ec2.allocate_address(
            Domain="vpc",
            TagSpecifications=[
                {"ResourceType": "elastic-ip", "Tags": [{"Key": TAG, "Value": "nat"}]}
            ],
        )
        existing.append(allocated["AllocationId"])
    return existing[:count]
