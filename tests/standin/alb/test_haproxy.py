from __future__ import annotations

import asyncio
import dataclasses
import re
import uuid
from pathlib import Path

import httpx
import pytest
from standin.alb.haproxy import (
    PRODUCTION,
    TEST,
    Frontend,
    HAProxy,
    TargetState,
    listener_environment,
    matcher_acl,
    render_config,
)
from standin.ecs.spec import FixedResponse, HeaderCondition, ListenerSpec

from hostkit.ports import free_port
from hostkit.processes import ProcessRegistry
from tests.standin.fakes import TARGET_GROUP as FAKE_TARGET_GROUP

TARGET_GROUP = dataclasses.replace(
    FAKE_TARGET_GROUP, interval=10, timeout=5, unhealthy_threshold=3, deregistration_delay=30
)


@pytest.mark.parametrize(
    ("matcher", "matches", "rejects"),
    [
        ("200", ["200"], ["201", "2000", "500"]),
        ("200,204", ["200", "204"], ["201"]),
        ("200-299", ["200", "250", "299"], ["300", "199"]),
    ],
)
def test_matcher(matcher: str, matches: list[str], rejects: list[str]) -> None:
    pattern = matcher_acl(matcher).removeprefix("rstatus ")
    assert all(re.search(pattern, code) for code in matches)
    assert not any(re.search(pattern, code) for code in rejects)


def config_for(tmp_path: Path, listener: ListenerSpec) -> str:
    return render_config(
        frontends=[Frontend(PRODUCTION, listener, 8080, tmp_path / "refusal.body")],
        target_groups={"TargetGroup": TARGET_GROUP},
        idle_timeout=60,
        admin_socket=tmp_path / "haproxy.sock",
        routes=tmp_path / "routes.map",
    )


def test_config_follows_listener_and_target_group(tmp_path: Path) -> None:
    config = config_for(tmp_path, ListenerSpec(port=80, protocol="HTTP"))
    assert "bind 127.0.0.1:8080" in config
    assert f"use_backend %[str(production),map({tmp_path / 'routes.map'})]" in config
    assert "backend TargetGroup" in config
    assert "http-check send meth GET uri /health " in config
    assert "http-check expect rstatus (^200$)" in config
    assert "timeout check 5s" in config
    assert "timeout client 60s" in config
    assert "X-Forwarded-Proto http" in config
    assert "balance roundrobin" in config


def test_a_listener_forwarding_by_a_header_rule_refuses_the_rest(tmp_path: Path) -> None:
    listener = ListenerSpec(
        port=80,
        protocol="HTTP",
        forward_if=(HeaderCondition("X-Origin-Verify", ("s3cret", "older")),),
        refusal=FixedResponse(403, "application/problem+json", "{}"),
    )
    config = config_for(tmp_path, listener)
    assert (
        'acl rule_0 req.hdr(X-Origin-Verify) -i -m str "${LISTENER_80_RULE_0_VALUE_0}" '
        '"${LISTENER_80_RULE_0_VALUE_1}"' in config
    )
    assert (
        'http-request return status 403 content-type "application/problem+json" '
        f"file {tmp_path / 'refusal.body'} unless rule_0" in config
    )
    assert "s3cret" not in config
    assert listener_environment(listener) == {
        "LISTENER_80_RULE_0_VALUE_0": "s3cret",
        "LISTENER_80_RULE_0_VALUE_1": "older",
    }
    assert "s3cret" not in repr(listener)


@pytest.mark.parametrize(
    ("status", "check", "state"),
    [
        ("DOWN", "INI", "initial"),
        ("DOWN 1/2", "L7OK", "initial"),
        ("UP", "L7OK", "healthy"),
        ("UP 2/3", "L7STS", "healthy"),
        ("DOWN", "L7STS", "unhealthy"),
        ("DOWN", "L4CON", "unhealthy"),
        ("DRAIN", "L7OK", "draining"),
        ("MAINT", "L7OK", "unused"),
    ],
)
def test_target_states_in_elb_words(status: str, check: str, state: str) -> None:
    assert TargetState("t", status, check, 0).alb_state == state


class Target:
    """A target that answers every request with 200 and keeps what it was sent: request
    line -> headers (names in lower case)."""

    def __init__(self) -> None:
        self.requests: dict[str, dict[str, str]] = {}

    async def answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line, *head = (await reader.readuntil(b"\r\n\r\n")).decode().split("\r\n")
        pairs = (header.split(": ", 1) for header in head if ": " in header)
        self.requests[line] = {name.lower(): value for name, value in pairs}
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
        await writer.drain()
        writer.close()


