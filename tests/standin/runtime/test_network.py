from __future__ import annotations

from standin.runtime.network import Remap

REMAP = Remap(
    task_ports={5000: 41000, 5432: 42000},
    endpoints={("db.standin.us-east-1.rds.amazonaws.com", 5432): 43000},
    vpc_cidrs=("10.0.0.0/16",),
)


def test_server_command_binds_loopback_on_the_task_port() -> None:
    argv = ["todo-async", "serve", "--host", "0.0.0.0", "--port", "5000"]
    assert REMAP.apply_argv(argv) == [
        "todo-async", "serve", "--host", "127.0.0.1", "--port", "41000"
    ]  # fmt: skip


def test_health_checks_reach_the_task_ports() -> None:
    assert REMAP.apply_argv(["CMD", "check", "--url", "http://127.0.0.1:5000/health"]) == [
        "CMD", "check", "--url", "http://127.0.0.1:41000/health"
    ]  # fmt: skip
    shell = "pg_isready --host 127.0.0.1 --port 5432 --username todo || exit 1"
    assert REMAP.apply_argv(["CMD-SHELL", shell]) == [
        "CMD-SHELL", "pg_isready --host 127.0.0.1 --port 42000 --username todo || exit 1"
    ]  # fmt: skip


def test_environment_urls_and_the_vpc() -> None:
    assert REMAP.apply("postgresql://todo@localhost:5432/todo") == (
        "postgresql://todo@127.0.0.1:42000/todo"
    )
    assert REMAP.apply("postgresql://u@db.standin.us-east-1.rds.amazonaws.com:5432/t?ssl=1") == (
        "postgresql://u@127.0.0.1:43000/t?ssl=1"
    )
    assert REMAP.apply("10.0.0.0/16") == "127.0.0.0/8"


def test_other_hosts_and_ports_are_left_alone() -> None:
    for text in ("http://example.test:5000/", "localhost:8080", "--port 8080", "--host 10.1.2.3"):
        assert REMAP.apply(text) == text


OWN_ADDRESS = Remap(
    endpoints={("db.standin.us-east-1.rds.amazonaws.com", 5432): 43000},
    vpc_cidrs=("10.0.0.0/16",),
    endpoint_host="172.31.240.1",
    vpc_net="172.31.240.0/24",
    own_address=True,
)


def test_a_task_with_its_own_address_keeps_its_ports_and_binds() -> None:
    argv = ["todo-async", "serve", "--host", "0.0.0.0", "--port", "5000"]
    assert OWN_ADDRESS.apply_argv(argv) == argv
    assert OWN_ADDRESS.apply_argv(["todo-async", "serve", "--host=0.0.0.0"]) == [
        "todo-async", "serve", "--host=0.0.0.0"
    ]  # fmt: skip
    assert OWN_ADDRESS.apply("postgresql://todo@localhost:5432/todo") == (
        "postgresql://todo@localhost:5432/todo"
    )
    assert OWN_ADDRESS.local_port(5000) == 5000


def test_a_task_with_its_own_address_reaches_endpoints_at_the_host() -> None:
    assert OWN_ADDRESS.apply("postgresql://u@db.standin.us-east-1.rds.amazonaws.com:5432/t") == (
        "postgresql://u@172.31.240.1:43000/t"
    )
    assert OWN_ADDRESS.apply("10.0.0.0/16") == "172.31.240.0/24"


def test_a_mapped_url_becomes_its_local_url() -> None:
    remap = Remap(
        urls={"http://TodoAs-LoadB-1.elb.localhost.localstack.cloud": "http://127.0.0.1:8081/"}
    )
    assert remap.apply_argv(
        ["--host", "http://TodoAs-LoadB-1.elb.localhost.localstack.cloud", "-u", "4"]
    ) == ["--host", "http://127.0.0.1:8081", "-u", "4"]
    assert remap.apply("http://TodoAs-LoadB-1.elb.localhost.localstack.cloud/api/todos") == (
        "http://127.0.0.1:8081/api/todos"
    )
    # Not a longer host name, not the same host on another port.
    for text in (
        "http://TodoAs-LoadB-1.elb.localhost.localstack.cloud.example/",
        "http://TodoAs-LoadB-1.elb.localhost.localstack.cloud:8443/",
    ):
        assert remap.apply(text) == text
