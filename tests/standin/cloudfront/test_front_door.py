"""The local front door in its own real HAProxy, before the load balancer's: HTTPS with
the local authority's certificate, plain HTTP redirected, the WAF's rate rule refusing a
burst, the origin secret added on the way and required by the listener."""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
from pathlib import Path

import httpx
from standin.alb.haproxy import PRODUCTION, HAProxy
from standin.cloudfront.certificates import issue
from standin.cloudfront.distribution import DistributionSpec, Hsts
from standin.cloudfront.front_door import FrontDoor
from standin.ecs.spec import FixedResponse, HeaderCondition, ListenerSpec
from standin.waf.rate_rules import parse_rate_rules

from hostkit.ports import free_port
from hostkit.processes import ProcessRegistry
from tests.standin.alb.test_haproxy import TARGET_GROUP, Target
from tests.standin.waf.test_rate_rules import SIGN_IN_SCOPE, rate_rule, web_acl

SECRET = "origin-secret-0123456789"
LIMIT = 10
DISTRIBUTION = DistributionSpec(
    viewer_protocol_policy="redirect-to-https",
    origin_headers=(("X-Origin-Verify", SECRET),),
    origin_read_timeout=60,
    origin_load_balancer="LoadBalancer",
    hsts=Hsts(max_age=31536000, include_subdomains=True, preload=False, override=True),
    web_acl="WebAcl",
)
LISTENER = ListenerSpec(
    port=80,
    protocol="HTTP",
    forward_if=(HeaderCondition("X-Origin-Verify", (SECRET,)),),
    refusal=FixedResponse(403, "application/problem+json", '{"title":"Forbidden"}'),
)


def viewer(ca: Path, address: str) -> httpx.AsyncClient:
    """A client from its own loopback address, trusting the local authority by its file."""
    context = ssl.create_default_context(cafile=ca)
    transport = httpx.AsyncHTTPTransport(verify=context, local_address=address)
    return httpx.AsyncClient(transport=transport, timeout=10)


async def test_the_front_door_before_the_listener(state_dir: Path) -> None:
    target = Target()
    server = await asyncio.start_server(target.answer, "127.0.0.1", 0)
    target_port = server.sockets[0].getsockname()[1]
    rules, _ = parse_rate_rules(web_acl(rate_rule("SignIn", 0, LIMIT, SIGN_IN_SCOPE)), "WebAcl")
    listener_port = free_port()
    door = FrontDoor(
        distribution=DISTRIBUTION,
        rate_rules=rules,
        certificates=issue(state_dir / "front-door"),
        state_dir=state_dir / "front-door",
        https_port=free_port(),
        http_port=free_port(),
        origin_port=listener_port,
    )
    fast = dataclasses.replace(TARGET_GROUP, interval=1, healthy_threshold=1)
    processes = ProcessRegistry(state_dir / "processes")
    balancer = HAProxy(state_dir, {PRODUCTION: LISTENER}, {"TargetGroup": fast}, 60, processes)
    await balancer.start({PRODUCTION: listener_port})
    await door.start(processes)
    try:
        assert door.pid is not None
        assert sorted(processes.survivors()) == sorted([balancer.pid, door.pid])
        assert SECRET not in balancer.config_path.read_text() + door.config_path.read_text()
        await balancer.register("task-1", "127.0.0.1", target_port, "TargetGroup")
        for _ in range(100):
            if (await balancer.targets())["task-1"].alb_state == "healthy":
                break
            await asyncio.sleep(0.1)
        ca = door.certificates.ca
        async with viewer(ca, "127.0.0.2") as client:
            answer = await client.get(f"{door.url}/api/todos")
            plain = await client.get(f"{door.http_url}/api/todos?limit=1")
            direct = await client.get(f"http://127.0.0.1:{listener_port}/api/todos")
            forged = await client.get(
                f"http://127.0.0.1:{listener_port}/api/todos",
                headers={"X-Origin-Verify": "guess"},
            )
        assert answer.status_code == 200
        assert answer.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        forwarded = target.requests["GET /api/todos HTTP/1.1"]
        assert forwarded["x-origin-verify"] == SECRET
        assert forwarded["cloudfront-forwarded-proto"] == "https"
        assert forwarded["cloudfront-viewer-address"].startswith("127.0.0.2:")
        assert forwarded["x-forwarded-for"] == "127.0.0.2, 127.0.0.1"

        assert plain.status_code == 301
        assert plain.headers["location"] == f"{door.url}/api/todos?limit=1"
        assert "GET /api/todos?limit=1 HTTP/1.1" not in target.requests
        assert [direct.status_code, forged.status_code] == [403, 403]
        assert direct.json() == {"title": "Forbidden"}

        async with viewer(ca, "127.0.0.3") as burst, viewer(ca, "127.0.0.4") as other:
            answers = [
                await burst.post(f"{door.url}/api/session", json={}) for _ in range(LIMIT + 3)
            ]
            elsewhere = await other.post(f"{door.url}/api/session", json={})
            out_of_scope = await burst.get(f"{door.url}/api/session")
        codes = [a.status_code for a in answers]
        assert codes == [200] * LIMIT + [429] * 3
        refused = answers[-1]
        assert refused.headers["retry-after"] == "300"
        assert refused.headers["content-type"] == "application/json"
        assert refused.json()["status"] == 429
        assert refused.headers["strict-transport-security"].endswith("includeSubDomains")
        assert (elsewhere.status_code, out_of_scope.status_code) == (200, 200)
    finally:
        await door.stop(processes)
        await balancer.stop()
        server.close()
    assert processes.survivors() == []
