"""The server's HTTP protocol: a loop turn's writes go out as one, nothing held back or lost."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx

from testbed.live_server import live_server
from todo_async.serving.joined_writes import MAX_HELD_BYTES, JoinedWrites


class RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        assert not self.closed
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> str:
        return f"info {name}"


def joined() -> tuple[JoinedWrites, RecordingTransport]:
    transport = RecordingTransport()
    return JoinedWrites(transport, asyncio.get_running_loop()), transport  # type: ignore[arg-type]


async def test_the_writes_of_one_turn_go_out_as_one() -> None:
    writes, transport = joined()
    writes.write(b"head ")
    writes.write(b"body")
    assert transport.writes == []
    await asyncio.sleep(0)
    writes.write(b"next")
    await asyncio.sleep(0)
    assert transport.writes == [b"head body", b"next"]


async def test_a_close_sends_what_was_written_before_it() -> None:
    writes, transport = joined()
    writes.write(b"last")
    writes.close()
    assert transport.writes == [b"last"]
    assert transport.closed
    await asyncio.sleep(0)
    assert transport.writes == [b"last"]


async def test_a_large_write_is_not_held_back() -> None:
    writes, transport = joined()
    writes.write(b"head")
    writes.write(b"x" * MAX_HELD_BYTES)
    assert transport.writes == [b"head" + b"x" * MAX_HELD_BYTES]


async def test_nothing_is_written_to_a_closed_connection() -> None:
    writes, transport = joined()
    writes.write(b"late")
    transport.closed = True  # the peer went away
    await asyncio.sleep(0)
    assert transport.writes == []


async def test_the_rest_is_the_transports_own() -> None:
    writes, _ = joined()
    assert writes.get_extra_info("peername") == "info peername"


def read_responses(sock: socket.socket, count: int) -> list[bytes]:
    """`count` responses with Content-Length bodies, as read off the socket."""
    data = b""
    responses: list[bytes] = []
    while len(responses) < count:
        head_end = data.find(b"\r\n\r\n")
        if head_end >= 0:
            head = data[:head_end].lower()
            length = int(head.split(b"content-length: ")[1].split(b"\r\n")[0])
            end = head_end + 4 + length
            if len(data) >= end:
                responses.append(data[:end])
                data = data[end:]
                continue
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection early"
        data += chunk
    return responses


async def test_pipelined_requests_get_their_responses_in_order(tmp_path: Path) -> None:
    with live_server(f"sqlite:///{tmp_path / 'todo.db'}", tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            for n in (1, 2):
                await http.post("/api/todos", json={"title": f"todo {n}"})
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"GET /api/todos/1 HTTP/1.1\r\nHost: x\r\n\r\n"
                b"GET /api/todos/2 HTTP/1.1\r\nHost: x\r\n\r\n"
            )
            first, second = read_responses(sock, 2)
    assert b'"title":"todo 1"' in first
    assert b'"title":"todo 2"' in second


async def test_a_large_response_arrives_whole_before_a_close(tmp_path: Path) -> None:
    with live_server(f"sqlite:///{tmp_path / 'todo.db'}", tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.url) as http:
            for n in range(300):
                await http.post("/api/todos", json={"title": f"{n:03} " + "x" * 400})
        host, port = server.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"GET /api/todos?limit=300 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            )
            [response] = read_responses(sock, 1)
            assert sock.recv(1) == b""  # then the server closed the connection
    body = response.split(b"\r\n\r\n", 1)[1]
    assert len(body) > MAX_HELD_BYTES
    assert httpx.Response(200, content=body).json()[299]["title"].startswith("299 ")
