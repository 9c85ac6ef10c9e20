"""The service stack's named exports: what the load generators' stack imports, declared in
the same template whether or not that stack is in the app."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.infra.conftest import Synthesized, synthesize


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("alone"))


def test_the_vpc_its_private_subnets_and_the_url_are_exported_by_name(
    alone: Synthesized,
) -> None:
    exports = {
        key: (output["Export"]["Name"], output["Value"])
        for key, output in alone.outputs.items()
        if "Export" in output
    }
    assert exports == {
        "VpcId": ("TodoAsync-VpcId", {"Ref": "Vpc"}),
        "PrivateSubnetIds": (
            "TodoAsync-PrivateSubnetIds",
            {
                "Fn::Join": [
                    ",",
                    [
                        {"Ref": "NetworkVpcPrivateSubnet1Subnet6DD86AE6"},
                        {"Ref": "NetworkVpcPrivateSubnet2Subnet1BDBE877"},
                    ],
                ]
            },
        ),
        "LoadBalancerUrl": (
            "TodoAsync-LoadBalancerUrl",
            # The HTTPS URL viewers use: CloudFront's, in front of the load balancer.
            {"Fn::Join": ["", ["https://", {"Fn::GetAtt": ["Distribution", "DomainName"]}]]},
        ),
    }


def test_export_names_follow_the_stack_name(tmp_path: Path) -> None:
    other = synthesize(tmp_path, stackName="Staging")
    names = {output["Export"]["Name"] for output in other.outputs.values() if "Export" in output}
    assert names == {"Staging-VpcId", "Staging-PrivateSubnetIds", "Staging-LoadBalancerUrl"}


def test_the_load_generators_leave_the_service_template_as_it_is(
    alone: Synthesized, tmp_path: Path
) -> None:
    """`make deploy-load` deploys only the load stack (`--exclusively`): what it imports
    must already be in the service stack that `make deploy` made without it."""
    beside = synthesize(tmp_path, loadGenerators="true")
    assert beside.template.to_json() == alone.template.to_json()
