"""Integration tests against the local full stack (`make local-up`): the API through the
front door's HTTPS URL only, each client a viewer of its own (tests/integration/viewers.py),
the control plane through LocalStack, the service through the stand-in's command line.
Every test skips, saying why, when the stack is not up."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from standin.paths import OUTPUTS, REPO

from testbed.accounts import Account, sign_up
from tests.integration.viewers import Viewers


@pytest.fixture(scope="session")
def outputs() -> dict[str, Any]:
    if not OUTPUTS.exists():
        pytest.skip(f"the local stack is not up: {OUTPUTS} is absent (make local-up)")
    result: dict[str, Any] = json.loads(OUTPUTS.read_text())
    return result


@pytest.fixture(scope="session")
def service_url(outputs: dict[str, Any]) -> str:
    """The local front door's HTTPS URL: where viewers reach the service."""
    return str(outputs["FrontDoorUrl"])


@pytest.fixture(scope="session")
def viewers(outputs: dict[str, Any], service_url: str) -> Viewers:
    return Viewers(service_url, str(outputs["FrontDoorCa"]))


@pytest.fixture(scope="session")
def template(aws: Callable[[str], Any], outputs: dict[str, Any]) -> dict[str, Any]:
    """The deployed template, as LocalStack's CloudFormation holds it."""
    body = aws("cloudformation").get_template(
        StackName=outputs["StackName"], TemplateStage="Processed"
    )["TemplateBody"]
    return body if isinstance(body, dict) else json.loads(body)


@pytest.fixture(scope="session")
def origin_verified(
    aws: Callable[[str], Any], outputs: dict[str, Any], template: dict[str, Any]
) -> dict[str, str]:
    """The header the front door adds towards the load balancer (the origin secret, read
    from LocalStack's Secrets Manager): for a test that drives the load balancer's listener
    directly, as CloudFront does."""
    # Every forwarding rule (the production rule, and blue/green's test listener rule in rds
    # mode) asks for the same header.
    [header] = {
        condition["HttpHeaderConfig"]["HttpHeaderName"]
        for r in template["Resources"].values()
        if r["Type"] == "AWS::ElasticLoadBalancingV2::ListenerRule"
        for condition in r["Properties"]["Conditions"]
        if condition["Field"] == "http-header"
    }
    secret = aws("cloudformation").describe_stack_resource(
        StackName=outputs["StackName"], LogicalResourceId="OriginSecret"
    )["StackResourceDetail"]["PhysicalResourceId"]
    value = aws("secretsmanager").get_secret_value(SecretId=secret)["SecretString"]
    return {header: value}


@pytest.fixture(scope="session")
def accounts_mode(outputs: dict[str, Any]) -> bool:
    """Whether the deployed service runs AUTH_MODE=accounts (the stack's default)."""
    return outputs["AuthMode"] == "accounts"


def new_account(viewers: Viewers) -> Account:
    with viewers.client() as client:
        return sign_up(client)


@pytest.fixture
def account(viewers: Viewers, accounts_mode: bool) -> Account:
    if not accounts_mode:
        pytest.skip("the service runs AUTH_MODE=open: there are no accounts")
    return new_account(viewers)


@pytest.fixture
def credentials(viewers: Viewers, accounts_mode: bool) -> dict[str, str]:
    """The headers an API request needs: a fresh user's token, or none in open mode."""
    return new_account(viewers).headers if accounts_mode else {}


@pytest.fixture
def api(viewers: Viewers, credentials: dict[str, str]) -> Iterator[httpx.Client]:
    """A viewer's client of the API through the front door, with its credentials."""
    with viewers.client(headers=credentials) as client:
        yield client


def stored_in_category(api: httpx.Client, category: str) -> dict[int, str]:
    """Every todo of the category, read back through the load balancer: id -> title."""
    stored: dict[int, str] = {}
    page = api.get("/api/todos", params={"category": category, "limit": 1000})
    while True:
        assert page.status_code == 200, page.text
        stored.update({todo["id"]: todo["title"] for todo in page.json()})
        if "next" not in page.links:
            return stored
        page = api.get(page.links["next"]["url"])


@pytest.fixture(scope="session")
def aws(outputs: dict[str, Any]) -> Callable[[str], Any]:
    """boto3 clients for LocalStack."""
    try:
        import boto3
    except ImportError:
        pytest.fail("boto3 is missing: pip install -e '.[local]' (make local-up does)")
    session = boto3.session.Session(
        aws_access_key_id="test", aws_secret_access_key="test", region_name=outputs["Region"]
    )
    return lambda service: session.client(service, endpoint_url=outputs["LocalStackEndpoint"])


class Standin:
    """The local ECS service, through `python -m standin` (what `make local-*` runs)."""

    def _run(self, *arguments: str) -> str:
        result = self._attempt(*arguments)
        assert result.returncode == 0, result.stderr + result.stdout
        return result.stdout

    @staticmethod
    def _attempt(*arguments: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "standin", *arguments],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )

    def status(self) -> dict[str, Any]:
        status: dict[str, Any] = json.loads(self._run("status", "--json"))
        return status

    def restart(self) -> None:
        self._run("restart", "--no-wait")

    def restart_database(self, down: float) -> None:
        """The RDS instance stopped (fast shutdown), `down` seconds down, started again."""
        self._run("restart-database", "--down", str(down))

    def deploy(self, image: str | None = None, context: str = "") -> None:
        """A new task definition revision (another image, other context) deployed as the
        service's strategy says, until steady."""
        self._run("deploy", *([image] if image else []), "--context", context)

    def deploy_rolled_back(self, context: str) -> str:
        """A deployment that must roll back: `standin deploy` fails saying so; its output."""
        result = self._attempt("deploy", "--context", context)
        assert result.returncode != 0, result.stdout
        assert "deployment rolled back" in result.stderr, result.stderr + result.stdout
        return result.stderr + result.stdout

    def scale(self, count: int) -> None:
        self._run("scale", str(count))

    def run_load(self, *arguments: str) -> str:
        """`run-load`: the load generators' task run once; what it printed (it must pass)."""
        return self._run("run-load", *arguments)

    def live_tasks(self, status: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        status = status or self.status()
        return [t for t in status["tasks"] if t["desired_status"] == "RUNNING"]

    def wait_until(
        self, predicate: Callable[[dict[str, Any]], bool], within: float, what: str
    ) -> dict[str, Any]:
        deadline = time.monotonic() + within
        while True:
            status = self.status()
            if predicate(status):
                return status
            if time.monotonic() > deadline:
                pytest.fail(f"not {what} within {within:.0f} s: {json.dumps(status, indent=1)}")
            time.sleep(0.2)


@pytest.fixture(scope="session")
def standin(outputs: dict[str, Any]) -> Standin:
    return Standin()


@pytest.fixture
def steady_service(standin: Standin) -> dict[str, Any]:
    """The service's status once it is steady (a previous test may still be replacing)."""
    return standin.wait_until(lambda s: s["steady"], 300, "steady")
