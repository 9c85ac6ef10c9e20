"""The real HAProxy's log and target health, published as ALB metrics: requests a target
answered, a 5xx it answered, a 503 the load balancer gave with no target."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path
from typing import Any

import httpx
from standin.alb.haproxy import PRODUCTION, HAProxy
from standin.cloudwatch.alb_metrics import AlbDimensions
from standin.cloudwatch.metric_store import MetricStore, metric_key
from standin.cloudwatch.publisher import MetricPublisher
from standin.ecs.spec import ListenerSpec

from hostkit.ports import free_port
from hostkit.processes import ProcessRegistry
from tests.standin.alb.test_haproxy import TARGET_GROUP

DIMS = AlbDimensions(
    "app/todo/0123456789abcdef", {"TargetGroup": "targetgroup/todo/fedcba9876543210"}
)


class CloudWatch:
    def __init__(self) -> None:
        self.puts: list[dict[str, Any]] = []

    def put_metric_data(self, **request: Any) -> None:
        self.puts.append(request)


async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    request = await reader.readuntil(b"\r\n\r\n")
    status = b"500 Internal Server Error" if b"GET /fail " in request else b"200 OK"
    writer.write(b"HTTP/1.1 " + status + b"\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    await writer.drain()
    writer.close()


async def test_haproxy_traffic_published_as_alb_metrics(state_dir: Path) -> None:
    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    fast = dataclasses.replace(TARGET_GROUP, interval=1, healthy_threshold=2)
    balancer = HAProxy(
        state_dir,
        {PRODUCTION: ListenerSpec(80, "HTTP")},
        {"TargetGroup": fast},
        60,
        ProcessRegistry(state_dir / "p"),
    )
    await balancer.start({PRODUCTION: free_port()})
    cloudwatch, store = CloudWatch(), MetricStore()
    publisher = MetricPublisher(
        cloudwatch, access_log=balancer.log_path, dimensions=DIMS, store=store
    )
    try:
        port = server.sockets[0].getsockname()[1]
        await balancer.register("task-1", "127.0.0.1", port, "TargetGroup")
        for _ in range(100):
            if (await balancer.targets())["task-1"].alb_state == "healthy":
                break
            await asyncio.sleep(0.1)
        publisher.observe_hosts("TargetGroup", 1, 0)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{balancer.port}") as client:
            statuses = [(await client.get(path)).status_code for path in ("/", "/", "/fail")]
            await balancer.deregister("task-1")
            statuses.append((await client.get("/")).status_code)
        assert statuses == [200, 200, 500, 503]
        for _ in range(50):  # HAProxy writes each log line after the response
            if len(publisher.tail.path.read_text().splitlines()) >= 4:
                break
            await asyncio.sleep(0.1)
        assert await publisher.publish() > 0
    finally:
        await balancer.stop()
        server.close()

    [put] = cloudwatch.puts
    assert put["Namespace"] == "AWS/ApplicationELB"
    data = {(d["MetricName"], len(d["Dimensions"])): d for d in put["MetricData"]}
    assert data["RequestCount", 1]["Value"] == 4
    assert data["HTTPCode_Target_5XX_Count", 2]["Value"] == 1
    assert data["HTTPCode_ELB_5XX_Count", 1]["Value"] == 1
    assert sum(data["TargetResponseTime", 2]["Counts"]) == 3
    assert data["HealthyHostCount", 2]["StatisticValues"]["Maximum"] == 1
    stored = store.samples(
        metric_key("AWS/ApplicationELB", "TargetResponseTime", DIMS.group("TargetGroup")), 0, 1e10
    )
    assert sum(s.count for s in stored) == 3