async def test_runtime_register_health_drain_deregister(state_dir: Path) -> None:
    """The real HAProxy: a target is `initial` until it passes `rise` checks, then takes
    traffic with the ALB's headers; drained, then gone; stopped by its PID."""
    target = Target()
    server = await asyncio.start_server(target.answer, "127.0.0.1", 0)
    target_port = server.sockets[0].getsockname()[1]
    fast = dataclasses.replace(TARGET_GROUP, interval=1, healthy_threshold=2)
    processes = ProcessRegistry(state_dir / "processes")
    balancer = HAProxy(
        state_dir, {PRODUCTION: ListenerSpec(80, "HTTP")}, {"TargetGroup": fast}, 60, processes
    )
    await balancer.start({PRODUCTION: free_port()})
    try:
        assert balancer.pid is not None
        assert processes.survivors() == [balancer.pid]
        await balancer.register("task-1", "127.0.0.1", target_port, "TargetGroup")
        assert (await balancer.targets())["task-1"].alb_state == "initial"
        for _ in range(100):
            if (await balancer.targets())["task-1"].alb_state == "healthy":
                break
            await asyncio.sleep(0.1)
        assert (await balancer.targets())["task-1"].alb_state == "healthy"
        async with httpx.AsyncClient() as client:
            response = await client.get(f"http://127.0.0.1:{balancer.port}/api/todos")
        assert response.status_code == 200
        assert "GET /health HTTP/1.1" in target.requests  # the target group's check
        forwarded = target.requests["GET /api/todos HTTP/1.1"]
        assert forwarded["x-forwarded-for"] == "127.0.0.1"
        assert forwarded["x-forwarded-proto"] == "http"
        await balancer.drain("task-1")
        assert (await balancer.targets())["task-1"].alb_state == "draining"
        await balancer.deregister("task-1")
        assert await balancer.targets() == {}
    finally:
        await balancer.stop()
        server.close()
    assert balancer.pid is None
    assert processes.survivors() == []


async def healthy(balancer: HAProxy, *names: str) -> None:
    for _ in range(100):
        targets = await balancer.targets()
        if all(targets[name].alb_state == "healthy" for name in names):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{names} not healthy")


async def test_rules_move_between_target_groups(state_dir: Path) -> None:
    """Blue/green's two target groups and two listeners: both rules start on the first
    group; the test rule, then production, moved to the second at run time, while the
    targets keep their health state."""
    blue, green = Target(), Target()
    servers = [await asyncio.start_server(t.answer, "127.0.0.1", 0) for t in (blue, green)]
    fast = dataclasses.replace(TARGET_GROUP, interval=1, healthy_threshold=2)
    balancer = HAProxy(
        state_dir,
        {PRODUCTION: ListenerSpec(80, "HTTP"), TEST: ListenerSpec(8080, "HTTP")},
        {"Blue": fast, "Green": fast},
        60,
        ProcessRegistry(state_dir / "processes"),
    )
    await balancer.start({PRODUCTION: free_port(), TEST: free_port()})

    async def who_answers(route: str) -> str:
        before = (len(blue.requests), len(green.requests))
        async with httpx.AsyncClient() as client:
            url = f"http://127.0.0.1:{balancer.ports[route]}/{route}/{uuid.uuid4().hex}"
            assert (await client.get(url)).status_code == 200
        return "blue" if len(blue.requests) > before[0] else "green"

    try:
        for name, group, server in (
            ("t-blue", "Blue", servers[0]),
            ("t-green", "Green", servers[1]),
        ):
            await balancer.register(name, "127.0.0.1", server.sockets[0].getsockname()[1], group)
        await healthy(balancer, "t-blue", "t-green")
        assert await balancer.routes() == {PRODUCTION: "Blue", TEST: "Blue"}
        assert (await who_answers(PRODUCTION), await who_answers(TEST)) == ("blue", "blue")
        await balancer.route(TEST, "Green")
        assert (await who_answers(PRODUCTION), await who_answers(TEST)) == ("blue", "green")
        await balancer.route(PRODUCTION, "Green")
        assert (await who_answers(PRODUCTION), await who_answers(TEST)) == ("green", "green")
        assert await balancer.routes() == {PRODUCTION: "Green", TEST: "Green"}
        targets = await balancer.targets()
        assert (targets["t-blue"].group, targets["t-green"].group) == ("Blue", "Green")
        assert targets["t-blue"].alb_state == "healthy"
        with pytest.raises(ValueError, match="no rule"):
            await balancer.route(PRODUCTION, "Purple")
    finally:
        await balancer.stop()
        for server in servers:
            server.close()
