"""The CDK context local-up deploys with, and the EIPs it allocates for the NAT gateways."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from standin.aws.cdk import Context
from standin.aws.eips import TAG, ensure_eips
from standin.errors import HarnessError


def test_context_from_a_command_line_and_back(tmp_path: Path) -> None:
    context = Context.parse("-c desiredCount=3 --context natGateways=1 -c image=x=1")
    assert context.pairs == (("desiredCount", "3"), ("natGateways", "1"), ("image", "x=1"))
    assert context.args() == ["-c", "desiredCount=3", "-c", "natGateways=1", "-c", "image=x=1"]
    context.save(tmp_path / "args")
    assert Context.load(tmp_path / "args") == context
    assert Context.parse("") == Context()


@pytest.mark.parametrize("text", ["desiredCount=3", "-c desiredCount", "-x a=b", "-c"])
def test_context_that_is_not_pairs_is_refused(text: str) -> None:
    with pytest.raises(HarnessError, match="give -c key=value pairs"):
        Context.parse(text)


class Ec2:
    def __init__(self, existing: list[str]) -> None:
        self.existing = existing
        self.allocated = 0

    def describe_addresses(self, Filters: list[dict[str, Any]]) -> dict[str, Any]:
        assert Filters == [{"Name": "tag-key", "Values": [TAG]}]
        return {"Addresses": [{"AllocationId": a} for a in self.existing]}

    def allocate_address(self, **request: Any) -> dict[str, str]:
        assert request["TagSpecifications"][0]["Tags"] == [{"Key": TAG, "Value": "nat"}]
        self.allocated += 1
        return {"AllocationId": f"eipalloc-new{self.allocated}"}


def test_eips_reuse_the_tagged_ones_and_allocate_the_rest() -> None:
    ec2 = Ec2(["eipalloc-old"])
    assert ensure_eips(ec2, 2) == ["eipalloc-old", "eipalloc-new1"]
    assert ensure_eips(Ec2(["a", "b", "c"]), 2) == ["a", "b"]
