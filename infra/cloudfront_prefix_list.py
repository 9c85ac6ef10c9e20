"""The id of CloudFront's origin-facing managed prefix list in the stack's region.

AWS gives the list the same name everywhere but a different id in each region, so the id is
looked up at deploy time (a custom resource calling ec2:DescribeManagedPrefixLists) unless
given: a table of ids in this repository would go stale, and a synth-time lookup would need
AWS credentials and an account. `-c cloudFrontPrefixListId=pl-...` skips the lookup.
"""

from __future__ import annotations

from aws_cdk import Acknowledgment, Validations
from aws_cdk import custom_resources as cr
from constructs import Construct

PREFIX_LIST_NAME = "com.amazonaws.global.cloudfront.origin-facing"
_ID_PATH = "PrefixLists.0.PrefixListId"


def cloudfront_prefix_list_id(scope: Construct, given: str | None) -> str:
    if given:
        return given
    lookup = cr.AwsCustomResource(
        scope,
        "CloudFrontPrefixList",
        on_create=cr.AwsSdkCall(
            service="EC2",
            action="describeManagedPrefixLists",
            parameters={"Filters": [{"Name": "prefix-list-name", "Values": [PREFIX_LIST_NAME]}]},
            physical_resource_id=cr.PhysicalResourceId.of(PREFIX_LIST_NAME),
            output_paths=[_ID_PATH],
        ),
        policy=cr.AwsCustomResourcePolicy.from_sdk_calls(
            resources=cr.AwsCustomResourcePolicy.ANY_RESOURCE
        ),
        install_latest_aws_sdk=False,
    )
    Validations.of(lookup).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason=(
                "ec2:DescribeManagedPrefixLists has no resource-level permissions; the lookup's "
                "role may call nothing else."
            ),
        ),
    )
    assert isinstance(lookup.grant_principal, Construct)
    Validations.of(lookup.grant_principal).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
            "AWSLambdaBasicExecutionRole]",
            reason=(
                "CDK's custom-resource function role: the AWS managed policy lets it write its "
                "own CloudWatch logs and nothing more."
            ),
        ),
    )
    return lookup.get_response_field(_ID_PATH)
