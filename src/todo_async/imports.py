"""Reading an imported file (JSON, CSV or todo.txt) into todos, all or nothing.

Each todo is validated as POST /api/todos validates one; the first that fails names its
line (its item, in JSON) and why. Each gets a digest of its content and of how many
equal todos came before it in the file: importing the file again finds every digest
already stored and adds nothing, while two equal lines in one file stay two todos.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from todo_async.problems import Problem
from todo_async.schemas import TodoCreate

# What an export carries beside the fields a todo is created with: read and left out.
EXPORT_ONLY = frozenset({"id", "url", "created_at", "updated_at"})
CSV_COLUMNS = frozenset(TodoCreate.model_fields) | EXPORT_ONLY
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_PRIORITY = re.compile(r"\(([A-Z])\)")


@dataclass(frozen=True)
class Imported:
    fields: dict[str, Any]
    digest: bytes


class BadLine(Exception):
    """The first line (or JSON item) that cannot be imported, and why."""

    def __init__(self, where: dict[str, int | str], reason: str) -> None:
        super().__init__(reason)
        self.where = where
        self.reason = reason

    def problem(self) -> Problem:
        place = ", ".join(f"{name} {value}" for name, value in self.where.items())
        return Problem(422, f"Nothing imported: {place}: {self.reason}", extensions=self.where)


def read_file(media_type: str, body: bytes) -> list[Imported]:
    """The todos in the file, in file order; raises BadLine at the first bad one."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = body[: error.start].count(b"\n") + 1
        raise BadLine({"line": line}, "not UTF-8") from None
    parse = PARSERS[media_type]
    counts: Counter[str] = Counter()
    todos = []
    for where, fields in parse(text):
        todo = _validated(where, fields)
        canonical = json.dumps(todo, sort_keys=True, default=str)
        counts[canonical] += 1
        digest = hashlib.sha256(f"{canonical}\n{counts[canonical]}".encode()).digest()
        todos.append(Imported(todo, digest))
    return todos


def _validated(where: dict[str, int | str], fields: dict[str, Any]) -> dict[str, Any]:
    try:
        return TodoCreate.model_validate_json(json.dumps(fields, default=str)).model_dump()
    except ValidationError as error:
        first = error.errors(include_url=False, include_input=False)[0]
        field = ".".join(str(part) for part in first["loc"]) or "todo"
        raise BadLine(where, f"{field}: {first['msg']}") from None


Parsed = Iterator[tuple[dict[str, int | str], dict[str, Any]]]


def _json_todos(text: str) -> Parsed:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise BadLine({"line": error.lineno}, f"not JSON ({error.msg})") from None
    if not isinstance(document, list):
        raise BadLine({"line": 1}, "not a JSON array of todos (as GET /api/todos/export gives)")
    for n, item in enumerate(document):
        if not isinstance(item, dict):
            raise BadLine({"item": n}, "not a JSON object")
        yield {"item": n}, {name: value for name, value in item.items() if name not in EXPORT_ONLY}


def _csv_todos(text: str) -> Parsed:
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    # Where the record being read starts: a quoted field may span lines.
    start = 1
    try:
        header = reader.fieldnames
        if not header or "title" not in header:
            raise BadLine({"line": 1}, "the header row names no title column")
        unknown = [name for name in header if name not in CSV_COLUMNS]
        if unknown:
            raise BadLine({"line": 1}, f"unknown column {unknown[0]!r}")
        start = reader.line_num + 1
        for record in reader:
            where: dict[str, int | str] = {"line": start}
            if None in record:
                raise BadLine(where, "more fields than the header names")
            yield where, _csv_fields(where, record)
            start = reader.line_num + 1
    except csv.Error as error:
        raise BadLine({"line": start}, f"not CSV ({error})") from None


def _csv_fields(where: dict[str, int | str], record: dict[str, str]) -> dict[str, Any]:
    fields: dict[str, Any] = {"title": record["title"]}
    for name in ("category", "due", "order"):
        value = record.get(name)
        if value:
            fields[name] = int(value) if name == "order" and value.lstrip("-").isdigit() else value
    completed = (record.get("completed") or "false").strip().lower()
    if completed not in ("true", "false"):
        raise BadLine(where, f"completed: {completed!r} is neither true nor false")
    fields["completed"] = completed == "true"
    return fields


def _todo_txt_todos(text: str) -> Parsed:
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            yield {"line": number}, _todo_txt_fields({"line": number}, line.strip())


def _todo_txt_fields(where: dict[str, int | str], line: str) -> dict[str, Any]:
    """todo.txt's rules: `x ` and an optional completion date for done, `(A) ` for the
    priority (its place in the alphabet becomes `order`), an optional creation date,
    then the text: its first `+project` is the category, `due:YYYY-MM-DD` the due date
    (dates other than that are read, checked and not kept)."""
    words = line.split()
    fields: dict[str, Any] = {"completed": words[0] == "x"}
    if fields["completed"]:
        words.pop(0)
        words = _drop_dates(where, words, most=2)
    elif words and _PRIORITY.fullmatch(words[0]):
        fields["order"] = ord(words.pop(0)[1]) - ord("A") + 1
        words = _drop_dates(where, words, most=1)
    else:
        words = _drop_dates(where, words, most=1)
    title = []
    for word in words:
        if word.startswith("+") and len(word) > 1 and "category" not in fields:
            fields["category"] = word[1:]
        elif word.startswith("due:"):
            fields["due"] = word[4:]
        elif word.startswith("pri:") and _PRIORITY.fullmatch(f"({word[4:]})"):
            fields["order"] = ord(word[4]) - ord("A") + 1
        else:
            title.append(word)
    if not title:
        raise BadLine(where, "no title: the line holds only dates, a project or tags")
    fields["title"] = " ".join(title)
    return fields


def _drop_dates(where: dict[str, int | str], words: list[str], most: int) -> list[str]:
    while most and words and _DATE.fullmatch(words[0]):
        try:
            dt.date.fromisoformat(words[0])
        except ValueError:
            raise BadLine(where, f"{words[0]!r} is not a calendar date") from None
        words = words[1:]
        most -= 1
    return words


PARSERS: dict[str, Callable[[str], Parsed]] = {
    "application/json": _json_todos,
    "text/csv": _csv_todos,
    "text/plain": _todo_txt_todos,
}
