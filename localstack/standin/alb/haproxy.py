"""The load balancer stand-in: HAProxy configured from the listeners and the target groups,
its targets and which target group each listener rule forwards to changed at run time
through HAProxy's admin socket.

Runtime API rather than reloads: registering, draining and removing one target, or moving a
rule to another target group, never touches the others' connections or health-check state,
and needs no second process generation. Targets are HAProxy dynamic servers (`add server`);
a deregistered one is put in maintenance with its sessions shut, and left there rather than
deleted: HAProxy 2.6 (Debian 12's) corrupted its heap deleting dynamic servers under
keep-alive traffic. Each rule's target group is an entry of a map (`set map`), read per
request.
"""

from __future__ import annotations

import asyncio
import csv
import io
import os
from dataclasses import dataclass
from pathlib import Path

from hostkit.ports import LOOPBACK
from hostkit.processes import ProcessRegistry

from ..ecs.spec import ListenerSpec, TargetGroupSpec

# The listener rules that forward to the service: production's, and with blue/green the test
# listener's. Each names its target group in the routes map, which the stand-in changes at
# run time as ECS moves a rule between the blue and green target groups.
PRODUCTION = "production"
TEST = "test"


# Append the client to X-Forwarded-For, as an ALB and CloudFront both do.
APPEND_FORWARDED_FOR = (
    "    acl forwarded req.fhdr(x-forwarded-for) -m found",
    '    http-request set-header X-Forwarded-For "%[req.fhdr(x-forwarded-for)], %[src]" '
    "if forwarded",
    "    http-request set-header X-Forwarded-For %[src] unless forwarded",
)


def preamble(*, admin_socket: Path | None, timeouts: list[str]) -> list[str]:
    """`global` and `defaults` of every HAProxy the stand-in runs: HTTP with keep-alive,
    each request logged to stdout; an admin socket when the stand-in changes it at run
    time."""
    socket = [f"    stats socket {admin_socket} mode 600 level admin"] if admin_socket else []
    return [
        "global",
        *socket,
        "    log stdout format raw local0 info",
        "",
        "defaults",
        "    mode http",
        "    log global",
        "    option httplog",
        "    option http-keep-alive",
        "    timeout connect 5s",
        *timeouts,
    ]


@dataclass(frozen=True)
class Frontend:
    """One listener: the rule (`PRODUCTION`, `TEST`) it forwards by, and where it listens."""

    route: str
    listener: ListenerSpec
    bind_port: int
    refusal_body: Path


def matcher_acl(matcher: str) -> str:
    """An ELB matcher ("200", "200,204", "200-299") as an `http-check expect` rule."""
    alternatives = []
    for part in matcher.split(","):
        low, _, high = part.strip().partition("-")
        alternatives.append(f"^{low}$" if not high else _range_regex(int(low), int(high)))
    return "rstatus " + "|".join(f"({item})" for item in alternatives)


def _range_regex(low: int, high: int) -> str:
    return "^(" + "|".join(str(code) for code in range(low, high + 1)) + ")$"


def rule_variable(listener: ListenerSpec, condition: int, value: int) -> str:
    """The environment variable holding one value of a listener rule condition (a secret)."""
    return f"LISTENER_{listener.port}_RULE_{condition}_VALUE_{value}"


def listener_environment(*listeners: ListenerSpec) -> dict[str, str]:
    return {
        rule_variable(listener, i, j): value
        for listener in listeners
        for i, condition in enumerate(listener.forward_if)
        for j, value in enumerate(condition.values)
    }


def _listener_rule(listener: ListenerSpec, refusal_body: Path) -> list[str]:
    """Forward only requests meeting every condition; answer the rest with the default
    action. The values come from the environment: the configuration holds no secret."""
    if listener.refusal is None:
        return []
    acls = []
    lines = ["    # The forwarding rule's conditions; without them, the default fixed response."]
    for i, condition in enumerate(listener.forward_if):
        values = " ".join(
            f'"${{{rule_variable(listener, i, j)}}}"' for j in range(len(condition.values))
        )
        lines.append(f"    acl rule_{i} req.hdr({condition.name}) -i -m str {values}")
        acls.append(f"rule_{i}")
    refusal = listener.refusal
    body = f" file {refusal_body}" if refusal.body else ""
    unless = f" unless {' '.join(acls)}" if acls else ""
    lines.append(
        f'    http-request return status {refusal.status} content-type "{refusal.content_type}"'
        f"{body}{unless}"
    )
    return lines


