"""Reordering on the page (static/reorder.js): by dragging a task's handle with the pointer
and by its move up/down buttons from the keyboard, each saved through `order` with the
task's If-Match, said to screen readers, and a conflict with another device reported."""

from __future__ import annotations

from playwright.sync_api import Locator, Page, expect

from tests.web.conftest import PHONE, Api, OpenPage
from tests.web.test_page import item, tab_to, titles


def stored_titles(api: Api) -> list[str]:
    return [todo["title"] for todo in api.todos()]


def drag(page: Page, moving: Locator, onto: Locator) -> None:
    """Press on `moving`'s handle, move the pointer in steps to the top edge of `onto`,
    release: real pointer events, as a mouse gives them."""
    handle = moving.locator(".drag-handle").bounding_box()
    target = onto.bounding_box()
    assert handle
    assert target
    page.mouse.move(handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2)
    page.mouse.down()
    page.mouse.move(handle["x"] + handle["width"] / 2, target["y"] + 4, steps=12)
    page.mouse.up()


def test_drag_a_task_to_the_top(looked_page: Page, api: Api) -> None:
    page = looked_page
    for title in ("Pack", "Book train", "Water plants"):
        api.add(title)
    page.goto("/")
    expect(titles(page)).to_have_text(["Pack", "Book train", "Water plants"])

    drag(page, item(page, "Water plants"), item(page, "Pack"))
    expect(titles(page)).to_have_text(["Water plants", "Pack", "Book train"])
    expect(page.get_by_role("status")).to_have_text("Moved “Water plants” to position 1 of 3.")
    expect(page.locator("#todo-list [aria-busy]")).to_have_count(0)
    assert stored_titles(api) == ["Water plants", "Pack", "Book train"]

    # Once the list has orders, one more move changes only the task moved.
    before = {todo["title"]: todo["order"] for todo in api.todos()}
    drag(page, item(page, "Book train"), item(page, "Pack"))
    expect(titles(page)).to_have_text(["Water plants", "Book train", "Pack"])
    expect(page.locator("#todo-list [aria-busy]")).to_have_count(0)
    after = {todo["title"]: todo["order"] for todo in api.todos()}
    assert stored_titles(api) == ["Water plants", "Book train", "Pack"]
    assert [title for title in after if after[title] != before[title]] == ["Book train"]


def touch_drag(page: Page, moving: Locator, onto: Locator) -> None:
    """The same with a finger: touch events through the browser's input pipeline."""
    handle = moving.locator(".drag-handle").bounding_box()
    target = onto.bounding_box()
    assert handle
    assert target
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for step in range(1, 11):
        point = {"x": x, "y": y + (target["y"] + 4 - y) * step / 10}
        cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [point]})
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def test_drag_with_a_finger_on_a_phone(open_page: OpenPage, api: Api) -> None:
    for title in ("Pack", "Book train", "Water plants"):
        api.add(title)
    page = open_page(viewport=PHONE, has_touch=True)
    page.goto("/")
    touch_drag(page, item(page, "Water plants"), item(page, "Book train"))
    expect(titles(page)).to_have_text(["Pack", "Water plants", "Book train"])
    expect(page.locator("#todo-list [aria-busy]")).to_have_count(0)
    assert stored_titles(api) == ["Pack", "Water plants", "Book train"]


def test_a_drag_released_in_place_changes_nothing(page: Page, api: Api) -> None:
    for title in ("One", "Two"):
        api.add(title)
    page.goto("/")
    drag(page, item(page, "One"), item(page, "One"))
    expect(titles(page)).to_have_text(["One", "Two"])
    assert [todo["order"] for todo in api.todos()] == [None, None]


def test_move_with_the_keyboard_is_announced(looked_page: Page, api: Api) -> None:
    page = looked_page
    for title in ("Email Sam", "Buy stamps", "File taxes"):
        api.add(title)
    page.goto("/")
    up = page.get_by_role("button", name="Move “File taxes” up")
    tab_to(page, up)
    page.keyboard.press("Enter")
    expect(titles(page)).to_have_text(["Email Sam", "File taxes", "Buy stamps"])
    expect(page.get_by_role("status")).to_have_text("Moved “File taxes” to position 2 of 3.")
    # Focus stays on the button, so it can be pressed again.
    expect(up).to_be_focused()
    page.keyboard.press("Enter")
    expect(titles(page)).to_have_text(["File taxes", "Email Sam", "Buy stamps"])
    expect(page.locator("#todo-list [aria-busy]")).to_have_count(0)
    assert stored_titles(api) == ["File taxes", "Email Sam", "Buy stamps"]

    page.keyboard.press("Space")
    expect(page.get_by_role("status")).to_have_text("“File taxes” is already first.")

    down = page.get_by_role("button", name="Move “Email Sam” down")
    down.focus()
    page.keyboard.press("Enter")
    expect(titles(page)).to_have_text(["File taxes", "Buy stamps", "Email Sam"])
    expect(down).to_be_focused()
    expect(page.locator("#todo-list [aria-busy]")).to_have_count(0)
    assert stored_titles(api) == ["File taxes", "Buy stamps", "Email Sam"]


def test_a_task_changed_elsewhere_is_not_overwritten(page: Page, api: Api) -> None:
    first = api.add("Draft agenda", order=10)
    second = api.add("Send agenda", order=20)
    page.goto("/")
    expect(titles(page)).to_have_text(["Draft agenda", "Send agenda"])
    # Another device moves and renames the task meanwhile.
    api.change(second["id"], title="Send the agenda", order=5)

    page.get_by_role("button", name="Move “Send agenda” up").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Could not save the new order: this task was changed somewhere else"
    )
    # The page shows what is stored, and stored what the other device sent.
    expect(titles(page)).to_have_text(["Send the agenda", "Draft agenda"])
    assert [(todo["id"], todo["order"]) for todo in api.todos()] == [
        (second["id"], 5),
        (first["id"], 10),
    ]
