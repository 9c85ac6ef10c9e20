"""Due dates on the page (static/dates.js): the date field on add and edit, from the
keyboard; the Today, Overdue and Upcoming views, bookmarkable and asked for in the
browser's time zone; overdue said in words and with an icon, not by colour alone."""

from __future__ import annotations

import datetime
from typing import Literal
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import ARTIFACTS, LOOKS, Api, OpenPage
from tests.web.test_page import item, new_title, tab_to, titles

# Fourteen hours ahead of UTC: its "today" is not UTC's for most of the UTC day.
FAR_EAST = "Pacific/Kiritimati"


def today_in(zone: str) -> datetime.date:
    return datetime.datetime.now(ZoneInfo(zone)).date()


def stored_due(api: Api) -> dict[str, str | None]:
    return {todo["title"]: todo["due"] for todo in api.todos()}


def test_add_with_a_due_date_typed_from_the_keyboard(looked_page: Page, api: Api) -> None:
    page = looked_page
    page.goto("/")
    new_title(page).fill("Book flights")
    due = page.get_by_label("Due date")
    tab_to(page, due)
    # A native date field: digits move through month, day and year (en-US, Chromium's).
    page.keyboard.type("03152031")
    expect(due).to_have_value("2031-03-15")
    page.keyboard.press("Enter")
    expect(titles(page)).to_have_text(["Book flights"])
    expect(item(page, "Book flights").locator(".due")).to_have_text("Due Sat, Mar 15, 2031")
    expect(due).to_have_value("")
    assert stored_due(api) == {"Book flights": "2031-03-15"}


def test_edit_changes_and_clears_the_due_date(looked_page: Page, api: Api) -> None:
    page = looked_page
    api.add("Pay the rent", due="2031-05-01")
    page.goto("/")
    page.get_by_role("button", name="Edit “Pay the rent”").click()
    editor = page.locator(".edit-form").get_by_label("Due date")
    expect(editor).to_have_value("2031-05-01")
    editor.fill("2031-06-01")
    editor.press("Enter")
    expect(item(page, "Pay the rent").locator(".due")).to_have_text("Due Sun, Jun 1, 2031")
    assert stored_due(api) == {"Pay the rent": "2031-06-01"}

    page.get_by_role("button", name="Edit “Pay the rent”").click()
    editor.fill("")
    editor.press("Enter")
    # The date is hidden while the editor is open too: wait for the save to close it.
    expect(page.locator(".edit-form")).to_have_count(0)
    expect(item(page, "Pay the rent").locator(".due")).to_be_hidden()
    assert stored_due(api) == {"Pay the rent": None}


@pytest.mark.parametrize("look", LOOKS)
def test_views_in_the_browsers_time_zone(
    look: tuple[dict[str, int], Literal["light", "dark"]], open_page: OpenPage, api: Api
) -> None:
    today = today_in(FAR_EAST)
    day = datetime.timedelta(days=1)
    api.add("Late already", due=(today - day).isoformat())
    done = api.add("Late but done", due=(today - day).isoformat())
    api.change(done["id"], completed=True)
    api.add("For today", due=today.isoformat())
    api.add("Next week", due=(today + 7 * day).isoformat())
    api.add("Someday")
    viewport, scheme = look
    page = open_page(viewport=viewport, color_scheme=scheme, timezone_id=FAR_EAST)
    page.goto("/")
    expect(titles(page)).to_have_count(5)

    with page.expect_request("**/api/todos?*") as listed:
        page.get_by_role("link", name="Today").click()
    query = parse_qs(urlsplit(listed.value.url).query)
    assert query["due"] == ["today"]
    assert query["tz"] == [FAR_EAST]
    expect(titles(page)).to_have_text(["For today"])
    expect(item(page, "For today").locator(".due")).to_have_text("Due today")
    expect(page.get_by_role("link", name="Today")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("link", name="All")).not_to_have_attribute("aria-current", "page")
    expect(page).to_have_url("/?due=today")

    page.get_by_role("link", name="Overdue").click()
    expect(titles(page)).to_have_text(["Late already"])
    page.get_by_role("link", name="Upcoming").click()
    expect(titles(page)).to_have_text(["Next week"])
    # Views in date order have no move controls.
    expect(page.get_by_role("button", name="Move “Next week” up")).to_be_hidden()

    # Bookmarkable: the address alone opens the view; Back returns to the one before.
    page.reload()
    expect(titles(page)).to_have_text(["Next week"])
    page.go_back()
    expect(titles(page)).to_have_text(["Late already"])
    page.get_by_role("link", name="Active").click()
    expect(page).to_have_url("/?status=active")
    expect(titles(page)).to_have_text(["Late already", "For today", "Next week", "Someday"])
    page.screenshot(path=ARTIFACTS / f"due-views-{viewport['width']}-{scheme}.png")


def test_a_task_added_in_a_view_it_does_not_belong_to(page: Page, api: Api) -> None:
    page.goto("/?due=today")
    expect(page.locator("#empty")).to_have_text("Nothing due today.")
    new_title(page).fill("No date")
    new_title(page).press("Enter")
    expect(page.get_by_role("status")).to_have_text("Added “No date”; the current filter hides it.")
    new_title(page).fill("Due today")
    page.get_by_label("Due date").fill(datetime.date.today().isoformat())
    new_title(page).press("Enter")
    expect(titles(page)).to_have_text(["Due today"])


def test_overdue_is_said_in_words_and_with_an_icon(looked_page: Page, api: Api) -> None:
    page = looked_page
    api.add("Renew the passport", due="2020-01-31")
    done = api.add("Old and done", due="2020-01-31")
    api.change(done["id"], completed=True)
    page.goto("/")
    late = item(page, "Renew the passport")
    expect(late).to_have_class("todo overdue")
    expect(late.locator(".due")).to_have_text("⚠Overdue: due Fri, Jan 31, 2020")
    expect(late.locator(".overdue-icon")).to_have_attribute("aria-hidden", "true")
    # The checkbox's row reads "Overdue" to a screen reader as to anyone else.
    expect(late).to_contain_text("Overdue")
    # Done is never overdue.
    expect(item(page, "Old and done")).to_have_class("todo completed")
    expect(item(page, "Old and done").locator(".due")).to_have_text("Due Fri, Jan 31, 2020")
    # Ticking it done takes the mark away.
    page.get_by_role("checkbox", name="Renew the passport").check()
    expect(late).to_have_class("todo completed")
