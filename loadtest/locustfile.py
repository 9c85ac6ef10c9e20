"""Locust user models for the todo API, with the profiles, thresholds and reports wired in.

Two models share one behaviour, a person keeping a todo list: open the list (most often),
add tasks, tick some off, rename one, delete one, clear the done ones, page through the
list, look at the category counts. `PeopleUser` thinks between actions (--think-time);
`ThroughputUser` does not, to find the most the service can take. Each simulated user
keeps to a category of its own, so it knows what every answer must say and a wrong body
is a failure, not only a wrong status.

Against a server in accounts mode (GET /api/session tells) each user first signs up (or
signs in with an account from --accounts-file), creates a token with its session, signs
out, and sends the token with every request after that, as an API client does; now and
then it downloads its export. Sign-up is throttled per address and for the service
(SIGN_UP_PER_ADDRESS_PER_HOUR, SIGN_UP_PER_MINUTE): a run that signs up more users than
those allow needs them raised on the server, or an --accounts-file.

Usually run through `python -m loadtest` (see loadtest/__main__.py); Locust can run it
directly too: `locust -f loadtest/locustfile.py --headless --host URL --profile smoke`.
"""

from __future__ import annotations

import dataclasses
import logging
import random
import re
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from locust import FastHttpUser, between, constant, events, task
from locust.contrib.fasthttp import FastResponse
from locust.env import Environment
from locust.exception import RescheduleTask
from locust.runners import WorkerRunner

from loadtest import recording
from loadtest.accounts import ACCOUNTS, Login, Logins, mode_of, origin
from loadtest.model import (
    Todo,
    TodoList,
    categories_problem,
    created_problem,
    list_problem,
    todo_problem,
    todos_from_list,
)
from loadtest.profiles import SmokeShape, SoakShape, SpikeShape, StepShape

logger = logging.getLogger("loadtest")

# Locust picks its shape from the classes in this module; --profile chooses among them.
__all__ = ["PeopleUser", "SmokeShape", "SoakShape", "SpikeShape", "StepShape", "ThroughputUser"]

SEED_TODOS = 3
MAX_TODOS = 30
PAGE_SIZE = 5
TITLES = [
    "buy milk",
    "call the plumber",
    "renew passport",
    "book dentist",
    "water the plants",
    "pay the electricity bill",
    "reply to Ana",
    "café with Jörg ☕",
    "write the quarterly report",
    "fix the bike light",
]
NEXT_LINK = re.compile(r'<([^>]+)>\s*;\s*rel="next"')

Check = Callable[[Any, FastResponse], str | None]
# The answers a body may come in: a resource, or an RFC 9457 problem.
JSON_TYPES = ("application/json", "application/problem+json")


@dataclasses.dataclass(frozen=True)
class Tidy:
    """What one user leaves to clean up: its category's todos, and its token if it has one."""

    category: str
    headers: dict[str, str]
    token_url: str | None


# Each user's requests to learn the mode and get its token, once at its start: reported by
# Locust, judged by the thresholds only when they fail (argon2id makes a sign-up or a
# sign-in the slowest request by far, and a person makes them once in weeks, not once a run).
SET_UP = frozenset(
    {
        ("GET", "/api/session"),
        ("POST", "/api/users"),
        ("POST", "/api/session"),
        ("POST", "/api/tokens"),
        ("DELETE", "/api/session"),
    }
)
# What this process's users made; deleted when the test stops.
left_behind: list[Tidy] = []
# Where this process's users' logins come from; made on first use, from the options.
logins: Logins | None = None


def _logins(options: Any) -> Logins:
    global logins
    if logins is None:
        path = getattr(options, "accounts_file", "") if options else ""
        logins = Logins(Path(path) if path else None)
    return logins


def _header(response: FastResponse, name: str) -> str | None:
    value = response.headers.get(name) if response.headers else None
    return str(value) if value else None


def _etag(response: FastResponse) -> str | None:
    return _header(response, "etag")


def _next_page(response: FastResponse) -> str | None:
    """The path and query of the Link rel=next, if the page has one."""
    match = NEXT_LINK.search(_header(response, "link") or "")
    if match is None:
        return None
    parts = urllib.parse.urlsplit(match.group(1))
    return f"{parts.path}?{parts.query}"