def _frontend(frontend: Frontend, routes: Path) -> list[str]:
    listener = frontend.listener
    return [
        "",
        f"frontend listener_{listener.port}",
        f"    bind {LOOPBACK}:{frontend.bind_port}",
        "    # Like an ALB: append the client to X-Forwarded-For, set the protocol and port the",
        "    # client used; Host passes through unchanged.",
        *APPEND_FORWARDED_FOR,
        f"    http-request set-header X-Forwarded-Proto {listener.protocol.lower()}",
        "    http-request set-header X-Forwarded-Port %[dst_port]",
        *_listener_rule(listener, frontend.refusal_body),
        f"    # The target group the {frontend.route} rule forwards to, moved at run time.",
        f"    use_backend %[str({frontend.route}),map({routes})]",
    ]


def _backend(name: str, tg: TargetGroupSpec) -> list[str]:
    check_request = (
        f"meth GET uri {tg.health_check_path} ver HTTP/1.1 "
        f"hdr Host {LOOPBACK} hdr User-Agent ELB-HealthChecker/2.0"
    )
    return [
        "",
        f"backend {name}",
        "    balance roundrobin",
        f"    # Target group health check: {tg.health_check_protocol} {tg.health_check_path} "
        f"every {tg.interval}s, timeout {tg.timeout}s,",
        f"    # healthy after {tg.healthy_threshold}, unhealthy after {tg.unhealthy_threshold}, "
        f"matcher {tg.matcher}. Per target (dynamic servers):",
        "    # inter/rise/fall. Deregistration delay "
        f"{tg.deregistration_delay}s: applied by the stand-in.",
        "    option httpchk",
        f"    http-check send {check_request}",
        f"    http-check expect {matcher_acl(tg.matcher)}",
        f"    timeout check {tg.timeout}s",
    ]


def render_config(
    *,
    frontends: list[Frontend],
    target_groups: dict[str, TargetGroupSpec],
    idle_timeout: int,
    admin_socket: Path,
    routes: Path,
) -> str:
    timeouts = [
        "    # The load balancer's idle timeout (idle_timeout.timeout_seconds).",
        f"    timeout client {idle_timeout}s",
        f"    timeout server {idle_timeout}s",
        f"    timeout http-keep-alive {idle_timeout}s",
        "    # An ALB does not retry a request on another target: only a refused connection",
        "    # is retried, once, on the same target (then 503).",
        "    retries 1",
    ]
    lines = [
        "# Generated by the local stand-in from the deployed stack; do not edit.",
        *preamble(admin_socket=admin_socket, timeouts=timeouts),
    ]
    for frontend in frontends:
        lines += _frontend(frontend, routes)
    for name, target_group in target_groups.items():
        lines += _backend(name, target_group)
    return "\n".join(lines) + "\n"


