"""Import and export from the page: a file chosen and sent as it is, what was added said,
the API's reason for refusing a file shown with the file's name; export by the links."""

from __future__ import annotations

import json

from playwright.sync_api import Page, expect

from tests.web.conftest import Api
from tests.web.test_page import titles


def choose(page: Page, name: str, content: bytes, mime: str = "text/plain") -> None:
    field = page.get_by_label("Import a file (JSON, CSV or todo.txt)")
    # The field shows once the page knows whose list it is; a file chosen before that
    # is cleared with whatever else was on the page (set_input_files does not wait).
    expect(field).to_be_visible()
    field.set_input_files({"name": name, "mimeType": mime, "buffer": content})


def send(page: Page) -> None:
    page.get_by_role("button", name="Import", exact=True).click()


def test_export_then_import_brings_the_list_back(looked_page: Page, api: Api) -> None:
    page = looked_page
    api.add("Buy milk", category="Home", due="2031-02-03")
    done = api.add("Send the report")
    api.change(done["id"], completed=True)
    page.goto("/")
    expect(titles(page)).to_have_count(2)

    with page.expect_download() as exported:
        page.get_by_role("link", name="JSON").click()
    content = exported.value.path().read_bytes()
    listed = [
        (todo["title"], todo["category"], todo["completed"], todo["due"]) for todo in api.todos()
    ]
    assert [
        (todo["title"], todo["category"], todo["completed"], todo["due"])
        for todo in json.loads(content)
    ] == listed
    with page.expect_download() as exported_csv:
        page.get_by_role("link", name="CSV").click()
    assert "Buy milk" in exported_csv.value.path().read_text()

    api.delete_all()
    page.reload()
    expect(page.locator("#empty")).to_be_visible()
    choose(page, "todos.json", content, "application/json")
    send(page)
    expect(page.locator("#import-result")).to_have_text("Imported 2 tasks from “todos.json”.")
    expect(titles(page)).to_have_text(["Buy milk", "Send the report"])
    assert [
        (todo["title"], todo["category"], todo["completed"], todo["due"]) for todo in api.todos()
    ] == listed

    # The same file again adds nothing.
    choose(page, "todos.json", content, "application/json")
    send(page)
    expect(page.locator("#import-result")).to_have_text(
        "Nothing new in “todos.json”: 2 tasks already on the list."
    )
    assert len(api.todos()) == 2


def test_import_todo_txt(page: Page, api: Api) -> None:
    page.goto("/")
    choose(page, "todo.txt", b"(A) Call the bank +errands\nx Pay the rent\n")
    send(page)
    expect(titles(page)).to_have_count(2)
    stored = {todo["title"]: (todo["category"], todo["completed"]) for todo in api.todos()}
    assert stored["Pay the rent"] == (None, True)
    assert [category for category, _ in stored.values()].count("errands") == 1


def test_import_without_a_file_sends_nothing(page: Page, api: Api) -> None:
    page.goto("/")
    send(page)
    expect(page.get_by_label("Import a file (JSON, CSV or todo.txt)")).to_be_focused()
    expect(page.locator("#status")).to_have_text("Choose a file to import first.")


def test_a_refused_file_names_its_first_bad_line(looked_page: Page, api: Api) -> None:
    page = looked_page
    api.add("Already here")
    page.goto("/")
    choose(page, "week.csv", b"title,due\nPlan menu,2031-01-05\nShop,not a date\n", "text/csv")
    send(page)
    problem = page.get_by_role("alert")
    expect(problem).to_contain_text("Could not import “week.csv”: Nothing imported: line 3:")
    field = page.get_by_label("Import a file (JSON, CSV or todo.txt)")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_be_focused()
    # All or nothing: not even the good line went in.
    assert [todo["title"] for todo in api.todos()] == ["Already here"]
