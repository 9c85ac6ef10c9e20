"""Secret values as ECS and CloudFormation read them: a container's `secrets` (valueFrom, a
Secrets Manager or SSM reference) and a template's `{{resolve:...}}` dynamic references.
Each function takes the AWS client factory (`standin.aws.client` unless given)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ..errors import HarnessError
from . import client as aws_client

ClientFactory = Callable[[str], Any]


def read_secret(
    secret_id: str,
    json_key: str = "",
    stage: str = "",
    version: str = "",
    *,
    client: ClientFactory = aws_client,
) -> str:
    """A secret's value, or one key of its JSON value."""
    request = {"SecretId": secret_id}
    if version:
        request["VersionId"] = version
    elif stage:
        request["VersionStage"] = stage
    value = str(client("secretsmanager").get_secret_value(**request)["SecretString"])
    if not json_key:
        return value
    document = json.loads(value)
    if json_key not in document:
        raise HarnessError(f"secret {secret_id} has no key {json_key}")
    return str(document[json_key])


def read_parameter(name: str, *, client: ClientFactory = aws_client) -> str:
    response = client("ssm").get_parameter(Name=name, WithDecryption=True)
    return str(response["Parameter"]["Value"])


def resolve_dynamic_reference(reference: str, *, client: ClientFactory = aws_client) -> str:
    """`secretsmanager:id:SecretString:json-key:stage:version` or `ssm:name[:version]`."""
    service, _, rest = reference.partition(":")
    if service == "secretsmanager":
        secret_id, _, selector = rest.partition(":SecretString")
        json_key, stage, version = [*selector.lstrip(":").split(":"), "", "", ""][:3]
        return read_secret(secret_id, json_key, stage, version, client=client)
    if service in ("ssm", "ssm-secure"):
        name, _, version = rest.partition(":")
        return read_parameter(f"{name}:{version}" if version else name, client=client)
    raise HarnessError(f"dynamic reference {{{{resolve:{reference}}}}} is not supported")


def read_ecs_secret(value_from: str, *, client: ClientFactory = aws_client) -> str:
    """A container secret's valueFrom, resolved as the ECS agent does."""
    if ":secretsmanager:" in value_from:
        parts = value_from.split(":")
        # arn:aws:secretsmanager:region:account:secret:name[:json-key:version-stage:version-id]
        secret_id = ":".join(parts[:7])
        json_key, stage, version = [*parts[7:], "", "", ""][:3]
        return read_secret(secret_id, json_key, stage, version, client=client)
    if ":ssm:" in value_from or not value_from.startswith("arn:"):
        name = (
            value_from.split(":parameter", 1)[-1] if value_from.startswith("arn:") else value_from
        )
        return read_parameter(name, client=client)
    raise HarnessError(f"secret reference {value_from} is neither Secrets Manager nor SSM")
