"""The stand-in seen from the command line: start the daemon (or keep the one running the
deployed template), stop it by its PID, ask it for its status, scale or restart the service,
restart an RDS instance, and wait for a steady state."""

from __future__ import annotations

import json
import subprocess
import sys
import time

from hostkit.processes import ProcessRegistry, recorded_pid, stop_recorded

from .. import paths
from ..errors import HarnessError
from . import protocol
from .daemon import fingerprint, load_deployed
from .protocol import ServiceStatus

START_TIMEOUT = 60
STOP_TIMEOUT = 120


def request(op: str, **arguments: object) -> ServiceStatus:
    return protocol.request(paths.CONTROL_SOCKET, op, **arguments)


def running_pid() -> int | None:
    """The daemon's PID, if the recorded one still runs the daemon."""
    return recorded_pid(paths.STANDIN_PID, b"standin", b"serve")


def wait_steady(timeout: float) -> ServiceStatus:
    deadline = time.monotonic() + timeout
    status = request("status")
    while not status.steady:
        if time.monotonic() > deadline:
            print_status(status)
            raise HarnessError(f"the service did not reach a steady state in {timeout:.0f}s")
        if running_pid() is None:
            raise HarnessError(f"the stand-in exited; see {paths.STANDIN_LOG}")
        time.sleep(0.5)
        status = request("status")
    return status


def alb_url() -> str:
    return str(json.loads(paths.STANDIN_INFO.read_text())["alb_url"])


def up(stack_name: str, app_image: str, timeout: float, runtime: str = "process") -> None:
    """Start the daemon for the deployed stack, or keep (or update) the one running."""
    stack = load_deployed(stack_name)
    pid = running_pid()
    if pid is not None:
        info = json.loads(paths.STANDIN_INFO.read_text()) if paths.STANDIN_INFO.exists() else {}
        if (info.get("app_image"), info.get("runtime")) == (app_image, runtime):
            if info.get("fingerprint") == fingerprint(stack):
                print(f"stand-in already running (pid {pid}) for the deployed template")
                print_status(wait_steady(timeout))
                return
            try:
                request("reload")
            except HarnessError as error:
                print(f"the deployed template changed ({error}): restarting the stand-in")
            else:
                print("the deployed template changed: applied to the running service")
                print_status(wait_steady(timeout))
                return
        down()
    paths.STANDIN.mkdir(parents=True, exist_ok=True)
    paths.STANDIN_INFO.unlink(missing_ok=True)
    paths.CONTROL_SOCKET.unlink(missing_ok=True)
    with paths.STANDIN_LOG.open("ab") as log_file:
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
                "--runtime",
                runtime,
            ],
            cwd=paths.REPO,
            stdin=subprocess.DEVNULL,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    paths.STANDIN_PID.write_text(str(process.pid))
    print(f"stand-in started (pid {process.pid}, log {paths.STANDIN_LOG})")
    deadline = time.monotonic() + START_TIMEOUT
    while not paths.CONTROL_SOCKET.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            print("\n".join(paths.STANDIN_LOG.read_text().splitlines()[-30:]), file=sys.stderr)
            raise HarnessError("the stand-in did not start")
        time.sleep(0.2)
    print_status(wait_steady(timeout))


def down() -> None:
    """Stop the daemon by its PID, then whatever a dead daemon left running."""
    pid = running_pid()
    if pid is None:
        print("stand-in not running")
    else:
        if stop_recorded(pid, running_pid, STOP_TIMEOUT):
            print(f"stand-in (pid {pid}) still running after {STOP_TIMEOUT} s; killed it")
        print(f"stand-in stopped (pid {pid})")
    leftovers = ProcessRegistry(paths.PROCESSES).stop_survivors()
    if leftovers:
        print(f"stopped processes the stand-in left behind: {leftovers}")
    paths.STANDIN_PID.unlink(missing_ok=True)
    paths.STANDIN_INFO.unlink(missing_ok=True)
    paths.CONTROL_SOCKET.unlink(missing_ok=True)


def print_status(status: ServiceStatus) -> None:
    print(
        f"service {status.service}: desired {status.desired_count}, "
        f"running {status.running_count}, deployment {status.deployment}, "
        f"{'steady' if status.steady else 'changing'}; {status.strategy.lower()}, "
        f"min/max healthy {status.minimum_healthy_percent}%/{status.maximum_percent}%"
    )
    print(
        f"load balancer: {status.listener} (HAProxy pid {status.balancer_pid}), "
        f"production on {status.production_target_group}"
    )
    tg = status.target_group
    print(
        f"target group: GET {tg.health_check_path} every {tg.interval}s, healthy after "
        f"{tg.healthy_threshold}, unhealthy after {tg.unhealthy_threshold}, "
        f"deregistration delay {tg.deregistration_delay}s"
    )
    for managed in status.managed:
        print(
            f"database {managed.name} ({managed.endpoint}): PostgreSQL "
            f"pid {managed.pid} on 127.0.0.1:{managed.port}"
        )
    for task in status.tasks:
        print(
            f"  task {task.id[:12]} [{task.status}/{task.desired_status}] "
            f"health {task.health}, target {task.target} {task.target_state} in "
            f"{task.target_group} at {task.address}"
            + (f" - {task.stopped_reason}" if task.stopped_reason else "")
        )
        ports = ", ".join(f"{k}->{v}" for k, v in task.ports.items())
        for container in task.containers:
            print(
                f"    {container.name:<6} pid {container.pid} {container.status} "
                f"health {container.health} ports [{ports}] logs {container.log_stream}"
            )
    for rollback in status.rollbacks:
        print(f"  rolled back: {rollback}")
    for event in status.events[-8:]:
        print(f"  event {event}")
