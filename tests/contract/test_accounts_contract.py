"""In accounts mode, the live server answers as its accounts-mode /openapi.json says.

As test_openapi_contract, on the other document: every request carries a user's token,
and schemathesis' ignored_auth check sends each one that needs credentials again without
it and with a made-up one, expecting 401. Sign-up and sign-in get generated names and
passwords: a valid sign-up may find its name taken (409), a valid sign-in is refused
(401), and after enough failures from this address limited (429). Valid item ids are aimed
at a new todo or token: never at the token the test itself signs in with.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis

from testbed.live_server import LiveServer, live_server
from tests.contract.cases import (
    drop_headers_it_could_not_generate,
    header_validators,
    id_validator,
    point_at_a_new_one,
)
from todo_async.openapi import build_openapi

DOCUMENT = build_openapi(accounts=True)
MAX_EXAMPLES = 100
# Each sign-up and sign-in hashes a password (argon2id, tens of ms): fewer of those.
PASSWORD_EXAMPLES = 30
WORKFLOWS = 30

CONFIG: dict[str, Any] = {
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
    "checks": {
        "positive_data_acceptance": {"expected-statuses": ["2xx", "404", "412"]},
        "negative_data_rejection": {
            "expected-statuses": ["400", "401", "404", "413", "415", "422"]
        },
    },
    "operations": [
        {
            "include-operation-id": "signUp",
            "generation": {"max-examples": PASSWORD_EXAMPLES},
            "checks": {"positive_data_acceptance": {"expected-statuses": ["201", "409"]}},
        },
        {
            "include-operation-id": "signIn",
            "generation": {"max-examples": PASSWORD_EXAMPLES},
            "checks": {
                "positive_data_acceptance": {"expected-statuses": ["200", "401", "429"]},
                "negative_data_rejection": {
                    "expected-statuses": ["400", "413", "415", "422", "429"]
                },
            },
        },
    ],
}

schema = schemathesis.openapi.from_dict(DOCUMENT, config=schemathesis.Config.from_dict(CONFIG))
HEADERS = header_validators(DOCUMENT)
IDS = {
    "/api/todos/{id}": id_validator(DOCUMENT, "/api/todos/{id}"),
    "/api/tokens/{id}": id_validator(DOCUMENT, "/api/tokens/{id}"),
}
USER = {"username": "contract", "password": "contract test password"}


@pytest.fixture(scope="module")
def tally_name(backend: str) -> str:
    return f"{backend}, accounts mode"


@pytest.fixture(scope="module")
def live(database_url: str, directory: Path) -> Iterator[LiveServer]:
    with live_server(database_url, directory, env={"AUTH_MODE": "accounts"}) as server:
        yield server


@pytest.fixture(scope="module")
def auth(live: LiveServer, session: requests.Session) -> dict[str, str]:
    """A signed-up user's token, as the header that sends it."""
    with requests.Session() as browser:
        assert browser.post(f"{live.url}/api/users", json=USER, timeout=10).status_code == 201
        assert browser.post(f"{live.url}/api/session", json=USER, timeout=10).status_code == 200
        created = browser.post(f"{live.url}/api/tokens", json={"name": "contract"}, timeout=10)
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['token']}"}


def test_served_document_is_the_one_tested(live: LiveServer, session: requests.Session) -> None:
    # Built anew: schemathesis changes the dict it was given as it runs.
    served = session.get(f"{live.url}/openapi.json", timeout=10).json()
    assert served == build_openapi(accounts=True)


def point_at_a_new_todo_or_token(
    case: schemathesis.Case,
    live: LiveServer,
    session: requests.Session,
    auth: dict[str, str],
    paths: tuple[str, ...] = tuple(IDS),
) -> None:
    if case.path not in paths:
        return
    collection, body = (
        ("/api/todos", {"title": "target"})
        if case.path == "/api/todos/{id}"
        else ("/api/tokens", {"name": "target"})
    )

    def create() -> int:
        created = session.post(f"{live.url}{collection}", json=body, headers=auth, timeout=10)
        assert created.status_code == 201, created.text
        new_id: int = created.json()["id"]
        return new_id

    point_at_a_new_one(case, IDS[case.path], create)


@schema.parametrize()
def test_live_server_answers_as_documented(
    case: schemathesis.Case, live: LiveServer, session: requests.Session, auth: dict[str, str]
) -> None:
    drop_headers_it_could_not_generate(case, HEADERS)
    point_at_a_new_todo_or_token(case, live, session, auth)
    case.call_and_validate(base_url=live.url, session=session, headers=auth, timeout=10)


def test_workflows_on_stored_todos_answer_as_documented(
    live: LiveServer, session: requests.Session, auth: dict[str, str]
) -> None:
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Each scenario starts from an empty list (see test_openapi_contract).
            cleared = requests.delete(f"{live.url}/api/todos", headers=auth, timeout=10)
            assert cleared.status_code == 200, cleared.text

        def before_call(self, case: schemathesis.Case) -> None:
            # Todos come from the links; a token id must never be the test's own.
            point_at_a_new_todo_or_token(case, live, session, auth, ("/api/tokens/{id}",))

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": live.url, "session": session, "headers": auth, "timeout": 10}

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=WORKFLOWS,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
