"""The page when the service cannot store a change for a moment (a 507 from a full disk
under its SQLite file): it says so, keeps what was typed, and sends it again after the
Retry-After the service named, until it is stored."""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Request, expect

from testbed.live_server import LiveServer, live_server
from testbed.tmpfs import Tmpfs, mounted_tmpfs
from tests.web.conftest import SERVER_ENV, Api, OpenPage

RETRY_AFTER_S = 1
BUSY = "The service is busy or down for a moment; your change is kept, retrying…"


@pytest.fixture
def disk(tmp_path: Path) -> Iterator[Tmpfs]:
    with mounted_tmpfs(tmp_path / "disk", "2m") as mounted:
        yield mounted


@pytest.fixture
def busy_server(disk: Tmpfs, tmp_path: Path) -> Iterator[LiveServer]:
    env = {**SERVER_ENV, "RETRY_AFTER": str(RETRY_AFTER_S)}
    with live_server(f"sqlite:///{disk.path / 'todo.db'}", tmp_path, env=env) as running:
        yield running


def fill_until_refused(disk: Tmpfs, api: Api) -> None:
    """Fill the disk, then write until the service refuses every write for a second: until
    then a checkpoint may still make room in the WAL now and then."""
    disk.fill()
    refused_since = None
    for n in range(5000):
        status, _, _ = api.call("POST", "/api/todos", {"title": f"filler {n}"})
        assert status in (201, 507)
        if status == 201:
            refused_since = None
            continue
        refused_since = refused_since or time.monotonic()
        if time.monotonic() - refused_since >= 1.0:
            return
        time.sleep(0.02)
    raise AssertionError("the service still stores todos now and then on a full disk")


def test_a_change_refused_for_a_full_disk_is_kept_and_sent_again_until_stored(
    open_page: OpenPage, busy_server: LiveServer, disk: Tmpfs
) -> None:
    api = Api(busy_server.url)
    page = open_page(base_url=busy_server.url)
    page.goto("/")
    expect(page.locator("#empty")).to_have_text("Nothing to do yet. Add a task above.")
    fill_until_refused(disk, api)
    sent: list[float] = []

    def count_creates(request: Request) -> None:
        if request.method == "POST" and request.url.endswith("/api/todos"):
            sent.append(time.monotonic())

    page.on("request", count_creates)

    title = page.get_by_role("textbox", name="New task")
    title.fill("Call the plumber")
    title.press("Enter")
    expect(page.get_by_role("alert")).to_contain_text(BUSY)
    expect(title).to_have_value("Call the plumber")
    # It tries again by itself, each time after the Retry-After the service named.
    deadline = time.monotonic() + 10
    while len(sent) < 3 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert len(sent) >= 3, sent
    gaps = [later - earlier for earlier, later in itertools.pairwise(sent)]
    print(f"\nretries {len(sent) - 1}, gaps {[round(gap, 2) for gap in gaps]} s")
    assert min(gaps) >= RETRY_AFTER_S - 0.1
    expect(page.get_by_role("alert")).to_contain_text(BUSY)
    expect(title).to_have_value("Call the plumber")

    disk.grow("16m")
    expect(page.locator("#todo-list .title").filter(has_text="Call the plumber")).to_have_count(1)
    expect(page.get_by_role("alert")).to_be_hidden()
    expect(title).to_have_value("")
    stored = [todo["title"] for todo in api.todos() if not todo["title"].startswith("filler")]
    assert stored == ["Call the plumber"]


def test_a_move_refused_for_a_full_disk_is_kept_and_saved_once_there_is_room(
    open_page: OpenPage, busy_server: LiveServer, disk: Tmpfs
) -> None:
    api = Api(busy_server.url)
    for title in ("Pack", "Book train"):
        api.add(title, category="Trip")
    fill_until_refused(disk, api)
    page = open_page(base_url=busy_server.url)
    page.goto("/?category=Trip")
    titles = page.locator("#todo-list .title")
    expect(titles).to_have_text(["Pack", "Book train"])

    page.get_by_role("button", name="Move “Book train” up").click()
    expect(page.get_by_role("alert")).to_contain_text(BUSY)
    expect(titles).to_have_text(["Book train", "Pack"])

    disk.grow("16m")
    expect(page.get_by_role("alert")).to_be_hidden()
    trip = [todo["title"] for todo in api.todos() if todo["category"] == "Trip"]
    assert trip == ["Book train", "Pack"]
    expect(titles).to_have_text(["Book train", "Pack"])
