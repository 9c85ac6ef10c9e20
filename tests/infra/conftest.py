"""Synthesize the CDK app in-process with cdk.json's context plus per-module overrides.

A cold synth costs seconds: each test module synthesizes once (module-scoped fixtures) and
its tests read that one template.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from infra.app import build

REPO_ROOT = Path(__file__).resolve().parents[2]
# Blue/green's listener rules: the live target group weighted 100, the alternate 0.
WEIGHTED_FORWARD = {
    "Type": "forward",
    "ForwardConfig": {
        "TargetGroups": [
            {"TargetGroupArn": {"Ref": "TargetGroup"}, "Weight": 100},
            {"TargetGroupArn": {"Ref": "AlternateTargetGroup"}, "Weight": 0},
        ]
    },
}
CDK_JSON_CONTEXT: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]


@dataclass(frozen=True)
class Synthesized:
    app: App
    stack: Stack
    template: Template
    resources: dict[str, dict[str, Any]]
    outputs: dict[str, dict[str, Any]]

    def containers(self) -> dict[str, dict[str, Any]]:
        task = self.resources["TaskDefinition"]["Properties"]
        return {c["Name"]: c for c in task["ContainerDefinitions"]}

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.resources.items() if v["Type"] == resource_type}

    def acknowledgments(self, prefix: str) -> dict[str, str]:
        """Every acknowledged rule id in the stack starting with `prefix`, with its reason."""
        found: dict[str, str] = {}
        for construct in self.stack.node.find_all():
            for entry in construct.node.metadata:
                if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                    for rule, reason in entry.data.items():
                        rule_id = rule.split("::", 1)[-1]
                        if rule_id.startswith(prefix):
                            found[rule_id] = reason
        return found

    def assert_aws_solutions_clean(self) -> None:
        """cdk-nag's AwsSolutions pack finds nothing that is not acknowledged."""
        report = AwsSolutionsChecks().validate_scope(self.app)
        assert report.success, [
            (v.rule_name, [r.construct_path for r in v.violating_resources])
            for v in report.violations
        ]


def synthesize(outdir: Path, suffix: str = "", **overrides: Any) -> Synthesized:
    """Synthesize the app as `cdk synth -c key=value ...` would; cdk-nag runs during synth
    and makes it fail on any unacknowledged finding. The stack read is the service's, or the
    one named after it with `suffix` ("Load": the load generators')."""
    app = App(context={**CDK_JSON_CONTEXT, "region": "us-east-1", **overrides}, outdir=str(outdir))
    service = build(app)
    stack = app.node.try_find_child(service.stack_name + suffix)
    assert isinstance(stack, Stack)
    assembly = app.synth()
    raw = assembly.get_stack_by_name(stack.stack_name).template
    return Synthesized(
        app=app,
        stack=stack,
        template=Template.from_json(raw),
        resources=raw["Resources"],
        outputs=raw.get("Outputs", {}),
    )


def no_plaintext_secrets(synth: Synthesized) -> None:
    """Assert the template carries no secret value: no secret string in a Secret resource, no
    password-like plain environment variable, and every container secret comes from a
    generated Secrets Manager secret: the runtime role's for the service, the owner's for
    migrations and the sidecar PostgreSQL."""
    for secret in synth.of_type("AWS::SecretsManager::Secret").values():
        assert "SecretString" not in secret["Properties"]
        assert "GenerateSecretString" in secret["Properties"]
    for container in synth.containers().values():
        for variable in container.get("Environment", []):
            assert not any(
                word in variable["Name"].upper() for word in ("PASSWORD", "SECRET", "TOKEN")
            ), variable
        # No URL with a user:password@ part.
        assert not re.search(r"://[^/@\"]+:[^/@\"]+@", json.dumps(container.get("Environment")))
        for secret in container.get("Secrets", []):
            source = (
                "DatabaseRuntimeSecret"
                if secret["Name"] == "DATABASE_PASSWORD"
                else ("DatabaseSecret")
            )
            assert secret["ValueFrom"] == {"Fn::Join": ["", [{"Ref": source}, ":password::"]]}


@pytest.fixture(scope="module")
def outdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("cdk.out")


# The two database modes with cdk.json's defaults, synthesized once for the modules that
# read what both modes add alike (alarms, dashboard, deployment strategy).
@pytest.fixture(scope="session")
def rds(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk.out"), database="rds")


@pytest.fixture(scope="session")
def sidecar(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk.out"), database="sidecar")
