"""Tasks as Docker containers from the images their task definition names, each task on its
own address on a user-defined bridge network, as awsvpc gives each Fargate task its own
network interface.

The first container of a task (in start order) holds the task's address; the others join
its network namespace, so the task's containers reach each other on localhost as on
Fargate. The host is the network's gateway: the load balancer reaches tasks at their
addresses, and tasks reach the endpoints the stand-in serves on the host (RDS) there. An
EFS volume is a named volume that outlives the task, one per deployed stack (`data_scope`)
as each stack creates its own file system; any other volume is the task's own.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
from collections.abc import Callable

from ...aws.awslogs import CloudWatchLogs
from ...ecs.spec import ContainerSpec, TaskDefinitionSpec
from ...errors import HarnessError
from ...paths import STANDIN
from ..images import is_postgres_image
from ..network import Remap
from ..protocols import Endpoints
from .container import DockerContainer, DockerPlacement, Mount
from .engine import DATA, LABEL, docker, remove_leftovers

NETWORK = "todo-async-standin"
SUBNET = "172.31.240.0/24"  # clear of Docker's default pools and the stack's VPC


def local_images(app_image: str, postgres_image: str) -> Callable[[str], str]:
    """The local image for an image a task definition names: the project's image, or another
    release of it (the same repository, another tag: built here), as it is; any postgres
    image as the local PostgreSQL image; others refused."""

    def local(image: str) -> str:
        if repository(image) == repository(app_image):
            return image
        if is_postgres_image(image):
            return postgres_image
        raise HarnessError(f"no local image for {image} (runs here: {app_image}, postgres)")

    return local


def repository(image: str) -> str:
    """An image reference without its tag: `todo-async` of `todo-async:local`."""
    name, _, tag = image.rpartition(":")
    return name if name and "/" not in tag else image


class AddressPool:
    """A subnet's host addresses after the gateway (the first), given out round robin: an
    address given back is the last to be given again."""

    def __init__(self, subnet: ipaddress.IPv4Network | ipaddress.IPv6Network) -> None:
        hosts = [str(host) for host in subnet.hosts()]
        self.gateway = hosts[0]
        self._order = hosts[1:]
        self._taken: set[str] = set()

    def take(self) -> str:
        address = next((host for host in self._order if host not in self._taken), None)
        if address is None:
            raise HarnessError(f"no free address left after {self.gateway}")
        self._order.remove(address)
        self._order.append(address)
        self._taken.add(address)
        return address

    def give_back(self, address: str) -> None:
        self._taken.discard(address)


def _volume_name(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]", "-", name)


class DockerRuntime:
    def __init__(
        self,
        images: Callable[[str], str],
        *,
        data_scope: str,
        logs: CloudWatchLogs,
        subnet: str = SUBNET,
    ) -> None:
        self.images = images
        self.data_scope = data_scope
        self.logs = logs
        self.network = ipaddress.ip_network(subnet)
        self.addresses = AddressPool(self.network)
        self.host_address = self.addresses.gateway

    async def start(self) -> None:
        """A fresh network: whatever an earlier stand-in left behind goes first."""
        await asyncio.to_thread(remove_leftovers)
        await docker(
            "network",
            "create",
            "--driver",
            "bridge",
            "--label",
            f"{LABEL}=network",
            "--subnet",
            str(self.network),
            "--gateway",
            self.host_address,
            NETWORK,
        )

    async def stop(self) -> None:
        """The network, and anything a task that failed to stop cleanly left on it."""
        await asyncio.to_thread(remove_leftovers)

    def place(
        self,
        task_id: str,
        definition: TaskDefinitionSpec,
        endpoints: Endpoints,
        vpc_cidrs: tuple[str, ...],
    ) -> tuple[str, Remap]:
        address = self.addresses.take()
        remap = Remap(
            endpoints=endpoints,
            vpc_cidrs=vpc_cidrs,
            endpoint_host=self.host_address,
            vpc_net=str(self.network),
            own_address=True,
        )
        return address, remap

    def container(
        self,
        task_id: str,
        address: str,
        remap: Remap,
        definition: TaskDefinitionSpec,
        spec: ContainerSpec,
    ) -> DockerContainer:
        first = definition.start_order()[0]
        if spec.name == first.name:
            network = ["--network", NETWORK, "--ip", address]
        else:
            network = ["--network", f"container:{_container_name(task_id, first.name)}"]
        mounts = []
        for path, volume in spec.mounts.items():
            if volume in definition.persistent_volumes:
                name = _volume_name(f"{NETWORK}-{self.data_scope}-{volume}")
                labels = {LABEL: DATA}
            else:
                name = _volume_name(f"{NETWORK}-{task_id[:12]}-{volume}")
                labels = {LABEL: "task-volume", f"{LABEL}.task": task_id}
            mounts.append(Mount(name, path, labels))
        placement = DockerPlacement(
            task_id=task_id,
            name=_container_name(task_id, spec.name),
            image=self.images(spec.image),
            network=network,
            mounts=mounts,
            remap=remap,
            log_file=STANDIN / "logs" / f"{task_id[:12]}-{spec.name}.log",
        )
        return DockerContainer(spec, placement, logs=self.logs)

    async def release(self, task_id: str, address: str) -> None:
        """The task's own volumes go; its address is free again."""
        volumes = await docker(
            "volume", "ls", "--quiet", "--filter", f"label={LABEL}.task={task_id}"
        )
        if volumes.split():
            await docker("volume", "rm", *volumes.split())
        self.addresses.give_back(address)


def _container_name(task_id: str, container: str) -> str:
    return f"{NETWORK}-{task_id[:12]}-{container}"
