from __future__ import annotations

import re
from pathlib import Path

import pytest
from standin.haproxy import TargetState, matcher_acl, render_config
from standin.spec import ListenerSpec, TargetGroupSpec

TARGET_GROUP = TargetGroupSpec(
    port=5000,
    protocol="HTTP",
    health_check_path="/health",
    health_check_port="traffic-port",
    health_check_protocol="HTTP",
    interval=10,
    timeout=5,
    healthy_threshold=2,
    unhealthy_threshold=3,
    matcher="200",
    deregistration_delay=30,
    slow_start=0,
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


def test_config_follows_listener_and_target_group(tmp_path: Path) -> None:
    config = render_config(
        listener=ListenerSpec(port=80, protocol="HTTP"),
        target_group=TARGET_GROUP,
        bind_port=8080,
        idle_timeout=60,
        admin_socket=tmp_path / "haproxy.sock",
    )
    assert "bind 127.0.0.1:8080" in config
    assert "http-check send meth GET uri /health " in config
    assert "http-check expect rstatus (^200$)" in config
    assert "timeout check 5s" in config
    assert "timeout client 60s" in config
    assert "X-Forwarded-Proto http" in config
    assert "balance roundrobin" in config


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
