"""Reading imported files: what each format yields, and the first bad line of each kind."""

from __future__ import annotations

import datetime as dt

import pytest

from todo_async.imports import BadLine, read_file

TODO_TXT = (
    "x 2026-03-02 2026-03-01 Water the plants +home\n"
    "(A) 2026-03-01 Call mom +family +phone @evening due:2026-03-29\n"
    "\n"
    "Plain task\n"
)


def test_todo_txt_fields() -> None:
    todos = [todo.fields for todo in read_file("text/plain", TODO_TXT.encode())]

    assert todos == [
        {
            "title": "Water the plants",
            "category": "home",
            "completed": True,
            "order": None,
            "due": None,
        },
        {
            "title": "Call mom +phone @evening",
            "category": "family",
            "completed": False,
            "order": 1,
            "due": dt.date(2026, 3, 29),
        },
        {"title": "Plain task", "category": None, "completed": False, "order": None, "due": None},
    ]


def test_csv_reads_its_columns_and_leaves_the_exports_own_out() -> None:
    text = (
        "id,title,category,completed,order,due,created_at,updated_at\n"
        '7,"Buy milk, oat",home,true,-3,2026-03-29,2026-01-01T00:00:00Z,x\n'
    )

    [todo] = read_file("text/csv", text.encode())

    assert todo.fields["title"] == "Buy milk, oat"
    assert (todo.fields["completed"], todo.fields["order"]) == (True, -3)


def test_equal_lines_are_two_todos_with_their_own_digests_the_same_each_time() -> None:
    first = read_file("text/plain", b"same\nsame\n")
    second = read_file("text/plain", b"other\nsame\nsame\n")

    assert first[0].digest != first[1].digest
    assert [todo.digest for todo in second[1:]] == [todo.digest for todo in first]


@pytest.mark.parametrize(
    ("media_type", "body", "where", "reason"),
    [
        ("text/plain", b"ok\n\xff\xfe broken\n", {"line": 2}, "not UTF-8"),
        ("text/plain", b"ok\n(B) 2026-02-30 no such day\n", {"line": 2}, "not a calendar date"),
        ("text/plain", b"ok\nx 2026-03-01 +home\n", {"line": 2}, "no title"),
        ("text/plain", b"ok\nok\nCall due:tomorrow\n", {"line": 3}, "due"),
        ("text/plain", b"ok\n" + b"x" * 501 + b"\n", {"line": 2}, "title"),
        ("text/plain", b"ok\nbell \x07 rings\n", {"line": 2}, "title"),
        ("text/csv", b"name\nx\n", {"line": 1}, "no title column"),
        ("text/csv", b"title,colour\nx,red\n", {"line": 1}, "unknown column 'colour'"),
        ("text/csv", b"title\nok\nx,extra\n", {"line": 3}, "more fields"),
        ("text/csv", b"title,completed\nok,false\nx,yes\n", {"line": 3}, "neither true nor false"),
        ("text/csv", b"title,order\nok,1\nx,first\n", {"line": 3}, "order"),
        ("text/csv", b"title,due\nok,\nx,29/03/2026\n", {"line": 3}, "due"),
        ("text/csv", b'title\nok\n"unclosed\n', {"line": 3}, "not CSV"),
        ("text/csv", b'title\n""\n', {"line": 2}, "title"),
        ("application/json", b'[{"title": "a"},\n {"title": }]', {"line": 2}, "not JSON"),
        ("application/json", b'{"title": "a"}', {"line": 1}, "not a JSON array"),
        ("application/json", b'[{"title": "a"}, "b"]', {"item": 1}, "not a JSON object"),
        (
            "application/json",
            b'[{"title": "a"}, {"title": "b", "colour": 1}]',
            {"item": 1},
            "colour",
        ),
        ("application/json", b'[{"title": "a", "due": "2026-3-29"}]', {"item": 0}, "due"),
        ("application/json", b'[{"title": "a", "completed": "true"}]', {"item": 0}, "completed"),
    ],
)
def test_the_first_bad_line_is_named_with_its_reason(
    media_type: str, body: bytes, where: dict[str, int], reason: str
) -> None:
    with pytest.raises(BadLine) as raised:
        read_file(media_type, body)

    assert raised.value.where == where
    assert reason in raised.value.reason
