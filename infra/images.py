"""Where a container's image comes from: a Dockerfile of this repository as an asset, or a
reference given at deploy time."""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk import Acknowledgment, Validations
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_ecs as ecs
from constructs import Construct

REPO_ROOT = Path(__file__).resolve().parent.parent
# A private ECR image reference: ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME[:TAG|@DIGEST].
ECR_IMAGE = re.compile(
    r"(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com"
    r"/(?P<name>[a-z0-9._/-]+?)(?::(?P<tag>[\w.-]+)|@(?P<digest>sha256:[0-9a-f]{64}))?"
)


def container_image(
    scope: Construct, image: str | None, context: Path = REPO_ROOT
) -> ecs.ContainerImage:
    """The Dockerfile in `context` as an asset; else the reference given, pulled with the
    execution role's ECR permissions when it names a private ECR repository."""
    if not image:
        return ecs.ContainerImage.from_asset(str(context), platform=ecr_assets.Platform.LINUX_AMD64)
    ecr_image = ECR_IMAGE.fullmatch(image)
    if ecr_image is None:
        return ecs.ContainerImage.from_registry(image)
    repository = ecr.Repository.from_repository_attributes(
        scope,
        "Repository",
        repository_name=ecr_image["name"],
        repository_arn=(
            f"arn:aws:ecr:{ecr_image['region']}:{ecr_image['account']}"
            f":repository/{ecr_image['name']}"
        ),
    )
    return ecs.ContainerImage.from_ecr_repository(
        repository, ecr_image["digest"] or ecr_image["tag"] or "latest"
    )


def acknowledge_ecr_authorization(task_definition: ecs.TaskDefinition, image: str | None) -> None:
    """Pulling from ECR (the asset's repository, or the private one named) needs
    ecr:GetAuthorizationToken on `*`: tell cdk-nag why its execution role has it."""
    if image and not ECR_IMAGE.fullmatch(image):
        return
    Validations.of(task_definition.obtain_execution_role()).acknowledge(
        Acknowledgment(
            id="AwsSolutions-IAM5[Resource::*]",
            reason=(
                "ecr:GetAuthorizationToken, needed to pull the task's image from ECR, "
                "has no resource-level permissions; every other action is scoped."
            ),
        )
    )
