"""A deployed CloudFormation stack as LocalStack holds it: its processed template, the
physical ids of its resources, parameters and outputs, and the intrinsic functions needed to
turn template values back into the values CloudFormation gave them.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

from ..errors import HarnessError
from . import client, region
from .secrets import resolve_dynamic_reference

# Fn::GetAtt values that a resolver outside this module supplies (the stand-in maps a
# placeholder resource's attributes, e.g. a database endpoint, to what runs locally).
AttributeResolver = Callable[[str, str, str], Any]


def stack_status(name: str) -> str:
    """The stack's CloudFormation status, NONE when there is no such stack."""
    cfn = client("cloudformation")
    try:
        return str(cfn.describe_stacks(StackName=name)["Stacks"][0]["StackStatus"])
    except cfn.exceptions.ClientError:
        return "NONE"


@dataclasses.dataclass
class Stack:
    name: str
    id: str
    status: str
    template: dict[str, Any]
    physical_ids: dict[str, str]
    parameters: dict[str, str]
    outputs: dict[str, str]
    region: str
    account: str
    attribute_resolvers: dict[str, AttributeResolver] = dataclasses.field(default_factory=dict)

    @classmethod
    def load(cls, name: str) -> Stack:
        cfn = client("cloudformation")
        try:
            described = cfn.describe_stacks(StackName=name)["Stacks"][0]
        except cfn.exceptions.ClientError as error:
            raise HarnessError(f"stack {name} is not deployed in LocalStack: {error}") from None
        body = cfn.get_template(StackName=name, TemplateStage="Processed")["TemplateBody"]
        template = body if isinstance(body, dict) else json.loads(body)
        physical_ids: dict[str, str] = {}
        for page in cfn.get_paginator("list_stack_resources").paginate(StackName=name):
            for summary in page["StackResourceSummaries"]:
                physical_ids[summary["LogicalResourceId"]] = summary.get("PhysicalResourceId", "")
        account = client("sts").get_caller_identity()["Account"]
        return cls(
            name=name,
            id=described["StackId"],
            status=described["StackStatus"],
            template=template,
            physical_ids=physical_ids,
            parameters={
                p["ParameterKey"]: p["ParameterValue"] for p in described.get("Parameters", [])
            },
            outputs={o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])},
            region=region(),
            account=account,
        )

    def with_attribute_resolver(self, resource_type: str, resolver: AttributeResolver) -> Stack:
        """This stack, with `Fn::GetAtt` on resources of that type answered by `resolver`."""
        resolvers = {**self.attribute_resolvers, resource_type: resolver}
        return dataclasses.replace(self, attribute_resolvers=resolvers)

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        return dict(self.template.get("Resources", {}))

    def of_type(self, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
        for logical_id, resource in self.resources.items():
            if resource.get("Type") == resource_type:
                yield logical_id, resource.get("Properties", {})

    def properties(self, logical_id: str) -> dict[str, Any]:
        return dict(self.resources[logical_id].get("Properties", {}))

    def type_of(self, logical_id: str) -> str:
        return str(self.resources[logical_id]["Type"])

    @staticmethod
    def ref_target(value: Any) -> str | None:
        """The logical id a `{"Ref": ...}` or `{"Fn::GetAtt": ...}` points at, if any."""
        if isinstance(value, dict) and len(value) == 1:
            if "Ref" in value:
                return str(value["Ref"])
            if "Fn::GetAtt" in value:
                target = value["Fn::GetAtt"]
                return str(target[0] if isinstance(target, list) else target.split(".", 1)[0])
        return None

    def resolve(self, value: Any) -> Any:
        """Evaluate intrinsic functions and dynamic references in a template value."""
        if isinstance(value, list):
            return [self.resolve(item) for item in value]
        if isinstance(value, dict):
            if len(value) == 1:
                ((key, argument),) = value.items()
                handler = _INTRINSICS.get(key)
                if handler is not None:
                    value = handler(self, argument)
                    return self.resolve(value) if isinstance(value, str) else value
            return {key: self.resolve(item) for key, item in value.items()}
        if isinstance(value, str) and "{{resolve:" in value:
            return _DYNAMIC_REFERENCE.sub(lambda match: resolve_dynamic_reference(match[1]), value)
        return value

    def _ref(self, name: str) -> Any:
        pseudo = {
            "AWS::Region": self.region,
            "AWS::AccountId": self.account,
            "AWS::Partition": "aws",
            "AWS::StackName": self.name,
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackId": (
                f"arn:aws:cloudformation:{self.region}:{self.account}:stack/{self.name}"
            ),
        }
        if name in pseudo:
            return pseudo[name]
        if name in self.parameters:
            return self.parameters[name]
        if name in self.physical_ids:
            return self.physical_ids[name]
        raise HarnessError(f"Ref {name}: no such parameter or resource in stack {self.name}")

    def _get_att(self, argument: Any) -> Any:
        if isinstance(argument, str):
            logical_id, attribute = argument.split(".", 1)
        else:
            logical_id, attribute = argument[0], self.resolve(argument[1])
        resource_type = self.type_of(logical_id)
        resolver = self.attribute_resolvers.get(resource_type)
        if resolver is not None:
            return resolver(logical_id, attribute, self.physical_ids.get(logical_id, ""))
        physical_id = self.physical_ids.get(logical_id, "")
        if resource_type == "AWS::SecretsManager::Secret" and attribute in ("Arn", "Id"):
            return physical_id
        if resource_type == "AWS::Logs::LogGroup" and attribute == "Arn":
            return f"arn:aws:logs:{self.region}:{self.account}:log-group:{physical_id}:*"
        if resource_type == "AWS::IAM::Role" and attribute == "Arn":
            return client("iam").get_role(RoleName=physical_id)["Role"]["Arn"]
        raise HarnessError(
            f"Fn::GetAtt {logical_id}.{attribute} ({resource_type}) cannot be resolved locally"
        )

    def _join(self, argument: Any) -> str:
        delimiter, items = argument
        return str(delimiter).join(str(item) for item in self.resolve(items))

    def _sub(self, argument: Any) -> str:
        text, variables = (argument, {}) if isinstance(argument, str) else argument
        values = {key: self.resolve(item) for key, item in variables.items()}

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("!"):
                return "${" + name[1:] + "}"
            if name in values:
                return str(values[name])
            if "." in name:
                return str(self._get_att(name))
            return str(self._ref(name))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def _select(self, argument: Any) -> Any:
        index, items = argument
        return self.resolve(items)[int(self.resolve(index))]

    def _split(self, argument: Any) -> list[str]:
        delimiter, text = argument
        return str(self.resolve(text)).split(delimiter)

    def _import_value(self, argument: Any) -> str:
        name = self.resolve(argument)
        cfn = client("cloudformation")
        for page in cfn.get_paginator("list_exports").paginate():
            for export in page["Exports"]:
                if export["Name"] == name:
                    return str(export["Value"])
        raise HarnessError(f"Fn::ImportValue {name}: no such export")

    def _if(self, argument: Any) -> Any:
        condition, when_true, when_false = argument
        return self.resolve(when_true if self.condition(condition) else when_false)

    def condition(self, name: str) -> bool:
        return bool(self._condition_value(self.template.get("Conditions", {})[name]))

    def _condition_value(self, value: Any) -> Any:
        if isinstance(value, dict) and len(value) == 1:
            ((key, argument),) = value.items()
            if key == "Fn::Equals":
                left, right = (self._condition_value(item) for item in argument)
                return left == right
            if key == "Fn::Not":
                return not self._condition_value(argument[0])
            if key == "Fn::And":
                return all(self._condition_value(item) for item in argument)
            if key == "Fn::Or":
                return any(self._condition_value(item) for item in argument)
            if key == "Condition":
                return self.condition(argument)
        return self.resolve(value)


_DYNAMIC_REFERENCE = re.compile(r"\{\{resolve:([^}]+)\}\}")


_INTRINSICS: dict[str, Callable[[Stack, Any], Any]] = {
    "Ref": lambda stack, name: stack._ref(name),
    "Fn::GetAtt": Stack._get_att,
    "Fn::Join": Stack._join,
    "Fn::Sub": Stack._sub,
    "Fn::Select": Stack._select,
    "Fn::Split": Stack._split,
    "Fn::ImportValue": Stack._import_value,
    "Fn::If": Stack._if,
}
