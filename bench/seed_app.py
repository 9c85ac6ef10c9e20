"""The seed's stack: Flask and sqlite3 on the service's table, served by gunicorn threads.

One sqlite3 connection per thread (WAL), the same queries and JSON as the floor.
`BENCH_DATABASE_URL` names the SQLite file.

    gunicorn --workers 1 --threads 8 bench.seed_app:app
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import threading
from collections.abc import Sequence
from typing import Any

from flask import Flask, Response, request

from bench.floor import CREATE, GET, LIST, PATCH

app = Flask(__name__)
_local = threading.local()


def connection() -> sqlite3.Connection:
    found: sqlite3.Connection | None = getattr(_local, "connection", None)
    if found is None:
        path = os.environ["BENCH_DATABASE_URL"].removeprefix("sqlite:///")
        found = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        found.execute("PRAGMA journal_mode=WAL")
        found.execute("PRAGMA synchronous=normal")
        found.execute("PRAGMA busy_timeout=5000")
        _local.connection = found
    return found


def now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def todo(row: Sequence[Any]) -> dict[str, Any]:
    return {
        "id": row[0],
        "title": row[1],
        "category": row[2],
        "completed": bool(row[3]),
        "order": row[4],
        "created_at": f"{row[5].replace(' ', 'T')}Z",
        "updated_at": f"{row[6].replace(' ', 'T')}Z",
        "url": f"{request.host_url}api/todos/{row[0]}",
    }


def item(row: Sequence[Any] | None, status: int = 200) -> Response:
    if row is None:
        return Response(status=404)
    body = todo(row)
    headers = {"ETag": f'"v{row[7]}"'}
    if status == 201:
        headers["Location"] = body["url"]
    return Response(json.dumps(body), status, headers, mimetype="application/json")


@app.get("/api/todos")
def list_todos() -> Response:
    limit = int(request.args.get("limit", "100"))
    rows = connection().execute(LIST, (limit,)).fetchall()
    return Response(json.dumps([todo(row) for row in rows]), mimetype="application/json")


@app.post("/api/todos")
def create_todo() -> Response:
    fields = json.loads(request.get_data())
    moment = now()
    values = (fields["title"], fields.get("category"), fields.get("completed", False))
    return item(connection().execute(CREATE, (*values, moment, moment)).fetchone(), 201)


@app.get("/api/todos/<int:todo_id>")
def get_todo(todo_id: int) -> Response:
    return item(connection().execute(GET, (todo_id,)).fetchone())


@app.patch("/api/todos/<int:todo_id>")
def patch_todo(todo_id: int) -> Response:
    fields = json.loads(request.get_data())
    return item(connection().execute(PATCH, (fields["completed"], now(), todo_id)).fetchone())


@app.get("/health")
def health() -> Response:
    return Response('{"status":"ok"}', mimetype="application/json")
