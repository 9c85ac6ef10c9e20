"""Listing: order, filters and keyset pagination through Link headers."""

from __future__ import annotations

import re

import httpx

from tests.api.test_todos import create

NEXT = re.compile(r'<([^>]+)>; rel="next"')


def next_url(response: httpx.Response) -> str | None:
    match = NEXT.fullmatch(response.headers.get("link", ""))
    return match.group(1) if match else None


async def walk(client: httpx.AsyncClient, url: str) -> tuple[list[dict[str, object]], int]:
    """Every todo reachable from `url` by following rel=next, and how many pages it took."""
    todos: list[dict[str, object]] = []
    pages = 0
    next_page: str | None = url
    while next_page:
        response = await client.get(next_page)
        assert response.status_code == 200, response.text
        todos += response.json()
        pages += 1
        next_page = next_url(response)
    return todos, pages


async def test_empty_list(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/todos")
    assert response.status_code == 200
    assert response.json() == []
    assert "link" not in response.headers


async def test_ordered_by_order_then_creation(client: httpx.AsyncClient) -> None:
    plain_first = await create(client, title="no order, older")
    late = await create(client, title="order 10", order=10)
    early = await create(client, title="order -1", order=-1)
    plain_second = await create(client, title="no order, newer")
    tie = await create(client, title="order 10 again", order=10)

    titles = [t["title"] for t in (await client.get("/api/todos")).json()]

    assert titles == [
        early["title"],
        late["title"],
        tie["title"],
        plain_first["title"],
        plain_second["title"],
    ]


async def test_filters_by_completed_and_category(client: httpx.AsyncClient) -> None:
    await create(client, title="w1", category="work")
    await create(client, title="w2", category="work", completed=True)
    await create(client, title="h1", category="home", completed=True)
    await create(client, title="n1")

    async def titles(query: str) -> list[object]:
        return [t["title"] for t in (await client.get(f"/api/todos?{query}")).json()]

    assert await titles("completed=true") == ["w2", "h1"]
    assert await titles("completed=false") == ["w1", "n1"]
    assert await titles("category=work") == ["w1", "w2"]
    assert await titles("category=work&completed=false") == ["w1"]
    assert await titles("category=") == ["n1"]
    assert await titles("category=nothing") == []


async def test_pages_follow_link_until_the_end(client: httpx.AsyncClient) -> None:
    for n in range(7):
        await create(client, title=f"t{n}", order=n % 3)
    everything = (await client.get("/api/todos")).json()

    paged, pages = await walk(client, "/api/todos?limit=3")

    assert paged == everything
    assert pages == 3


async def test_exact_multiple_of_limit_has_no_empty_last_page(client: httpx.AsyncClient) -> None:
    for n in range(4):
        await create(client, title=f"t{n}")

    paged, pages = await walk(client, "/api/todos?limit=2")

    assert len(paged) == 4
    assert pages == 2


async def test_next_link_keeps_filters_and_limit(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await create(client, title=f"w{n}", category="work")
        await create(client, title=f"h{n}", category="home")

    first = await client.get("/api/todos?category=work&limit=2")
    link = next_url(first)

    assert link is not None
    assert link.startswith("http://testserver/api/todos?")
    assert "category=work" in link
    assert "limit=2" in link
    paged, _ = await walk(client, "/api/todos?category=work&limit=2")
    assert [t["title"] for t in paged] == ["w0", "w1", "w2"]


async def test_paging_is_stable_while_todos_are_added(client: httpx.AsyncClient) -> None:
    for n in range(4):
        await create(client, title=f"t{n}")
    first = await client.get("/api/todos?limit=2")

    await create(client, title="added first", order=-5)
    link = next_url(first)
    assert link is not None
    rest = (await client.get(link)).json()

    assert [t["title"] for t in first.json() + rest] == ["t0", "t1", "t2", "t3"]


async def test_limit_bounds(client: httpx.AsyncClient) -> None:
    for n in range(3):
        await create(client, title=f"t{n}")

    assert len((await client.get("/api/todos?limit=1")).json()) == 1
    assert (await client.get("/api/todos?limit=1000")).status_code == 200
    for bad in ("0", "1001", "-1", "ten", "1.5"):
        response = await client.get(f"/api/todos?limit={bad}")
        assert response.status_code == 422, bad
        assert response.json()["errors"][0]["field"] == "limit"


async def test_default_page_is_100(client: httpx.AsyncClient) -> None:
    for n in range(101):
        await create(client, title=f"t{n}")

    response = await client.get("/api/todos")

    assert len(response.json()) == 100
    assert next_url(response) is not None


async def test_pages_of_every_filter_cross_tied_and_missing_orders(
    client: httpx.AsyncClient,
) -> None:
    # Pages end inside groups of equal `order`, between groups and among todos without one.
    for n in range(24):
        order = None if n % 4 == 3 else [5, -2, 5][n % 3]
        await create(
            client, title=f"t{n}", order=order, category=["a", "b"][n % 2], completed=n % 5 == 0
        )
    everything = (await client.get("/api/todos")).json()

    def expected(todo: dict[str, object], query: str) -> bool:
        wanted = dict(part.split("=") for part in query.split("&") if part)
        return all(
            str(todo[key]).lower() == value for key, value in wanted.items() if key != "limit"
        )

    for query in ("", "completed=false", "category=b", "category=a&completed=false"):
        for limit in (1, 2, 3):
            paged, _ = await walk(client, f"/api/todos?limit={limit}&{query}")
            assert paged == [todo for todo in everything if expected(todo, query)], (query, limit)
