"""The page in Chromium against a live server: every action a person takes, checked both
on screen and in what the API then stores."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from hostkit.ports import free_port
from testbed.live_server import live_server
from tests.web.conftest import ARTIFACTS, PHONE, SERVER_ENV, Api, OpenPage


def titles(page: Page) -> Locator:
    return page.locator("#todo-list .title")


def new_title(page: Page) -> Locator:
    return page.get_by_role("textbox", name="New task")


def new_category(page: Page) -> Locator:
    return page.locator("#new-todo").get_by_label("Category")


def alert(page: Page) -> Locator:
    return page.get_by_role("alert")


def item(page: Page, title: str) -> Locator:
    return page.get_by_role("list", name="Tasks").get_by_role("listitem").filter(has_text=title)


def stored(api: Api) -> list[tuple[str, str | None, bool]]:
    return [(todo["title"], todo["category"], todo["completed"]) for todo in api.todos()]


def tab_to(page: Page, target: Locator, limit: int = 40) -> None:
    """Press Tab until `target` has focus: it must be reachable from the keyboard."""
    for _ in range(limit):
        if target.evaluate("element => element === document.activeElement"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{target} not reached with Tab")


def test_empty_list_then_add_with_enter(page: Page, api: Api) -> None:
    page.goto("/")
    expect(page.locator("#empty")).to_have_text("Nothing to do yet. Add a task above.")
    expect(page.locator("#summary")).to_have_text("0 open · 0 done")

    new_title(page).fill("Buy oat milk")
    new_category(page).fill("Groceries")
    new_title(page).press("Enter")
    expect(titles(page)).to_have_text(["Buy oat milk"])
    expect(item(page, "Buy oat milk").locator(".category")).to_have_text("Category: Groceries")
    expect(new_title(page)).to_have_value("")
    expect(new_title(page)).to_be_focused()

    new_category(page).fill("")
    new_title(page).fill("  Call the plumber  ")
    new_title(page).press("Enter")
    expect(titles(page)).to_have_text(["Buy oat milk", "Call the plumber"])
    expect(page.locator("#summary")).to_have_text("2 open · 0 done")
    expect(page).to_have_title("(2) Todos")
    assert stored(api) == [("Buy oat milk", "Groceries", False), ("Call the plumber", None, False)]

    # Enter on an empty title sends nothing.
    new_title(page).press("Enter")
    expect(page.get_by_role("status")).to_have_text("Type a task first.")
    assert len(api.todos()) == 2


def test_open_mode_shows_the_list_and_no_sign_in(page: Page, api: Api) -> None:
    api.add("Shared by everyone")
    with page.expect_response("**/api/session") as session:
        page.goto("/")
    assert session.value.json() == {"username": None, "mode": "open"}
    expect(titles(page)).to_have_text(["Shared by everyone"])
    expect(new_title(page)).to_be_focused()
    expect(page.get_by_role("form", name="Sign in")).to_be_hidden()
    expect(page.get_by_role("button", name="Create an account")).to_be_hidden()
    expect(page.get_by_role("button", name="Sign out")).to_be_hidden()
    expect(page.get_by_text("Signed in as")).to_be_hidden()


def test_complete_and_uncomplete(page: Page, api: Api) -> None:
    api.add("Water the plants")
    api.add("Renew passport")
    page.goto("/")
    done = page.get_by_role("checkbox", name="Renew passport")
    expect(done).not_to_be_checked()

    done.check()
    expect(item(page, "Renew passport")).to_have_class("todo completed")
    expect(page.locator("#summary")).to_have_text("1 open · 1 done")
    expect(page.get_by_role("button", name="Clear completed (1)")).to_be_visible()
    assert stored(api) == [("Water the plants", None, False), ("Renew passport", None, True)]

    done.uncheck()
    expect(item(page, "Renew passport")).to_have_class("todo")
    expect(page.locator("#summary")).to_have_text("2 open · 0 done")
    expect(page.get_by_role("button", name="Clear completed (0)")).to_be_hidden()
    assert stored(api) == [("Water the plants", None, False), ("Renew passport", None, False)]


def test_edit_in_place_enter_saves_escape_cancels(page: Page, api: Api) -> None:
    api.add("Draft planning notes", category="Work")
    page.goto("/")

    # Double-click the title: Enter saves title and category.
    page.locator("#todo-list .title").dblclick()
    editor = page.get_by_role("textbox", name="Title")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("Draft planning notes")
    editor.fill("Draft Q3 planning notes")
    page.locator(".edit-form").get_by_label("Category").fill("Planning")
    editor.press("Enter")
    expect(titles(page)).to_have_text(["Draft Q3 planning notes"])
    expect(page.get_by_role("button", name="Edit “Draft Q3 planning notes”")).to_be_focused()
    assert stored(api) == [("Draft Q3 planning notes", "Planning", False)]

    # The Edit button: Escape cancels and nothing is sent.
    page.get_by_role("button", name="Edit “Draft Q3 planning notes”").click()
    editor.fill("Something else")
    editor.press("Escape")
    expect(titles(page)).to_have_text(["Draft Q3 planning notes"])
    expect(editor).to_have_count(0)
    assert stored(api) == [("Draft Q3 planning notes", "Planning", False)]

    # An empty title is refused on the page; the edit stays open until cancelled.
    page.get_by_role("button", name="Edit “Draft Q3 planning notes”").click()
    editor.fill("   ")
    editor.press("Enter")
    expect(alert(page)).to_contain_text("A task needs a title")
    expect(editor).to_have_attribute("aria-invalid", "true")
    page.get_by_role("button", name="Cancel").click()
    expect(alert(page)).to_be_hidden()
    assert stored(api) == [("Draft Q3 planning notes", "Planning", False)]


def test_delete(page: Page, api: Api) -> None:
    for title in ("First", "Second", "Third"):
        api.add(title)
    page.goto("/")
    page.get_by_role("button", name="Delete “Second”").click()
    expect(titles(page)).to_have_text(["First", "Third"])
    expect(page.get_by_role("status")).to_have_text("Deleted “Second”.")
    # Focus moves to the task that took its place.
    expect(page.get_by_role("checkbox", name="Third")).to_be_focused()
    assert [title for title, _, _ in stored(api)] == ["First", "Third"]


def test_filters_by_status_and_category(page: Page, api: Api) -> None:
    api.add("Plan sprint", category="Work")
    api.add("Send invoice", category="Work", completed=True)
    api.add("Fix the tap", category="Home")
    api.add("Read a book", completed=True)
    page.goto("/")
    expect(titles(page)).to_have_count(4)

    page.get_by_role("link", name="Active").click()
    expect(titles(page)).to_have_text(["Plan sprint", "Fix the tap"])
    expect(page.get_by_role("link", name="Active")).to_have_attribute("aria-current", "page")
    expect(page).to_have_url("/?status=active")

    page.get_by_role("link", name="Completed").click()
    expect(titles(page)).to_have_text(["Send invoice", "Read a book"])

    category = page.get_by_label("Filter by category")
    category.select_option(label="Work · 1 open")
    expect(titles(page)).to_have_text(["Send invoice"])
    page.get_by_role("link", name="All").click()
    expect(titles(page)).to_have_text(["Plan sprint", "Send invoice"])
    category.select_option(label="No category · all done")
    expect(titles(page)).to_have_text(["Read a book"])

    # The filter is in the URL: a reload, and the back button, keep it.
    page.reload()
    expect(titles(page)).to_have_text(["Read a book"])
    expect(category).to_have_value("none")
    page.go_back()
    expect(titles(page)).to_have_text(["Plan sprint", "Send invoice"])
    expect(category).to_have_value("=Work")

    # Ticking a task in the Active view takes it out of the view.
    category.select_option("all")
    page.get_by_role("link", name="Active").click()
    # (A click, not check(): the box leaves the page before it could be seen ticked.)
    page.get_by_role("checkbox", name="Fix the tap").click()
    expect(titles(page)).to_have_text(["Plan sprint"])
    expect(page.locator("#summary")).to_have_text("1 open · 3 done")

    # A task added while a category is shown goes into it.
    category.select_option(label="Home · all done")
    expect(page.locator("#empty")).to_have_text("No open tasks in “Home”.")
    expect(new_category(page)).to_have_value("Home")
    new_title(page).fill("Buy bulbs")
    new_title(page).press("Enter")
    expect(titles(page)).to_have_text(["Buy bulbs"])
    assert ("Buy bulbs", "Home", False) in stored(api)


def test_clear_completed_shows_its_count(page: Page, api: Api) -> None:
    api.add("Open one")
    api.add("Done one", completed=True)
    api.add("Done two", completed=True, category="Work")
    page.goto("/")
    clear = page.get_by_role("button", name="Clear completed (2)")
    expect(clear).to_be_visible()
    clear.click()
    expect(titles(page)).to_have_text(["Open one"])
    expect(page.get_by_role("status")).to_have_text("Cleared 2 completed tasks.")
    expect(page.locator("#clear-completed")).to_be_hidden()
    expect(page.locator("#summary")).to_have_text("1 open · 0 done")
    assert stored(api) == [("Open one", None, False)]


def test_reload_shows_exactly_what_is_stored(page: Page, api: Api) -> None:
    # Explicit order first (lowest first), then the rest oldest first: as the API keeps it.
    api.add("Third, no order")
    api.add("Second", order=20)
    api.add("First", order=10, category="Work")
    page.goto("/")
    new_title(page).fill("Fourth")
    new_title(page).press("Enter")
    page.get_by_role("checkbox", name="Second").check()
    expect(item(page, "Second")).to_have_class("todo completed")

    page.reload()
    expect(titles(page)).to_have_text([todo["title"] for todo in api.todos()])
    expect(titles(page)).to_have_text(["First", "Second", "Third, no order", "Fourth"])
    for todo in api.todos():
        checkbox = page.get_by_role("checkbox", name=todo["title"])
        expect(checkbox).to_be_checked(checked=todo["completed"])


def test_list_longer_than_one_api_page(page: Page, api: Api) -> None:
    for number in range(1, 131):
        api.add(f"Task {number:03}")
    page.goto("/")
    expect(titles(page)).to_have_count(130)
    expect(titles(page).last).to_have_text("Task 130")
    expect(page.locator("#summary")).to_have_text("130 open · 0 done")


def test_validation_error_is_shown_and_typed_text_kept(page: Page, api: Api) -> None:
    page.goto("/")
    too_long = "x" * 501
    new_title(page).fill(too_long)
    new_title(page).press("Enter")
    expect(alert(page)).to_contain_text("Could not add the task. Title:")
    expect(alert(page)).to_contain_text("at most 500 characters")
    expect(new_title(page)).to_have_value(too_long)
    expect(new_title(page)).to_have_attribute("aria-invalid", "true")
    assert api.todos() == []

    new_title(page).fill("Shorter")
    expect(new_title(page)).not_to_have_attribute("aria-invalid", "true")
    new_title(page).press("Enter")
    expect(titles(page)).to_have_text(["Shorter"])
    expect(alert(page)).to_be_hidden()


def test_server_down_is_reported_and_typed_text_kept(open_page: OpenPage, tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'todo.db'}"
    port = free_port()
    with live_server(database_url, tmp_path, env=SERVER_ENV, port=port) as server:
        page = open_page(base_url=server.url)
        page.goto("/")
        expect(page.locator("#empty")).to_be_visible()

    # The server is down: adding fails, and nothing typed is lost.
    new_title(page).fill("Water the plants")
    new_category(page).fill("Home")
    new_title(page).press("Enter")
    expect(alert(page).get_by_role("paragraph")).to_have_text(
        "Could not add the task. The server cannot be reached. What you typed is kept. "
        "Try again in a moment."
    )
    expect(new_title(page)).to_have_value("Water the plants")
    expect(new_category(page)).to_have_value("Home")
    page.get_by_role("link", name="Completed").click()
    expect(alert(page)).to_contain_text("Could not load the list. The server cannot be reached.")

    with live_server(database_url, tmp_path, env=SERVER_ENV, port=port) as server:
        page.get_by_role("button", name="Try again").click()
        expect(page.locator("#empty")).to_have_text("No completed tasks.")
        expect(alert(page)).to_be_hidden()
        page.get_by_role("link", name="All").click()
        new_title(page).press("Enter")
        expect(titles(page)).to_have_text(["Water the plants"])
        assert stored(Api(server.url)) == [("Water the plants", "Home", False)]


def test_offline_change_is_refused_then_list_refreshes_online(page: Page, api: Api) -> None:
    api.add("Pick up parcel")
    page.goto("/")
    expect(titles(page)).to_have_text(["Pick up parcel"])
    page.context.set_offline(True)
    page.get_by_role("checkbox", name="Pick up parcel").click()
    expect(alert(page)).to_contain_text("Could not mark the task done. The server cannot be")
    expect(page.get_by_role("checkbox", name="Pick up parcel")).not_to_be_checked()
    api.add("Added on another device")
    page.context.set_offline(False)
    expect(titles(page)).to_have_text(["Pick up parcel", "Added on another device"])
    assert stored(api) == [
        ("Pick up parcel", None, False),
        ("Added on another device", None, False),
    ]


def test_first_load_failure_offers_try_again(page: Page, api: Api) -> None:
    api.add("Stored before")
    # The page and its files arrive, the list does not.
    page.route("**/api/todos*", lambda route: route.abort("connectionrefused"))
    page.goto("/")
    expect(alert(page)).to_contain_text("Could not load the list.")
    expect(page.locator("#empty")).to_have_text("The list could not be loaded.")
    page.unroute("**/api/todos*")
    page.get_by_role("button", name="Try again").click()
    expect(titles(page)).to_have_text(["Stored before"])
    expect(alert(page)).to_be_hidden()


def test_two_tabs_never_overwrite_each_other(open_page: OpenPage, api: Api) -> None:
    todo = api.add("Book flights")
    # Two windows side by side, both in view.
    first = open_page()
    second = open_page()
    for tab in (first, second):
        tab.goto("/")
        # The list arrives after the page: both must show the old copy before either acts.
        expect(titles(tab)).to_have_text(["Book flights"])

    # The second tab renames it; the first, still showing the old copy, ticks it.
    second.get_by_role("button", name="Edit “Book flights”").click()
    second.get_by_role("textbox", name="Title").fill("Book flights to Lisbon")
    second.keyboard.press("Enter")
    expect(titles(second)).to_have_text(["Book flights to Lisbon"])
    first.get_by_role("checkbox", name="Book flights").click()
    expect(alert(first)).to_contain_text("this task was changed somewhere else")
    expect(titles(first)).to_have_text(["Book flights to Lisbon"])
    expect(first.get_by_role("checkbox", name="Book flights to Lisbon")).not_to_be_checked()
    assert stored(api) == [("Book flights to Lisbon", None, False)]

    # Now up to date, the first tab's change goes through, and it keeps that ETag.
    # The box ticks at once; what the server stores is known once the PATCH is answered.
    with first.expect_response(lambda response: response.request.method == "PATCH") as patched:
        first.get_by_role("checkbox", name="Book flights to Lisbon").check()
    assert patched.value.status == 200
    expect(alert(first)).to_be_hidden()
    assert stored(api) == [("Book flights to Lisbon", None, True)]

    # Changes behind its back: the server refuses the first tab's If-Match (412).
    api.change(todo["id"], title="Book flights to Porto")
    api.add("Pack bags")
    responses: list[int] = []
    first.on("response", lambda response: responses.append(response.status))
    first.get_by_role("button", name="Edit “Book flights to Lisbon”").click()
    first.get_by_role("textbox", name="Title").fill("Book flights to Faro")
    first.keyboard.press("Enter")
    expect(alert(first)).to_contain_text("Your edit is still open")
    assert 412 in responses
    # The 412 reloads the list quietly, and the task added elsewhere shows that it landed.
    # Saving before then would be against the old copy, and the server refuses that too.
    expect(item(first, "Pack bags")).to_be_visible()
    expect(first.get_by_role("textbox", name="Title")).to_have_value("Book flights to Faro")
    assert stored(api) == [("Book flights to Porto", None, True), ("Pack bags", None, False)]
    # Having seen the message, the person saves again on purpose.
    with first.expect_response(lambda response: response.request.method == "PATCH") as saved:
        first.keyboard.press("Enter")
    assert saved.value.status == 200
    expect(titles(first)).to_have_text(["Book flights to Faro", "Pack bags"])
    assert stored(api) == [("Book flights to Faro", None, True), ("Pack bags", None, False)]


def test_returning_to_a_tab_shows_what_changed_meanwhile(open_page: OpenPage, api: Api) -> None:
    api.add("Call the bank")
    behind = open_page()
    behind.goto("/")
    expect(titles(behind)).to_have_text(["Call the bank"])
    ahead = open_page()
    ahead.goto("/")
    ahead.get_by_role("checkbox", name="Call the bank").check()
    expect(item(ahead, "Call the bank")).to_have_class("todo completed")
    expect(item(behind, "Call the bank")).to_have_class("todo")
    # Headless Chromium keeps every tab visible: send the event a switch back to it sends.
    behind.evaluate("document.dispatchEvent(new Event('visibilitychange'))")
    expect(item(behind, "Call the bank")).to_have_class("todo completed")


def test_deleted_elsewhere_is_reported(page: Page, api: Api) -> None:
    todo = api.add("Gone soon")
    api.add("Stays")
    page.goto("/")
    expect(titles(page)).to_have_text(["Gone soon", "Stays"])
    api.call("DELETE", f"/api/todos/{todo['id']}")
    page.get_by_role("checkbox", name="Gone soon").click()
    expect(alert(page)).to_contain_text("this task no longer exists")
    expect(titles(page)).to_have_text(["Stays"])


def test_keyboard_only(page: Page, api: Api) -> None:
    api.add("Existing task")
    page.goto("/")
    keyboard = page.keyboard
    expect(new_title(page)).to_be_focused()
    keyboard.type("Pay rent")
    keyboard.press("Tab")
    expect(new_category(page)).to_be_focused()
    keyboard.type("Home")
    keyboard.press("Enter")
    expect(titles(page)).to_have_text(["Existing task", "Pay rent"])

    checkbox = page.get_by_role("checkbox", name="Pay rent")
    tab_to(page, checkbox)
    keyboard.press("Space")
    expect(checkbox).to_be_checked()
    expect(page.locator("#summary")).to_have_text("1 open · 1 done")

    # After the box: the move buttons, then Edit.
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Move “Pay rent” up")).to_be_focused()
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Move “Pay rent” down")).to_be_focused()
    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Edit “Pay rent”")).to_be_focused()
    keyboard.press("Enter")
    expect(page.get_by_role("textbox", name="Title")).to_be_focused()
    keyboard.type("Pay the rent")
    keyboard.press("Enter")
    edit = page.get_by_role("button", name="Edit “Pay the rent”")
    expect(edit).to_be_focused()
    keyboard.press("Enter")
    keyboard.type("Never mind")
    keyboard.press("Escape")
    expect(edit).to_be_focused()
    expect(titles(page)).to_have_text(["Existing task", "Pay the rent"])

    keyboard.press("Tab")
    expect(page.get_by_role("button", name="Delete “Pay the rent”")).to_be_focused()
    keyboard.press("Enter")
    expect(titles(page)).to_have_text(["Existing task"])
    expect(page.get_by_role("checkbox", name="Existing task")).to_be_focused()

    keyboard.press("Shift+Tab")
    expect(page.get_by_label("Filter by category")).to_be_focused()
    for view in ("Upcoming", "Overdue", "Today", "Completed"):
        keyboard.press("Shift+Tab")
        expect(page.get_by_role("link", name=view)).to_be_focused()
    keyboard.press("Enter")
    expect(page.locator("#empty")).to_have_text("No completed tasks.")
    assert stored(api) == [("Existing task", None, False)]


def test_phone_width_and_screenshots(open_page: OpenPage, api: Api) -> None:
    api.add("Buy oat milk", category="Groceries")
    api.add("Book dentist appointment")
    api.add("Draft Q3 planning notes", category="Work")
    api.add("Renew passport", category="Errands", completed=True)
    api.add("Reply to Sam about the offsite agenda and the venue options", category="Work")
    ARTIFACTS.mkdir(exist_ok=True)

    desktop = open_page(viewport={"width": 880, "height": 400})
    desktop.goto("/")
    expect(titles(desktop)).to_have_count(5)
    desktop.locator("#new-title").blur()
    desktop.screenshot(path=str(ARTIFACTS / "page-desktop.png"), full_page=True)

    phone = open_page(viewport=PHONE)
    phone.goto("/")
    expect(titles(phone)).to_have_count(5)
    overflow = phone.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"the page is {overflow}px wider than a phone"
    for control in (
        new_title(phone),
        phone.get_by_role("button", name="Add"),
        phone.get_by_role("checkbox", name="Renew passport"),
        phone.get_by_role("button", name="Delete “Renew passport”"),
    ):
        box = control.bounding_box()
        assert box is not None
        assert box["x"] >= 0
        assert box["x"] + box["width"] <= PHONE["width"]
    button = phone.get_by_role("button", name="Edit “Renew passport”").bounding_box()
    assert button is not None
    assert button["height"] >= 44, "touch targets are at least 44 px high"
    phone.screenshot(path=str(ARTIFACTS / "page-phone.png"), full_page=True)
