"""In accounts mode, the live server answers as its accounts-mode /openapi.json says.

As test_openapi_contract, on the other document: every request carries a user's token,
and schemathesis' ignored_auth check sends each one that needs credentials again without
it and with a made-up one, expecting 401. Sign-up and sign-in get generated names and
passwords: a valid sign-up may find its name taken (409), a valid sign-in is refused
(401), and after enough failures from this address limited (429). Valid item ids are aimed
at a new todo or token: never at the token the test itself signs in with. What only a
signed-in session may do (make a token, change the password, sign out everywhere, delete
the account) is refused to that token (403); new tokens come from a session of the user's.
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
from todo_async.settings import Settings

# As the server builds it with its default settings.
TOKEN_MAX_DAYS = Settings().token_max_days
DOCUMENT = build_openapi(accounts=True, token_max_days=TOKEN_MAX_DAYS)
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
            # A CSV or todo.txt file is text no schema describes line by line: whether one
            # is valid is its parser's to say, with a 422 naming the line.
            "include-operation-id": "importTodos",
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "422"]}},
        },
        {
            "include-operation-id": "signUp",
            "generation": {"max-examples": PASSWORD_EXAMPLES},
            "checks": {"positive_data_acceptance": {"expected-statuses": ["201", "409", "429"]}},
        },
        *(
            {
                "include-operation-id": operation,
                # The token is refused before its body is read.
                "checks": {
                    "positive_data_acceptance": {"expected-statuses": ["403"]},
                    "negative_data_rejection": {"expected-statuses": ["401", "403"]},
                },
            }
            for operation in ("createToken", "changePassword", "signOutEverywhere", "deleteAccount")
        ),
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


# Sign-ups from the test's one address would soon meet the production limits.
SERVER_ENV = {
    "AUTH_MODE": "accounts",
    "SIGN_UP_PER_ADDRESS_PER_HOUR": "1000",
    "SIGN_UP_PER_MINUTE": "1000",
}


@pytest.fixture(scope="module")
def live(database_url: str, directory: Path) -> Iterator[LiveServer]:
    with live_server(database_url, directory, env=SERVER_ENV) as server:
        yield server


@pytest.fixture(scope="module")
def browser(live: LiveServer) -> Iterator[requests.Session]:
    """The user's signed-in session (the page's cookie)."""
    with requests.Session() as signed_in:
        assert signed_in.post(f"{live.url}/api/users", json=USER, timeout=10).status_code == 201
        assert signed_in.post(f"{live.url}/api/session", json=USER, timeout=10).status_code == 200
        yield signed_in


@pytest.fixture(scope="module")
def auth(live: LiveServer, browser: requests.Session) -> dict[str, str]:
    """The user's token, as the header that sends it."""
    created = browser.post(f"{live.url}/api/tokens", json={"name": "contract"}, timeout=10)
    assert created.status_code == 201, created.text
    return {"Authorization": f"Bearer {created.json()['token']}"}


def test_served_document_is_the_one_tested(live: LiveServer, session: requests.Session) -> None:
    # Built anew: schemathesis changes the dict it was given as it runs.
    served = session.get(f"{live.url}/openapi.json", timeout=10).json()
    assert served == build_openapi(accounts=True, token_max_days=TOKEN_MAX_DAYS)


def point_at_a_new_todo_or_token(
    case: schemathesis.Case,
    live: LiveServer,
    browser: requests.Session,
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
        created = browser.post(f"{live.url}{collection}", json=body, timeout=10)
        assert created.status_code == 201, created.text
        new_id: int = created.json()["id"]
        return new_id

    point_at_a_new_one(case, IDS[case.path], create)


@schema.parametrize()
def test_live_server_answers_as_documented(
    case: schemathesis.Case,
    live: LiveServer,
    session: requests.Session,
    browser: requests.Session,
    auth: dict[str, str],
) -> None:
    drop_headers_it_could_not_generate(case, HEADERS)
    point_at_a_new_todo_or_token(case, live, browser)
    case.call_and_validate(base_url=live.url, session=session, headers=auth, timeout=10)


def test_workflows_on_stored_todos_answer_as_documented(
    live: LiveServer, session: requests.Session, browser: requests.Session, auth: dict[str, str]
) -> None:
    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Each scenario starts from an empty list (see test_openapi_contract).
            cleared = requests.delete(f"{live.url}/api/todos", headers=auth, timeout=10)
            assert cleared.status_code == 200, cleared.text

        def before_call(self, case: schemathesis.Case) -> None:
            # Todos come from the links; a token id must never be the test's own.
            point_at_a_new_todo_or_token(case, live, browser, ("/api/tokens/{id}",))

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
