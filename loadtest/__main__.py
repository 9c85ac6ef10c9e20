"""Run one load profile and keep its results: `python -m loadtest --profile step`.

Runs Locust headless on loadtest/locustfile.py against --host and writes everything into a
new folder RESULTS/PROFILE-YYYYmmdd-HHMMSS: Locust's CSV files and HTML report, a
per-second timeline, summary.txt/.json and plot.png. Exits non-zero when a threshold is
breached. The profile options (--help lists them) and Locust's own pass on to Locust:
for example -u 20, -t 2m, --model people, --step-users 20, --max-p95 150.

Distributed: --workers N runs the users in N worker processes on this machine (Locust's
--processes, their master on a free port of 127.0.0.1) and judges the run once, in this
process, from what they report. Across machines, run the master with `--master
--expect-workers N` (results as above) and each machine's workers with `--worker
--master-host HOST [--workers N]` (no results there).

--results-s3 s3://BUCKET/PREFIX also copies the run's folder there once Locust has ended
(a stop signal ends the run early, and what it measured is still copied).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import signal
import socket
import ssl
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path

from loadtest.options import add_profile_options
from loadtest.publish import UPLOAD_ERRORS, S3Location, upload_run

PACKAGE = Path(__file__).resolve().parent
LOCUSTFILE = PACKAGE / "locustfile.py"
PROFILES = ("smoke", "step", "spike", "soak")
DEFAULT_HOST = "http://127.0.0.1:5000"
# Written by the local stack (localstack/) once it is deployed: its front door's URL and
# the certificate authority that front door's certificate is signed by.
STACK_OUTPUTS = Path(".local/outputs.json")


def answers(url: str, ca_file: str | None = None) -> bool:
    """Whether a server at `url` says it is healthy (trusting `ca_file`, when given)."""
    context = ssl.create_default_context(cafile=ca_file) if ca_file else None
    try:
        with urllib.request.urlopen(f"{url}/health", timeout=2, context=context) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError, ValueError):
        return False


def default_target(
    outputs: Path = STACK_OUTPUTS, is_up: Callable[[str, str | None], bool] = answers
) -> tuple[str, str | None]:
    """The local stack's front door and the CA file to trust for it when it is up, else a
    server run with `make run` (no CA of its own)."""
    try:
        stack = json.loads(outputs.read_text(encoding="utf-8"))
        url, ca_file = stack.get("FrontDoorUrl"), stack.get("FrontDoorCa")
    except (OSError, ValueError, AttributeError):
        return DEFAULT_HOST, None
    if not url:
        return DEFAULT_HOST, None
    url = str(url).rstrip("/")
    ca_file = str(ca_file) if ca_file else None
    if not is_up(url, ca_file):
        print(
            f"FrontDoorUrl {url} in {outputs} does not answer; loading {DEFAULT_HOST}", flush=True
        )
        return DEFAULT_HOST, None
    return url, ca_file


def new_run_dir(results: Path, profile: str) -> Path:
    """A folder name no earlier run has used; the run creates it once its options are good."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    run_dir = results / f"{profile}-{stamp}"
    suffix = 1
    while run_dir.exists():
        suffix += 1
        run_dir = results / f"{profile}-{stamp}-{suffix}"
    return run_dir


# A master that never sees its workers must not wait forever (Locust's default).
EXPECT_WORKERS_MAX_WAIT_S = "120"


def worker_command(workers: int, rest: Sequence[str]) -> list[str]:
    """Workers only run users: the master sends them the host and the options."""
    processes = ["--processes", str(workers)] if workers else []
    return [sys.executable, "-m", "locust", "--locustfile", str(LOCUSTFILE), *processes, *rest]


