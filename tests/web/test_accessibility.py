"""An axe-core scan of the page in each state a person meets (empty, with tasks, with an
overdue task, editing, showing an error, refusing an imported file), at desktop and phone
width, light and dark: no serious or critical violation. Every violation found, whatever
its impact, is written to test-artifacts/axe-*.json."""

from __future__ import annotations

import datetime
import json
from collections.abc import Callable
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.web.conftest import ARTIFACTS, Api
from tests.web.test_import_export import choose, send

BLOCKING = {"serious", "critical"}
AXE = Axe()


def scan(page: Page, name: str) -> list[dict[str, Any]]:
    """The page's axe-core violations, each with its impact and the elements it names."""
    violations = AXE.run(page).response["violations"]
    found = [
        {
            "id": violation["id"],
            "impact": violation["impact"],
            "help": violation["help"],
            "targets": [node["target"] for node in violation["nodes"]],
        }
        for violation in violations
    ]
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / f"axe-{name}.json").write_text(json.dumps(found, indent=2))
    return found


def empty(page: Page, api: Api) -> None:
    page.goto("/")
    expect(page.locator("#empty")).to_have_text("Nothing to do yet. Add a task above.")


def with_tasks(page: Page, api: Api) -> None:
    tomorrow = datetime.date.today() + datetime.timedelta(days=1)
    api.add("Buy milk", category="Home", due=tomorrow.isoformat())
    done = api.add("Send the report")
    api.change(done["id"], completed=True)
    page.goto("/")
    expect(page.locator("#todo-list .title")).to_have_count(2)


def overdue(page: Page, api: Api) -> None:
    api.add("Renew the passport", due="2020-01-31")
    page.goto("/?due=overdue")
    expect(page.locator("#todo-list .overdue")).to_have_count(1)


def editing(page: Page, api: Api) -> None:
    api.add("Plan the week", category="Work")
    page.goto("/")
    page.get_by_role("button", name="Edit “Plan the week”").click()
    expect(page.get_by_role("textbox", name="Title")).to_be_focused()


def error(page: Page, api: Api) -> None:
    page.goto("/")
    page.get_by_role("textbox", name="New task").fill("x" * 501)
    page.get_by_role("textbox", name="New task").press("Enter")
    expect(page.get_by_role("alert")).to_contain_text("Could not add the task")


def import_refused(page: Page, api: Api) -> None:
    page.goto("/")
    choose(page, "bad.csv", b"title,due\nShop,soon\n", "text/csv")
    send(page)
    expect(page.get_by_role("alert")).to_contain_text("line 2")


STATES: dict[str, Callable[[Page, Api], None]] = {
    "empty": empty,
    "items": with_tasks,
    "overdue": overdue,
    "editing": editing,
    "error": error,
    "import-error": import_refused,
}


@pytest.mark.parametrize("state", STATES)
def test_no_serious_violation(looked_page: Page, api: Api, state: str) -> None:
    STATES[state](looked_page, api)
    size = looked_page.viewport_size
    assert size
    scheme = looked_page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches")
    name = f"{state}-{size['width']}-{'dark' if scheme else 'light'}"
    blocking = [found for found in scan(looked_page, name) if found["impact"] in BLOCKING]
    assert not blocking, json.dumps(blocking, indent=2)