def _page_check(expected: list[Todo], category: str, last: bool) -> Check:
    def check(body: Any, response: FastResponse) -> str | None:
        link = _next_page(response)
        if last and link:
            return "last page has a next link"
        if not last and not link:
            return "page before the last has no next link"
        return list_problem(body, expected, category)

    return check


class TodoUser(FastHttpUser):
    abstract = True
    # Check the server's certificate (Locust's FastHttpUser does not by default): against
    # the system's authorities, or the file SSL_CERT_FILE names (the local front door's CA).
    insecure = False

    def on_start(self) -> None:
        self.todos = TodoList(f"load-{uuid.uuid4().hex[:12]}", {})
        # Set when a failed request leaves the server's state in doubt: the next task
        # first re-reads the list and takes it as the truth.
        self.unsure = False
        # What every request carries: {} in open mode, the token in accounts mode; None
        # until the user knows which (a failed sign-in is tried again before the next task).
        self.credentials: dict[str, str] | None = None
        self.token_url: str | None = None
        try:
            self._sign_in()
            for _ in range(SEED_TODOS):
                self._create()
        except RescheduleTask:
            pass

    # -- the requests ----------------------------------------------------------------

    def call(
        self,
        method: str,
        url: str,
        name: str,
        status: int | None,
        check: Check | None = None,
        **kwargs: Any,
    ) -> tuple[Any, FastResponse]:
        """Send one request and check the answer: its status, its body with `check`.

        Any failure is reported to Locust and ends the task here (RescheduleTask).
        """
        kwargs["headers"] = {**(self.credentials or {}), **kwargs.get("headers", {})}
        with self.client.request(method, url, name=name, catch_response=True, **kwargs) as response:
            body: Any = None
            if not response.status_code:
                # No answer at all: Locust reports the connection error itself.
                failed = True
            else:
                body, problem = self._read(response, status, check)
                failed = problem is not None
                if problem is None:
                    response.success()
                else:
                    response.failure(problem)
        if failed:
            self.unsure = True
            raise RescheduleTask()
        return body, response

    @staticmethod
    def _read(
        response: FastResponse, status: int | None, check: Check | None
    ) -> tuple[Any, str | None]:
        """The body, and why the answer is wrong (None: it is right). `status` None leaves
        the status to `check`."""
        if status is not None and response.status_code != status:
            return None, f"status {response.status_code}, expected {status}"
        body = None
        if response.content:
            content_type = _header(response, "content-type") or ""
            if not content_type.startswith(JSON_TYPES):
                return None, f"content type {content_type or 'missing'}, expected JSON"
            try:
                body = response.json()
            except ValueError:
                return None, "body is not JSON"
        return body, check(body, response) if check else None

    # -- who the user is ----------------------------------------------------------------

    def _sign_in(self) -> None:
        """Learn the server's mode; in accounts mode get a token and keep only that."""
        # Signed out, also after a sign-in that failed half-way.
        self.client.cookiejar.clear()
        body, response = self.call(
            "GET",
            "/api/session",
            "/api/session",
            None,
            lambda body, response: (
                None
                if mode_of(response.status_code, body)
                else f"session status {response.status_code}, no mode"
            ),
        )
        if mode_of(response.status_code, body) == ACCOUNTS:
            self._get_token(_logins(self.environment.parsed_options))
        else:
            self.credentials = {}
        left_behind.append(Tidy(self.todos.category, self.credentials or {}, self.token_url))

    def _get_token(self, source: Logins) -> None:
        # The cookie-authenticated writes carry the Origin a page would: the server
        # refuses cross-site ones.
        page = {"Origin": origin(self.host or "")}
        login: Login = source.next()
        if source.signs_up:
            self.call("POST", "/api/users", "/api/users", 201, json=login.body())
        self.call("POST", "/api/session", "/api/session", 200, json=login.body())
        body, _ = self.call(
            "POST",
            "/api/tokens",
            "/api/tokens",
            201,
            lambda body, _: (
                None
                if isinstance(body, dict) and str(body.get("token", "")).startswith("tdat_")
                else "no token in the answer"
            ),
            json={"name": f"locust {self.todos.category}"},
            headers=page,
        )
        # Signed out: from here on the token alone says who this is.
        self.call("DELETE", "/api/session", "/api/session", 204, headers=page)
        self.token_url = f"/api/tokens/{body['id']}"
        self.credentials = {"Authorization": f"Bearer {body['token']}"}

    def _list_url(self, **query: Any) -> str:
        return "/api/todos?" + urllib.parse.urlencode({"category": self.todos.category, **query})

    def _item(self, todo: Todo) -> str:
        return f"/api/todos/{todo.id}"

    def _if_match(self, todo: Todo) -> dict[str, str]:
        return {"If-Match": todo.etag} if todo.etag else {}

    def _resync(self) -> None:
        category = self.todos.category
        body, _ = self.call(
            "GET",
            self._list_url(),
            "/api/todos?category=[c]",
            200,
            check=lambda body, _: (
                None
                if todos_from_list(body, category) is not None
                else "list holds other users' todos"
            ),
        )
        todos = todos_from_list(body, category)
        assert todos is not None
        self.todos = todos
        self.unsure = False

    def _create(self) -> None:
        category = self.todos.category
        sent: dict[str, Any] = {
            "title": f"{random.choice(TITLES)} {random.randint(1, 999)}",
            "category": category,
        }
        if random.random() < 0.3:
            sent["order"] = random.randint(1, 100)

        def check(body: Any, response: FastResponse) -> str | None:
            problem = created_problem(body, sent, _header(response, "location"))
            return problem or (None if _etag(response) else "no ETag")

        body, response = self.call("POST", "/api/todos", "/api/todos", 201, check, json=sent)
        todo = Todo(body["id"], sent["title"], False, sent.get("order"), _etag(response) or "")
        self.todos.todos[todo.id] = todo

    def _change(self, todo: Todo, changes: dict[str, Any]) -> None:
        expected = dataclasses.replace(todo, **changes)

        def check(body: Any, response: FastResponse) -> str | None:
            etag = _etag(response)
            if etag is None or etag == todo.etag:
                return "ETag did not change"
            return todo_problem(body, expected, self.todos.category)

        _, response = self.call(
            "PATCH",
            self._item(todo),
            "/api/todos/[id]",
            200,
            check,
            json=changes,
            headers=self._if_match(todo),
        )
        self.todos.todos[todo.id] = dataclasses.replace(expected, etag=_etag(response) or "")

    # -- what a person does ------------------------------------------------------------

    def before_task(self) -> None:
        if self.credentials is None:
            self._sign_in()
        if self.unsure:
            self._resync()

    @task(10)
    def open_list(self) -> None:
        self.before_task()
        expected = self.todos.ordered()
        self.call(
            "GET",
            self._list_url(),
            "/api/todos?category=[c]",
            200,
            _page_check(expected, self.todos.category, last=True),
        )

    @task(3)
    def view_todo(self) -> None:
        self.before_task()
        if not self.todos.todos:
            return self._create()
        todo = random.choice(list(self.todos.todos.values()))
        _, response = self.call(
            "GET",
            self._item(todo),
            "/api/todos/[id]",
            200,
            lambda body, _: todo_problem(body, todo, self.todos.category),
        )
        todo.etag = _etag(response) or todo.etag

    @task(4)
    def add_todo(self) -> None:
        self.before_task()
        if len(self.todos.todos) >= MAX_TODOS:
            # A full list: finish something instead.
            return self.complete_todo()
        self._create()

    @task(3)
    def complete_todo(self) -> None:
        self.before_task()
        open_todos = self.todos.open()
        if not open_todos:
            return self._create()
        self._change(random.choice(open_todos), {"completed": True})

    @task(2)
    def rename_todo(self) -> None:
        self.before_task()
        if not self.todos.todos:
            return self._create()
        todo = random.choice(list(self.todos.todos.values()))
        self._change(todo, {"title": f"{random.choice(TITLES)} (renamed {random.randint(1, 99)})"})

    @task(1)
    def delete_todo(self) -> None:
        self.before_task()
        if not self.todos.todos:
            return self._create()
        todo = random.choice(list(self.todos.todos.values()))
        self.call("DELETE", self._item(todo), "/api/todos/[id]", 204, headers=self._if_match(todo))
        del self.todos.todos[todo.id]

    @task(1)
    def clear_completed(self) -> None:
        self.before_task()
        done = self.todos.completed()
        self.call(
            "DELETE",
            self._list_url(completed="true"),
            "/api/todos?category=[c]&completed=true",
            200,
            lambda body, _: None if body == {"deleted": len(done)} else "deleted count differs",
        )
        for todo in done:
            del self.todos.todos[todo.id]

    @task(1)
    def page_through(self) -> None:
        self.before_task()
        expected = self.todos.ordered()
        pages = [expected[i : i + PAGE_SIZE] for i in range(0, len(expected), PAGE_SIZE)] or [[]]
        url: str | None = self._list_url(limit=PAGE_SIZE)
        for number, page in enumerate(pages, start=1):
            assert url is not None
            name = "/api/todos?category=[c]&limit=[n]" + ("" if number == 1 else "&cursor=[cursor]")
            last = number == len(pages)
            _, response = self.call(
                "GET", url, name, 200, _page_check(page, self.todos.category, last)
            )
            url = _next_page(response)

    @task(1)
    def view_categories(self) -> None:
        self.before_task()
        self.call(
            "GET",
            "/api/categories",
            "/api/categories",
            200,
            lambda body, _: categories_problem(body, self.todos),
        )

    @task(1)
    def export_list(self) -> None:
        """Accounts mode: download every todo (the page's export); open mode has none."""
        self.before_task()
        if not self.credentials:
            return self.open_list()
        expected = {todo.id for todo in self.todos.todos.values()}

        def holds_mine(body: Any, _: FastResponse) -> str | None:
            todos = body.get("todos") if isinstance(body, dict) else None
            if not isinstance(todos, list):
                return "no todos in the export"
            exported = {todo.get("id") for todo in todos if isinstance(todo, dict)}
            return None if expected <= exported else "the export lacks todos of this user"

        self.call("GET", "/api/account/export", "/api/account/export", 200, holds_mine)


