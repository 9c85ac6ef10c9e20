"""Command line of the local ECS service and ALB stand-in.

python -m standin up --stack NAME --app-image IMAGE   start (or keep) the stand-in, wait steady
python -m standin down                                stop it by its PID
python -m standin status [--json] | scale N | restart | wait
python -m standin eips --count N                      the NAT gateways' pre-allocated EIPs
python -m standin outputs --stack NAME --cdk-outputs FILE --out FILE
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import logging
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from . import aws
from .haproxy import HAProxy
from .network import can_bind, free_port
from .processes import ProcessRegistry
from .rds import ManagedDatabases
from .service import Service
from .spec import parse_service
from .stack import Stack, StackError

REPO = Path(__file__).resolve().parents[2]
STATE_DIR = REPO / ".local" / "standin"
PID_FILE = STATE_DIR / "standin.pid"
INFO_FILE = STATE_DIR / "standin.json"
SOCKET = STATE_DIR / "control.sock"
PROCESSES_FILE = STATE_DIR / "processes"
EIP_TAG = "todo-async:local-nat"
DEPLOYED = ("CREATE_COMPLETE", "UPDATE_COMPLETE")


def fingerprint(stack: Stack) -> str:
    """Which deployment of which template the stand-in runs."""
    document = json.dumps([stack.id, stack.template], sort_keys=True)
    return hashlib.sha256(document.encode()).hexdigest()


# -- the daemon --------------------------------------------------------------------------


async def serve(stack_name: str, app_image: str) -> None:
    stack = Stack.load(stack_name)
    if stack.status not in DEPLOYED:
        raise StackError(f"stack {stack_name} is {stack.status}, not deployed")
    databases = ManagedDatabases(stack, STATE_DIR)
    spec = parse_service(stack)
    listener_port = spec.listener.port if can_bind(spec.listener.port) else free_port()
    processes = ProcessRegistry(PROCESSES_FILE)
    balancer = HAProxy(STATE_DIR, spec.listener, spec.target_group, spec.idle_timeout, processes)
    service = Service(
        stack,
        spec,
        state_dir=STATE_DIR,
        app_image=app_image,
        app_bin=Path(sys.executable).parent,
        balancer=balancer,
        databases=databases,
        processes=processes,
    )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)

    def record(deployed: Stack) -> None:
        INFO_FILE.write_text(
            json.dumps(
                {
                    "pid": os.getpid(),
                    "stack": stack_name,
                    "app_image": app_image,
                    "fingerprint": fingerprint(deployed),
                    "alb_url": f"{spec.listener.protocol.lower()}://127.0.0.1:{listener_port}",
                    "haproxy_pid": balancer.process.pid if balancer.process else None,
                },
                indent=2,
            )
        )

    async def reload() -> None:
        """Apply a newer deployment of the stack in place, as ECS would; what the running
        load balancer or databases cannot take raises RestartNeeded."""
        deployed = await asyncio.to_thread(Stack.load, stack_name)
        if not databases.adopt(deployed):
            raise RestartNeeded("the stack's RDS instances changed")
        updated = await asyncio.to_thread(parse_service, deployed)
        current = service.spec
        if (updated.listener, updated.target_group, updated.idle_timeout) != (
            current.listener,
            current.target_group,
            current.idle_timeout,
        ):
            raise RestartNeeded("the listener or target group changed")
        service.update(deployed, updated)
        record(deployed)

    scheduler: asyncio.Task[None] | None = None
    try:
        await balancer.start(listener_port)
        await databases.start(app_image, service.app_bin, service.logs_client, processes)
        record(stack)
        server = await asyncio.start_unix_server(
            lambda r, w: _control(service, reload, r, w), path=str(SOCKET)
        )
        scheduler = asyncio.create_task(service.run())
        await stop.wait()
        server.close()
    finally:
        if scheduler is not None:
            scheduler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await scheduler
        await service.shutdown()
        await balancer.stop()
        SOCKET.unlink(missing_ok=True)


class RestartNeeded(Exception):
    """The deployed change needs a new stand-in (a new load balancer or database)."""


async def _control(
    service: Service,
    reload: Callable[[], Awaitable[None]],
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
) -> None:
    try:
        request = json.loads(await reader.readline())
        op = request.get("op")
        if op == "scale":
            service.scale(int(request["count"]))
        elif op == "restart":
            service.restart()
        elif op == "reload":
            await reload()
        elif op != "status":
            raise ValueError(f"unknown operation {op!r}")
        reply: dict[str, Any] = {"ok": True, **service.describe()}
    except Exception as error:  # the caller gets the reason; the daemon goes on
        reply = {"ok": False, "error": f"{type(error).__name__}: {error}"}
    writer.write(json.dumps(reply).encode() + b"\n")
    await writer.drain()
    writer.close()


# -- the client --------------------------------------------------------------------------


def call(op: str, *, check: bool = True, **arguments: Any) -> dict[str, Any]:
    import socket

    with socket.socket(socket.AF_UNIX) as connection:
        try:
            connection.connect(str(SOCKET))
        except OSError:
            raise SystemExit("the stand-in is not running (make local-up)") from None
        connection.sendall(json.dumps({"op": op, **arguments}).encode() + b"\n")
        reply: dict[str, Any] = json.loads(connection.makefile().readline())
    if check and not reply.get("ok"):
        raise SystemExit(reply.get("error", "the stand-in refused the request"))
    return reply


def running_pid() -> int | None:
    try:
        pid = int(PID_FILE.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ValueError):
        return None
    return pid if b"standin" in cmdline and b"serve" in cmdline else None


def wait_steady(timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    status = call("status")
    while not status["steady"]:
        if time.monotonic() > deadline:
            print_status(status)
            raise SystemExit(f"the service did not reach a steady state in {timeout:.0f}s")
        if running_pid() is None:
            raise SystemExit(f"the stand-in exited; see {STATE_DIR / 'standin.log'}")
        time.sleep(0.5)
        status = call("status")
    return status


def up(stack_name: str, app_image: str, timeout: float) -> None:
    stack = Stack.load(stack_name)
    if stack.status not in DEPLOYED:
        raise SystemExit(f"stack {stack_name} is {stack.status}, not deployed")
    pid = running_pid()
    if pid is not None:
        info = json.loads(INFO_FILE.read_text()) if INFO_FILE.exists() else {}
        if info.get("app_image") == app_image:
            if info.get("fingerprint") == fingerprint(stack):
                print(f"stand-in already running (pid {pid}) for the deployed template")
                print_status(wait_steady(timeout))
                return
            reply = call("reload", check=False)
            if reply["ok"]:
                print("the deployed template changed: applied to the running service")
                print_status(wait_steady(timeout))
                return
            print(f"the deployed template changed ({reply['error']}): restarting the stand-in")
        down()
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    INFO_FILE.unlink(missing_ok=True)
    SOCKET.unlink(missing_ok=True)
    with (STATE_DIR / "standin.log").open("ab") as log_file:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "standin",
                "serve",
                "--stack",
                stack_name,
                "--app-image",
                app_image,
            ],
            cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    PID_FILE.write_text(str(process.pid))
    print(f"stand-in started (pid {process.pid}, log {STATE_DIR / 'standin.log'})")
    deadline = time.monotonic() + 60
    while not SOCKET.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            log_tail = (STATE_DIR / "standin.log").read_text().splitlines()[-30:]
            print("\n".join(log_tail), file=sys.stderr)
            raise SystemExit("the stand-in did not start")
        time.sleep(0.2)
    status = wait_steady(timeout)
    print_status(status)


def down() -> None:
    pid = running_pid()
    if pid is None:
        print("stand-in not running")
    else:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 120
        while running_pid() is not None and time.monotonic() < deadline:
            time.sleep(0.2)
        if running_pid() is not None:
            print(f"stand-in (pid {pid}) still running after 120 s; killing it", file=sys.stderr)
            os.kill(pid, signal.SIGKILL)
        print(f"stand-in stopped (pid {pid})")
    # What a stand-in that died (or was killed) left running: its containers and HAProxy.
    leftovers = ProcessRegistry(PROCESSES_FILE).stop_survivors()
    if leftovers:
        print(f"stopped processes the stand-in left behind: {leftovers}")
    PID_FILE.unlink(missing_ok=True)
    INFO_FILE.unlink(missing_ok=True)
    SOCKET.unlink(missing_ok=True)


def print_status(status: dict[str, Any]) -> None:
    print(
        f"service {status['service']}: desired {status['desired_count']}, "
        f"running {status['running_count']}, deployment {status['deployment']}, "
        f"{'steady' if status['steady'] else 'changing'}; "
        f"min/max healthy {status['minimum_healthy_percent']}%/{status['maximum_percent']}%"
    )
    print(f"load balancer: {status['listener']} (HAProxy pid {status['balancer_pid']})")
    tg = status["target_group"]
    print(
        f"target group: GET {tg['health_check_path']} every {tg['interval']}s, healthy after "
        f"{tg['healthy_threshold']}, unhealthy after {tg['unhealthy_threshold']}, "
        f"deregistration delay {tg['deregistration_delay']}s"
    )
    for managed in status["managed"]:
        print(
            f"database {managed['name']} ({managed['endpoint']}): PostgreSQL "
            f"pid {managed['pid']} on 127.0.0.1:{managed['port']}"
        )
    for task in status["tasks"]:
        print(
            f"  task {task['id'][:12]} [{task['status']}/{task['desired_status']}] "
            f"health {task['health']}, target {task['target']} {task['target_state']}"
            + (f" - {task['stopped_reason']}" if task["stopped_reason"] else "")
        )
        for container in task["containers"]:
            ports = ", ".join(f"{k}->{v}" for k, v in task["ports"].items())
            print(
                f"    {container['name']:<6} pid {container['pid']} {container['status']} "
                f"health {container['health']} ports [{ports}] logs {container['log_stream']}"
            )
    for event in status["events"][-8:]:
        print(f"  event {event}")


# -- the rest of `make local-up` ---------------------------------------------------------


def ensure_eips(count: int) -> list[str]:
    """EIPs for the NAT gateways, allocated through the EC2 API (LocalStack cannot create
    AWS::EC2::EIP): reuse the ones tagged for this harness, allocate what is missing."""
    ec2 = aws.client("ec2")
    existing = [
        address["AllocationId"]
        for address in ec2.describe_addresses(Filters=[{"Name": "tag-key", "Values": [EIP_TAG]}])[
            "Addresses"
        ]
    ]
    while len(existing) < count:
        allocated = ec2.allocate_address(
            Domain="vpc",
            TagSpecifications=[
                {"ResourceType": "elastic-ip", "Tags": [{"Key": EIP_TAG, "Value": "nat"}]}
            ],
        )
        existing.append(allocated["AllocationId"])
    return existing[:count]


def write_outputs(stack_name: str, cdk_outputs: Path, out: Path) -> None:
    info = json.loads(INFO_FILE.read_text())
    stack = Stack.load(stack_name)
    outputs: dict[str, Any] = dict(stack.outputs)
    if cdk_outputs.exists():
        outputs.update(json.loads(cdk_outputs.read_text()).get(stack_name, {}))
    outputs.update(
        {
            "AlbUrl": info["alb_url"],
            "StackName": stack_name,
            "Region": stack.region,
            "LocalStackEndpoint": aws.endpoint(),
            "StandinPid": info["pid"],
        }
    )
    out.write_text(json.dumps(outputs, indent=2) + "\n")
    print(f"wrote {out}: AlbUrl {info['alb_url']}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m standin", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("serve", "up"):
        command = commands.add_parser(name)
        command.add_argument("--stack", required=True)
        command.add_argument(
            "--app-image", required=True, help="the image reference given to cdklocal"
        )
        command.add_argument("--timeout", type=float, default=300)
    commands.add_parser("down")
    commands.add_parser("status").add_argument("--json", action="store_true")
    commands.add_parser("scale").add_argument("count", type=int)
    commands.add_parser("restart").add_argument("--no-wait", action="store_true")
    commands.add_parser("wait").add_argument("--timeout", type=float, default=300)
    commands.add_parser("eips").add_argument("--count", type=int, required=True)
    outputs = commands.add_parser("outputs")
    outputs.add_argument("--stack", required=True)
    outputs.add_argument("--cdk-outputs", type=Path, required=True)
    outputs.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    try:
        if args.command == "serve":
            asyncio.run(serve(args.stack, args.app_image))
        elif args.command == "up":
            up(args.stack, args.app_image, args.timeout)
        elif args.command == "down":
            down()
        elif args.command == "status":
            status = call("status")
            print(json.dumps(status, indent=2) if args.json else "", end="")
            if not args.json:
                print_status(status)
        elif args.command == "scale":
            call("scale", count=args.count)
            print_status(wait_steady(300))
        elif args.command == "restart":
            call("restart")
            if not args.no_wait:
                print_status(wait_steady(600))
        elif args.command == "wait":
            print_status(wait_steady(args.timeout))
        elif args.command == "eips":
            print(",".join(ensure_eips(args.count)))
        elif args.command == "outputs":
            write_outputs(args.stack, args.cdk_outputs, args.out)
    except StackError as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
