"""The live server answers as its /openapi.json says, on SQLite and PostgreSQL.

schemathesis generates requests from the document: valid ones (positive) must be accepted,
invalid ones (negative) rejected with a documented 4xx, and every answer's status, content
type, headers and body must be the documented ones. Undocumented methods must get 405.
A stateful run follows the document's links from a created todo to its item operations.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import requests
import schemathesis

from testbed.live_server import LiveServer
from tests.contract.cases import (
    drop_headers_it_could_not_generate,
    header_validators,
    id_validator,
    point_at_a_new_one,
)
from todo_async.openapi import build_openapi

# Examples per operation and phase: the whole module takes 2-3 minutes on two cores.
MAX_EXAMPLES = 150
# Sequences of up to 10 linked calls.
WORKFLOWS = 40

CONFIG: dict[str, Any] = {
    "generation": {"mode": "all", "max-examples": MAX_EXAMPLES},
    "checks": {
        # Stricter than schemathesis' defaults (no 3xx, 401, 403, 409, 429 or 5xx): a valid
        # request may only succeed, name a todo that is not there, or carry an If-Match
        # that no longer matches; the last two depend on what is stored, not on the request.
        "positive_data_acceptance": {"expected-statuses": ["2xx", "404", "412"]},
        # Exactly the rejections the document lists.
        "negative_data_rejection": {"expected-statuses": ["400", "404", "413", "415", "422"]},
    },
    "operations": [
        {
            # A CSV or todo.txt file is text no schema describes line by line: whether one
            # is valid is its parser's to say, with a 422 naming the line.
            "include-operation-id": "importTodos",
            "checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "422"]}},
        }
    ],
}


# The document the app serves, built in-process so pytest can collect one test per operation
# before any server runs; test_served_document_is_the_one_tested checks they are the same.
schema = schemathesis.openapi.from_dict(
    build_openapi(), config=schemathesis.Config.from_dict(CONFIG)
)


def test_served_document_is_the_one_tested(live: LiveServer, session: requests.Session) -> None:
    assert session.get(f"{live.url}/openapi.json", timeout=10).json() == build_openapi()


HEADERS = header_validators(build_openapi())
TODO_ID = id_validator(build_openapi(), "/api/todos/{id}")


def point_at_a_stored_todo(
    case: schemathesis.Case, live: LiveServer, session: requests.Session
) -> None:
    def create() -> int:
        created = session.post(f"{live.url}/api/todos", json={"title": "target"}, timeout=10)
        assert created.status_code == 201, created.text
        todo_id: int = created.json()["id"]
        return todo_id

    point_at_a_new_one(case, TODO_ID, create)


@schema.parametrize()
def test_live_server_answers_as_documented(
    case: schemathesis.Case, live: LiveServer, session: requests.Session
) -> None:
    drop_headers_it_could_not_generate(case, HEADERS)
    point_at_a_stored_todo(case, live, session)
    case.call_and_validate(base_url=live.url, session=session, timeout=10)


def test_workflows_on_stored_todos_answer_as_documented(
    live: LiveServer, session: requests.Session
) -> None:
    """Follow the document's links: create a todo, then read, patch and delete that todo
    with the ETag it came with, so the item operations meet todos that exist."""

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        def setup(self) -> None:
            # Each scenario starts from an empty list: what its links draw from must depend
            # on its own steps only, or hypothesis meets a different server state when it
            # replays a scenario and stops with FlakyStrategyDefinition.
            cleared = requests.delete(f"{live.url}/api/todos", timeout=10)
            assert cleared.status_code == 200, cleared.text

        def get_call_kwargs(self, case: schemathesis.Case) -> dict[str, Any]:
            return {"base_url": live.url, "session": session, "timeout": 10}

    Workflow.run(
        settings=hypothesis.settings(
            max_examples=WORKFLOWS,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=list(hypothesis.HealthCheck),
        )
    )
