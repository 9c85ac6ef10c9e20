"""Due dates: stored on create and patch, the due views and bounds, sort=due, pages of each."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.api.test_listing import walk
from tests.api.test_todos import create

# Both sides of the date line: at any moment their dates differ by one or two days.
EARLIEST = "Pacific/Kiritimati"
LATEST = "Pacific/Pago_Pago"


def today(zone: str = "UTC") -> dt.date:
    return dt.datetime.now(ZoneInfo(zone)).date()


def days(n: int, zone: str = "UTC") -> str:
    return (today(zone) + dt.timedelta(days=n)).isoformat()


async def titles(client: httpx.AsyncClient, query: str) -> list[object]:
    response = await client.get(f"/api/todos?{query}")
    assert response.status_code == 200, response.text
    return [todo["title"] for todo in response.json()]


async def test_due_is_stored_changed_and_cleared(client: httpx.AsyncClient) -> None:
    created = await create(client, title="Pay rent", due="2026-03-29")
    url = f"/api/todos/{created['id']}"

    moved = await client.patch(url, json={"due": "2026-04-01"})
    renamed = await client.patch(url, json={"title": "Pay the rent"})
    cleared = await client.patch(url, json={"due": None})

    assert created["due"] == "2026-03-29"
    assert moved.json()["due"] == "2026-04-01"
    assert renamed.json()["due"] == "2026-04-01"
    assert cleared.json()["due"] is None
    assert (await client.get(url)).json()["due"] is None
    assert (await create(client, title="Someday"))["due"] is None


@pytest.mark.parametrize(
    "due",
    ["2026-02-30", "2026-3-29", "2026-03-29T00:00:00", "29/03/2026", "0000-01-01", 20260329, ""],
)
async def test_a_due_that_is_not_a_calendar_date_is_refused(
    client: httpx.AsyncClient, due: object
) -> None:
    response = await client.post("/api/todos", json={"title": "x", "due": due})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert [error["field"] for error in response.json()["errors"]] == ["due"]


async def test_the_views_split_the_list_by_today(client: httpx.AsyncClient) -> None:
    await create(client, title="late", due=days(-1))
    await create(client, title="late but done", due=days(-3), completed=True)
    await create(client, title="now", due=days(0))
    await create(client, title="soon", due=days(1))
    await create(client, title="whenever")

    assert await titles(client, "due=today") == ["now"]
    assert await titles(client, "due=overdue") == ["late"]
    assert await titles(client, "due=upcoming") == ["soon"]
    assert await titles(client, "due=none") == ["whenever"]
    assert await titles(client, "due=overdue&completed=false") == ["late"]


async def test_today_is_the_clients_date(client: httpx.AsyncClient) -> None:
    await create(client, title="on the earliest date", due=today(EARLIEST).isoformat())

    assert await titles(client, f"due=today&tz={EARLIEST}") == ["on the earliest date"]
    assert await titles(client, f"due=upcoming&tz={LATEST}") == ["on the earliest date"]
    assert await titles(client, f"due=today&tz={LATEST}") == []


async def test_an_unknown_time_zone_is_a_400(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/todos?due=today&tz=Mars/Olympus_Mons")

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["errors"][0]["field"] == "tz"


@pytest.mark.parametrize(
    "query",
    [
        "due=yesterday",
        "due_before=2026-13-01",
        "due_after=2026-02-30",
        "due_before=1774742400",
        "due_after=2026-03-29T00:00:00",
        "tz=../../etc/passwd",
        "sort=title",
    ],
)
async def test_malformed_due_queries_are_422(client: httpx.AsyncClient, query: str) -> None:
    response = await client.get(f"/api/todos?{query}")

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"


async def test_bounds_are_exclusive_and_combine(client: httpx.AsyncClient) -> None:
    for day in ("2026-03-28", "2026-03-29", "2026-03-30", "2026-03-31"):
        await create(client, title=day, due=day)
    await create(client, title="none")

    assert await titles(client, "due_before=2026-03-29") == ["2026-03-28"]
    assert await titles(client, "due_after=2026-03-30") == ["2026-03-31"]
    assert await titles(client, "due_after=2026-03-28&due_before=2026-03-31") == [
        "2026-03-29",
        "2026-03-30",
    ]


async def test_sort_due_puts_dates_first_then_list_order(client: httpx.AsyncClient) -> None:
    await create(client, title="no date, ordered", order=1)
    await create(client, title="late", due="2026-05-01")
    await create(client, title="early, second in order", due="2026-01-01", order=2)
    await create(client, title="early, first in order", due="2026-01-01", order=1)
    await create(client, title="no date")

    everything, _ = await walk(client, "/api/todos?sort=due")
    paged, pages = await walk(client, "/api/todos?sort=due&limit=1")

    expected = [
        "early, first in order",
        "early, second in order",
        "late",
        "no date, ordered",
        "no date",
    ]
    assert [todo["title"] for todo in everything] == expected
    assert [todo["title"] for todo in paged] == expected
    assert pages == 5


@pytest.mark.parametrize(
    "query",
    ["due=none", "due=today", "due=upcoming&category=work", "due_after=2026-01-01&sort=due"],
)
async def test_every_view_pages_through_all_it_holds(client: httpx.AsyncClient, query: str) -> None:
    for n in range(7):
        due = None if n % 3 == 0 else days(n % 3 - 1)
        await create(client, title=f"t{n}", due=due, category="work" if n % 2 else None)

    whole, _ = await walk(client, f"/api/todos?{query}")
    paged, pages = await walk(client, f"/api/todos?{query}&limit=1")

    assert whole
    assert paged == whole
    assert pages == len(whole)


async def test_overdue_and_completed_hold_nothing(client: httpx.AsyncClient) -> None:
    await create(client, title="late but done", due=days(-1), completed=True)

    assert await titles(client, "due=overdue&completed=true") == []
    assert await titles(client, "due_before=" + days(0) + "&completed=true") == ["late but done"]


async def test_a_cursor_of_the_other_order_reads_as_its_position(
    client: httpx.AsyncClient,
) -> None:
    for n in range(3):
        await create(client, title=f"t{n}", due="2026-03-29")
    by_due = await client.get("/api/todos?sort=due&limit=1")
    due_cursor = by_due.links["next"]["url"].split("cursor=")[1]

    assert await titles(client, f"cursor={due_cursor}") == ["t1", "t2"]
