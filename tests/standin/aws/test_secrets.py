"""Secrets resolved as ECS (a container's valueFrom) and CloudFormation (a template's
`{{resolve:...}}`) read them, against recording Secrets Manager and SSM clients."""

from __future__ import annotations

import json
from typing import Any

import pytest
from standin.aws.secrets import read_ecs_secret, resolve_dynamic_reference
from standin.errors import HarnessError

ARN = "arn:aws:secretsmanager:us-east-1:000000000000:secret:Db-AbCdEf"
DOCUMENT = {"username": "todo", "password": "s3cret"}


class SecretsManager:
    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []

    def get_secret_value(self, **request: str) -> dict[str, Any]:
        self.requests.append(request)
        return {"SecretString": json.dumps(DOCUMENT)}


class Ssm:
    def __init__(self) -> None:
        self.names: list[str] = []

    def get_parameter(self, Name: str, WithDecryption: bool) -> dict[str, Any]:
        assert WithDecryption
        self.names.append(Name)
        return {"Parameter": {"Value": f"value of {Name}"}}


@pytest.fixture
def clients() -> dict[str, Any]:
    return {"secretsmanager": SecretsManager(), "ssm": Ssm()}


def test_ecs_secret_whole_and_by_json_key(clients: dict[str, Any]) -> None:
    client = clients.__getitem__
    assert json.loads(read_ecs_secret(ARN, client=client)) == DOCUMENT
    assert read_ecs_secret(f"{ARN}:password::", client=client) == "s3cret"
    assert read_ecs_secret(f"{ARN}:username:AWSPREVIOUS:", client=client) == "todo"
    assert read_ecs_secret(f"{ARN}:username::v-1", client=client) == "todo"
    assert clients["secretsmanager"].requests == [
        {"SecretId": ARN},
        {"SecretId": ARN},
        {"SecretId": ARN, "VersionStage": "AWSPREVIOUS"},
        {"SecretId": ARN, "VersionId": "v-1"},
    ]


def test_ecs_secret_from_ssm_by_arn_or_name(clients: dict[str, Any]) -> None:
    client = clients.__getitem__
    arn = "arn:aws:ssm:us-east-1:000000000000:parameter/todo/level"
    assert read_ecs_secret(arn, client=client) == "value of /todo/level"
    assert read_ecs_secret("plain-name", client=client) == "value of plain-name"


def test_ecs_secret_of_another_service_is_refused(clients: dict[str, Any]) -> None:
    with pytest.raises(HarnessError, match="neither Secrets Manager nor SSM"):
        read_ecs_secret("arn:aws:s3:::bucket/key", client=clients.__getitem__)


def test_missing_json_key_says_so(clients: dict[str, Any]) -> None:
    with pytest.raises(HarnessError, match="has no key host"):
        read_ecs_secret(f"{ARN}:host::", client=clients.__getitem__)


def test_dynamic_references(clients: dict[str, Any]) -> None:
    client = clients.__getitem__
    reference = f"secretsmanager:{ARN}:SecretString:password::"
    assert resolve_dynamic_reference(reference, client=client) == "s3cret"
    assert resolve_dynamic_reference(f"secretsmanager:{ARN}", client=client) == json.dumps(DOCUMENT)
    assert resolve_dynamic_reference("ssm:/todo/level:3", client=client) == (
        "value of /todo/level:3"
    )
    assert resolve_dynamic_reference("ssm-secure:/todo/key", client=client) == (
        "value of /todo/key"
    )
    with pytest.raises(HarnessError, match="is not supported"):
        resolve_dynamic_reference("kms:whatever", client=client)