def master_port() -> str:
    """A free port on 127.0.0.1 for a master whose workers are its own child processes:
    on Locust's 5557, on every address, two runs on one machine would share workers, and
    anyone who can reach the machine could join one."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return str(probe.getsockname()[1])


def locust_command(
    profile: str, host: str, run_dir: Path, rest: Sequence[str], workers: int = 0
) -> list[str]:
    distributed = ["--processes", str(workers)] if workers else []
    if workers and not {"--master-bind-host", "--master-bind-port", "--master-port"} & {
        option.partition("=")[0] for option in rest
    }:
        port = master_port()
        # The forked workers find their master by --master-port.
        distributed += ["--master-bind-host", "127.0.0.1", "--master-bind-port", port]
        distributed += ["--master-port", port]
    if (workers or "--master" in rest) and "--expect-workers-max-wait" not in rest:
        distributed += ["--expect-workers-max-wait", EXPECT_WORKERS_MAX_WAIT_S]
    return [
        sys.executable,
        "-m",
        "locust",
        "--locustfile",
        str(LOCUSTFILE),
        "--headless",
        "--only-summary",
        "--host",
        host,
        "--profile",
        profile,
        "--csv",
        str(run_dir / "locust"),
        "--csv-full-history",
        "--html",
        str(run_dir / "report.html"),
        "--results-dir",
        str(run_dir),
        *distributed,
        *rest,
    ]


def parsers() -> tuple[argparse.ArgumentParser, argparse.ArgumentParser]:
    """The entry point's own options, and those plus the profile options (for --help)."""
    entry = argparse.ArgumentParser(add_help=False, allow_abbrev=False)
    entry.add_argument("--profile", choices=PROFILES, default="smoke")
    entry.add_argument(
        "--host",
        help=f"base URL to load; default: FrontDoorUrl in {STACK_OUTPUTS}, else {DEFAULT_HOST}",
    )
    entry.add_argument(
        "--results", type=Path, default=Path("results"), help="results folder (default results/)"
    )
    entry.add_argument(
        "--workers",
        type=int,
        default=0,
        help="worker processes on this machine (Locust's --processes); default: none, "
        "the users run in this process",
    )
    entry.add_argument(
        "--results-s3",
        type=S3Location.parse,
        metavar="s3://BUCKET[/PREFIX]",
        help="also copy the run's results folder there when the run ends",
    )
    full = argparse.ArgumentParser(
        prog="python -m loadtest",
        allow_abbrev=False,
        description=__doc__.split("\n\n")[0] if __doc__ else None,
        parents=[entry],
        epilog="Locust's -u/--users, -t/--run-time and -r/--spawn-rate size the profile "
        "(see loadtest/profiles.py); any other Locust option passes through.",
    )
    add_profile_options(full.add_argument_group("profiles and thresholds").add_argument)
    return entry, full


def main(argv: Sequence[str] | None = None) -> int:
    entry, full = parsers()
    # Shows --help, and stops on a bad value here rather than after Locust has started.
    full.parse_known_args(argv)
    args, rest = entry.parse_known_args(argv)
    if args.workers < 0:
        full.error(f"--workers: want 0 or more, not {args.workers}")
    # The locustfile imports the loadtest package: make it importable from anywhere.
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(PACKAGE.parent), path]))}
    if "--worker" in rest:
        command = worker_command(args.workers, rest)
        print(f"{max(args.workers, 1)} worker(s) for the master named by --master-host", flush=True)
        os.execve(sys.executable, command, env)
    host, ca_file = (args.host, None) if args.host else default_target()
    host = host.rstrip("/")
    if ca_file and "SSL_CERT_FILE" not in env:
        env["SSL_CERT_FILE"] = ca_file  # Locust checks the local front door's certificate
    run_dir = new_run_dir(args.results, args.profile)
    command = locust_command(args.profile, host, run_dir, rest, args.workers)
    print(f"{args.profile} profile against {host}; results in {run_dir}", flush=True)
    if args.results_s3 is None:
        os.execve(sys.executable, command, env)
    return run_and_publish(command, env, run_dir, args.results_s3)


def run_and_publish(
    command: list[str], env: dict[str, str], run_dir: Path, location: S3Location
) -> int:
    """Run Locust to its end, then copy `run_dir` to `location`; Locust's exit code, or 2
    when the copy failed (the run's verdict is then only in the local folder)."""
    locust = subprocess.Popen(command, env=env)
    # Locust ends the run on these and writes its reports; this process outlives it.
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda received, _frame: locust.send_signal(received))
    code = locust.wait()
    if not run_dir.is_dir():
        return code
    target = S3Location(location.bucket, location.key(run_dir.name))
    try:
        keys = upload_run(run_dir, location)
    except UPLOAD_ERRORS as error:
        print(f"results not copied to {target}: {error}", file=sys.stderr, flush=True)
        return 2
    print(f"results copied to {target}/ ({len(keys)} files)", flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
