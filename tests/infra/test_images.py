"""Where a container's image comes from (a small stack per case, no full synth)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_ecs as ecs

from infra.images import ECR_IMAGE, container_image

ECR_REFERENCE = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/todo-async:1.4.0"
DIGEST = "sha256:" + "ab" * 32


def task_with(image: str) -> dict[str, Any]:
    """The synthesized task definition and execution-role policy for `image`."""
    app = App()
    stack = Stack(app, "Images")
    task = ecs.FargateTaskDefinition(stack, "Task")
    task.add_container("app", image=container_image(stack, image))
    template = app.synth().get_stack_by_name("Images").template
    resources = template["Resources"].values()
    [task_definition] = [r for r in resources if r["Type"] == "AWS::ECS::TaskDefinition"]
    return {
        "image": task_definition["Properties"]["ContainerDefinitions"][0]["Image"],
        "policies": json.dumps([r for r in resources if r["Type"] == "AWS::IAM::Policy"]),
    }


@pytest.mark.parametrize(
    ("reference", "parts"),
    [
        (ECR_REFERENCE, ("123456789012", "eu-west-1", "team/todo-async", "1.4.0", None)),
        (
            f"123456789012.dkr.ecr.us-east-1.amazonaws.com/todo@{DIGEST}",
            ("123456789012", "us-east-1", "todo", None, DIGEST),
        ),
        (
            "123456789012.dkr.ecr.us-east-1.amazonaws.com/todo",
            ("123456789012", "us-east-1", "todo", None, None),
        ),
    ],
)
def test_private_ecr_references_are_recognised(reference: str, parts: tuple[Any, ...]) -> None:
    match = ECR_IMAGE.fullmatch(reference)
    assert match is not None
    assert match.group("account", "region", "name", "tag", "digest") == parts


@pytest.mark.parametrize(
    "reference",
    ["todo-async:local", "public.ecr.aws/docker/library/postgres:17.9", "ghcr.io/o/todo:1"],
)
def test_other_references_are_plain_registry_images(reference: str) -> None:
    assert ECR_IMAGE.fullmatch(reference) is None
    task = task_with(reference)
    assert task["image"] == reference
    assert "ecr:" not in task["policies"]


def test_a_private_ecr_image_is_pulled_with_the_execution_role() -> None:
    task = task_with(ECR_REFERENCE)
    assert task["image"] == {
        "Fn::Join": [
            "",
            [
                "123456789012.dkr.ecr.eu-west-1.",
                {"Ref": "AWS::URLSuffix"},
                "/team/todo-async:1.4.0",
            ],
        ]
    }
    policies = task["policies"]
    assert "ecr:BatchGetImage" in policies
    assert "arn:aws:ecr:eu-west-1:123456789012:repository/team/todo-async" in policies