class PeopleUser(TodoUser):
    """Someone using the list: pauses between actions (--think-time)."""

    wait_time = between(1, 3)


class ThroughputUser(TodoUser):
    """The same actions back to back: the most load per user."""

    wait_time = constant(0)


MODELS: dict[str, type[TodoUser]] = {"people": PeopleUser, "throughput": ThroughputUser}


def clean_up(host: str) -> None:
    """Delete the todos this process's users made, then revoke their tokens; plain HTTP,
    outside the statistics. Accounts the users signed up for stay (`todo-async users
    delete NAME` removes one): the API deletes no account."""
    deadline = time.monotonic() + 30
    left = list(left_behind)
    left_behind.clear()
    base = host.rstrip("/")
    for tidy in left:
        todos = f"{base}/api/todos?" + urllib.parse.urlencode({"category": tidy.category})
        urls = [todos] + ([base + tidy.token_url] if tidy.token_url else [])
        try:
            for url in urls:
                request = urllib.request.Request(url, method="DELETE", headers=tidy.headers)
                with urllib.request.urlopen(request, timeout=5):
                    pass
        except (urllib.error.URLError, OSError) as exc:
            logger.warning("clean-up stopped (%s); load-* categories are left behind", exc)
            return
        if time.monotonic() > deadline:
            logger.warning("clean-up ran out of time; load-* categories are left behind")
            return


@events.init.add_listener
def _read_accounts_file(environment: Environment, **_: Any) -> None:
    """A bad --accounts-file stops the run before any user starts. A worker takes the
    master's options only when the test starts, and reads the file then."""
    if environment.parsed_options is None or isinstance(environment.runner, WorkerRunner):
        return
    try:
        _logins(environment.parsed_options)
    except (OSError, ValueError) as exc:
        sys.exit(f"--accounts-file: {exc}")


recording.install(events, MODELS, PeopleUser, clean_up, SET_UP)
