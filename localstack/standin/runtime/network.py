"""The explicit address and port remapping between what a task sees on AWS and what the same
processes can have on one machine.

On Fargate every task has its own network interface, so each task's app listens on :5000
and its sidecar database on :5432, and managed endpoints (RDS) have their own host names.
Here every process shares 127.0.0.1, so:

* each task gets a free loopback port for each container port it declares;
* a managed endpoint the stand-in runs (the RDS instance) gets a free loopback port too;
* the VPC is the loopback: the VPC's CIDR becomes 127.0.0.0/8 (the only peers a task sees
  here, the load balancer included, are loopback addresses);
* a load balancer the stand-in runs is reached at its listener's local URL.

`Remap.apply` rewrites a container's command, health check and environment values with
exactly these rules; nothing else in a value changes:

* `HOST:PORT` where HOST is `localhost`, `127.0.0.1` or `0.0.0.0` and PORT a container port
  of the task, or HOST:PORT is a mapped endpoint -> `127.0.0.1:<local port>`;
* the value of `--port`/`-p` (`--port N`, `--port=N`) equal to a container port -> local port;
* the value of `--host`/`-h` equal to `0.0.0.0` -> `127.0.0.1`;
* the VPC CIDR -> `127.0.0.0/8`;
* a mapped URL (the service's load balancer URL, as its stack gives it) -> its local URL
  (the stand-in's listener), wherever it is not part of a longer host name or a port.

A task run as containers on a bridge network (the Docker runtime) has an address of its own,
as on Fargate: its ports and bind addresses stay as declared (`own_address`), a mapped
endpoint becomes `<endpoint_host>:<local port>` (the host as the network's gateway) and the
VPC CIDR becomes the network's subnet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hostkit.ports import LOOPBACK

LOOPBACK_NET = "127.0.0.0/8"
_TASK_LOCAL_HOSTS = ("localhost", "127.0.0.1", "0.0.0.0")


@dataclass
class Remap:
    task_ports: dict[int, int] = field(default_factory=dict)  # container port -> local port
    endpoints: dict[tuple[str, int], int] = field(default_factory=dict)  # (host, port) -> local
    vpc_cidrs: tuple[str, ...] = ()
    endpoint_host: str = LOOPBACK  # where the task reaches the endpoints' local ports
    vpc_net: str = LOOPBACK_NET
    own_address: bool = False  # the task has its own address: ports and binds stay
    urls: dict[str, str] = field(default_factory=dict)  # a URL as deployed -> its local URL

    def local_port(self, container_port: int) -> int:
        return self.task_ports.get(container_port, container_port)

    def _endpoint(self, host: str, port: int) -> str | None:
        if host in _TASK_LOCAL_HOSTS and port in self.task_ports:
            return f"{LOOPBACK}:{self.task_ports[port]}"
        local = self.endpoints.get((host, port))
        return None if local is None else f"{self.endpoint_host}:{local}"

    def apply(self, text: str) -> str:
        def host_port(match: re.Match[str]) -> str:
            local = self._endpoint(match.group(1), int(match.group(2)))
            return match.group(0) if local is None else local

        def port_option(match: re.Match[str]) -> str:
            port = int(match.group(3))
            return f"{match.group(1)}{match.group(2)}{self.task_ports.get(port, port)}"

        text = re.sub(r"([A-Za-z0-9_.-]+):(\d{1,5})\b", host_port, text)
        text = re.sub(r"(?<![\w-])(--port|-p)([ =])(\d{1,5})\b", port_option, text)
        if not self.own_address:
            text = re.sub(r"(?<![\w-])(--host|-h)([ =])0\.0\.0\.0\b", rf"\1\g<2>{LOOPBACK}", text)
        for cidr in self.vpc_cidrs:
            text = text.replace(cidr, self.vpc_net)
        for url, local in self.urls.items():
            # Not inside a longer host name, nor followed by a port.
            pattern = re.escape(url.rstrip("/")) + r"(?![\w.:-])"
            text = re.sub(pattern, local.rstrip("/"), text)
        return text

    def apply_argv(self, argv: list[str]) -> list[str]:
        result: list[str] = []
        for index, argument in enumerate(argv):
            previous = argv[index - 1] if index else ""
            if previous in ("--port", "-p") and argument.isdigit():
                argument = str(self.task_ports.get(int(argument), int(argument)))
            elif argument.startswith("--port=") and argument[7:].isdigit():
                argument = f"--port={self.task_ports.get(int(argument[7:]), int(argument[7:]))}"
            elif self.own_address:
                pass  # the task binds its own address
            elif previous in ("--host", "-h") and argument == "0.0.0.0":
                argument = LOOPBACK
            elif argument == "--host=0.0.0.0":
                argument = f"--host={LOOPBACK}"
            result.append(self.apply(argument))
        return result
