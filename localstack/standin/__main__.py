"""The local full stack's one entry point (README "Local full stack").

python -m standin local-up [--database rds|sidecar] [--runtime process|docker] [--image REF]
                           [--context "-c k=v ..."]
python -m standin local-down [--remove-data]   stop everything by PID, cdklocal destroy,
                                         LocalStack; Docker data volumes only when asked
python -m standin status [--json]        the service, its tasks and containers, the targets
python -m standin scale N                the service's desired count
python -m standin restart [--no-wait]    a new deployment of the same task definition
python -m standin deploy [IMAGE] [--context "-c k=v ..."]   a new task definition revision
                                         (another image, other context), deployed as the
                                         service's strategy says: rolling, or blue/green
                                         (rds mode) rolled back when an alarm fires
python -m standin wait                   until the service is steady
python -m standin restart-database [--down S] [--instance ID]   an RDS instance's server
                                         stopped (fast shutdown, as a reboot or failover),
                                         S seconds down (6), then started on the same data
python -m standin test                   up, integration tests, down, in each database mode
python -m standin run-load [--profile P] [--workers N] [--load-args "..."]   the load
                                         generators' stack deployed beside the service, its
                                         task (a Locust master, N workers) run once against
                                         the local ALB, the summary read from S3
python -m standin serve --stack NAME --app-image REF --runtime KIND   the daemon (local-up
                                         starts it)

The options default to LOCAL_DATABASE (rds), LOCAL_RUNTIME (process), LOCAL_IMAGE
(todo-async:local) and LOCAL_CONTEXT; LOCALSTACK_PORT (4566) moves LocalStack. `test` runs
the process runtime in each database mode, then the Docker runtime in rds mode when a Docker
engine runs or can be started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os

from . import harness
from .aws import environment
from .control import client, daemon
from .errors import HarnessError


def parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m standin", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("local-up", "test"):
        command = commands.add_parser(name)
        if name == "local-up":
            database = os.environ.get("LOCAL_DATABASE") or "rds"
            command.add_argument("--database", default=database, choices=harness.DATABASE_MODES)
            runtime = os.environ.get("LOCAL_RUNTIME") or "process"
            command.add_argument("--runtime", default=runtime, choices=daemon.RUNTIMES)
        command.add_argument("--image", default=os.environ.get("LOCAL_IMAGE") or "todo-async:local")
        context = os.environ.get("LOCAL_CONTEXT", "")
        command.add_argument("--context", default=context, help='more CDK context: "-c k=v ..."')
    commands.add_parser("local-down").add_argument(
        "--remove-data", action="store_true", help="the Docker runtime's data volumes too"
    )
    commands.add_parser("status").add_argument("--json", action="store_true")
    commands.add_parser("scale").add_argument("count", type=int)
    commands.add_parser("restart").add_argument("--no-wait", action="store_true")
    deploy = commands.add_parser("deploy")
    deploy.add_argument("image", nargs="?", help="an image the runtime has (default: as now)")
    deploy.add_argument("--context", default="", help='CDK context to change: "-c k=v ..."')
    commands.add_parser("wait").add_argument("--timeout", type=float, default=300)
    restart_database = commands.add_parser("restart-database")
    restart_database.add_argument("--down", type=float, default=6, help="seconds down")
    restart_database.add_argument("--instance", help="the instance's logical id, if several")
    load = commands.add_parser("run-load")
    load.add_argument("--profile", default="smoke", choices=("smoke", "step", "spike", "soak"))
    load.add_argument("--workers", type=int, default=2, help="worker containers (1 to 4)")
    load.add_argument(
        "--load-args", default="", help='the profile\'s size and thresholds: "-u 20 -t 30s"'
    )
    load.add_argument("--limit", type=float, default=900, help="seconds the task may run")
    serve = commands.add_parser("serve")
    serve.add_argument("--stack", required=True)
    serve.add_argument("--app-image", required=True, help="the image reference given to cdklocal")
    serve.add_argument("--runtime", default="process", choices=daemon.RUNTIMES)
    return parser


def run(args: argparse.Namespace) -> None:
    if args.command == "local-up":
        harness.local_up(args.database, args.image, args.context, args.runtime)
    elif args.command == "local-down":
        harness.local_down(remove_data=args.remove_data)
    elif args.command == "test":
        harness.full_stack(args.image, args.context)
    elif args.command == "serve":
        asyncio.run(daemon.serve(args.stack, args.app_image, args.runtime))
    elif args.command == "status":
        status = client.request("status")
        if args.json:
            print(json.dumps(status.to_json(), indent=2))
        else:
            client.print_status(status)
    elif args.command == "scale":
        client.request("scale", count=args.count)
        client.print_status(client.wait_steady(300))
    elif args.command == "restart":
        client.request("restart")
        if not args.no_wait:
            client.print_status(client.wait_steady(600))
    elif args.command == "restart-database":
        client.print_status(
            client.request("restart-database", instance=args.instance, down=args.down)
        )
    elif args.command == "deploy":
        harness.deploy(args.image, args.context)
    elif args.command == "wait":
        client.print_status(client.wait_steady(args.timeout))
    elif args.command == "run-load":
        from . import load_generators  # loads boto3 (loadtest.publish): only for a run

        run = load_generators.LoadRun(args.profile, args.workers, args.load_args)
        code = load_generators.run_load(run, args.limit)
        if code != 0:
            raise SystemExit(code)


def main() -> None:
    args = parser().parse_args()
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    for noisy in ("botocore", "boto3", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    environment.apply()
    try:
        run(args)
    except HarnessError as error:
        raise SystemExit(f"error: {error}") from None


if __name__ == "__main__":
    main()