async def launch(
    config_path: Path, log_path: Path, secrets: dict[str, str], processes: ProcessRegistry
) -> asyncio.subprocess.Process:
    """HAProxy on `config_path` once `haproxy -c` accepts it: in its own session, its output
    appended to `log_path`, its PID in `processes`. Secrets reach it as environment
    variables (`secrets`), never in the file."""
    environment = {**os.environ, **secrets}
    check = await asyncio.create_subprocess_exec(
        "haproxy",
        "-c",
        "-q",
        "-f",
        str(config_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env=environment,
    )
    output, _ = await check.communicate()
    if check.returncode != 0:
        raise RuntimeError(f"generated HAProxy configuration is invalid:\n{output.decode()}")
    with log_path.open("ab") as log_file:
        process = await asyncio.create_subprocess_exec(
            "haproxy",
            "-f",
            str(config_path),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
            env=environment,
        )
    processes.add(process.pid)
    return process


async def terminate(process: asyncio.subprocess.Process, processes: ProcessRegistry) -> None:
    """Stop HAProxy by its PID (killed if it outlasts 10 s), and forget the PID."""
    if process.returncode is None:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
    processes.remove(process.pid)


@dataclass
class TargetState:
    name: str
    status: str  # UP, DOWN, "UP 1/3", "DOWN 1/2", DRAIN, MAINT, NOLB
    check_status: str
    current_sessions: int
    group: str = ""  # the target group (HAProxy backend) it is registered in

    @property
    def alb_state(self) -> str:
        """The target's state in ELB's words."""
        if self.status.startswith("MAINT"):
            return "unused"
        if self.status.startswith("DRAIN"):
            return "draining"
        if self.status.startswith("UP"):  # "UP 2/3": failing, not yet at the threshold
            return "healthy"
        if self.status.startswith("DOWN ") or self.check_status in ("INI", ""):
            return "initial"  # passing checks, not yet at the healthy threshold
        return "unhealthy"


class HAProxy:
    """The load balancer: a listener per rule in `listeners` (`PRODUCTION`, `TEST`), a
    backend per target group; every rule starts on the first target group."""

    def __init__(
        self,
        state_dir: Path,
        listeners: dict[str, ListenerSpec],
        target_groups: dict[str, TargetGroupSpec],
        idle_timeout: int,
        processes: ProcessRegistry,
    ) -> None:
        self.state_dir = state_dir
        self.listeners = listeners
        self.target_groups = target_groups
        self.idle_timeout = idle_timeout
        self.processes = processes
        self.admin_socket = state_dir / "haproxy.sock"
        self.config_path = state_dir / "haproxy.cfg"
        self.log_path = state_dir / "haproxy.log"
        self.routes_path = state_dir / "haproxy-routes.map"
        self.process: asyncio.subprocess.Process | None = None
        self.ports: dict[str, int] = {}
        self._groups: dict[str, str] = {}  # target name -> its target group
        self._lock = asyncio.Lock()

    @property
    def port(self) -> int:
        return self.ports[PRODUCTION]

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process and self.process.returncode is None else None

    async def start(self, bind_ports: dict[str, int]) -> None:
        """Listen on `bind_ports` (rule -> port), one for each of `listeners`."""
        self.ports = dict(bind_ports)
        frontends = []
        for route, listener in self.listeners.items():
            refusal_body = self.state_dir / f"listener-{listener.port}-refusal.body"
            if listener.refusal is not None:
                refusal_body.write_text(listener.refusal.body)
            frontends.append(Frontend(route, listener, bind_ports[route], refusal_body))
        first = next(iter(self.target_groups))
        self.routes_path.write_text("".join(f"{route} {first}\n" for route in self.listeners))
        config = render_config(
            frontends=frontends,
            target_groups=self.target_groups,
            idle_timeout=self.idle_timeout,
            admin_socket=self.admin_socket,
            routes=self.routes_path,
        )
        self.config_path.write_text(config)
        self.admin_socket.unlink(missing_ok=True)
        secrets = listener_environment(*self.listeners.values())
        self.process = await launch(self.config_path, self.log_path, secrets, self.processes)
        for _ in range(100):
            if self.admin_socket.exists():
                return
            if self.process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        raise RuntimeError(f"HAProxy did not start; see {self.log_path}")

    async def stop(self) -> None:
        if self.process is not None:
            await terminate(self.process, self.processes)

    async def command(self, line: str) -> str:
        async with self._lock:
            reader, writer = await asyncio.open_unix_connection(str(self.admin_socket))
            try:
                writer.write(line.encode() + b"\n")
                await writer.drain()
                return (await reader.read()).decode()
            finally:
                writer.close()

    async def route(self, route: str, group: str) -> None:
        """Forward the `route` rule's requests to `group`: from the next request on, in-flight
        ones finish where they are."""
        if route not in self.listeners or group not in self.target_groups:
            raise ValueError(f"no rule {route} or target group {group}")
        await self._expect(f"set map {self.routes_path} {route} {group}", "")

    async def routes(self) -> dict[str, str]:
        """Each rule's target group now."""
        text = await self.command(f"show map {self.routes_path}")
        # Lines: "0x55d0c0 production TargetGroup"
        return dict(line.split()[1:3] for line in text.splitlines() if len(line.split()) == 3)

    async def register(self, name: str, address: str, port: int, group: str) -> None:
        """Add a target to `group` in ELB's `initial` state: no traffic until it passes the
        healthy threshold of consecutive checks."""
        tg = self.target_groups[group]
        server = f"{group}/{name}"
        check_port = (
            "" if tg.health_check_port == "traffic-port" else f" port {tg.health_check_port}"
        )
        await self._expect(
            f"add server {server} {address}:{port} check{check_port} "
            f"inter {tg.interval}s fall {tg.unhealthy_threshold} rise {tg.healthy_threshold}"
            + (f" slowstart {tg.slow_start}s" if tg.slow_start else ""),
            "New server registered",
        )
        self._groups[name] = group
        await self._expect(f"enable health {server}", "")
        await self._expect(f"set server {server} state drain", "")
        await self._expect(f"set server {server} health down", "")
        await self._expect(f"set server {server} state ready", "")

    async def drain(self, name: str) -> None:
        await self._expect(f"set server {self._groups[name]}/{name} state drain", "")

    async def deregister(self, name: str) -> None:
        """No more traffic or checks, its connections closed; no longer a target."""
        server = f"{self._groups.pop(name)}/{name}"
        await self._expect(f"set server {server} state maint", "")
        await self.command(f"shutdown sessions server {server}")

    async def targets(self) -> dict[str, TargetState]:
        text = await self.command("show stat")
        rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
        return {
            row["svname"]: TargetState(
                name=row["svname"],
                status=row["status"],
                check_status=row.get("check_status", ""),
                current_sessions=int(row.get("scur") or 0),
                group=row["pxname"],
            )
            for row in rows
            if self._groups.get(row.get("svname", "")) == row.get("pxname")
        }

    async def _expect(self, line: str, expected: str) -> None:
        reply = (await self.command(line)).strip()
        if (expected and expected not in reply) or (not expected and reply):
            raise RuntimeError(f"HAProxy refused `{line}`: {reply}")
