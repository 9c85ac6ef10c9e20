"""Every path the harness keeps under `.local/`, named once."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCAL = REPO / ".local"

# LocalStack: its virtualenv (made by `make local-up`), its state, PID and log.
LOCALSTACK_VENV = LOCAL / "localstack-venv"
LOCALSTACK_STATE = LOCAL / "localstack"
LOCALSTACK_PID = LOCALSTACK_STATE / "localstack.pid"
LOCALSTACK_PORT = LOCALSTACK_STATE / "localstack.port"  # while it runs
LOCALSTACK_LOG = LOCALSTACK_STATE / "localstack.log"
LOCALSTACK_VOLUME = LOCALSTACK_STATE / "volume"
LOCALSTACK_TMP = LOCALSTACK_STATE / "tmp"

# The deploy: cdklocal's logs and outputs, the context the stack was deployed with.
BOOTSTRAP_LOG = LOCAL / "bootstrap.log"
DEPLOY_LOG = LOCAL / "deploy.log"
DESTROY_LOG = LOCAL / "destroy.log"
CDK_OUTPUTS = LOCAL / "cdk-outputs.json"
CDK_CONTEXT = LOCAL / "cdk-context.args"
# The load generators' stack (`python -m standin run-load`), beside the service's.
DEPLOY_LOAD_LOG = LOCAL / "deploy-load.log"
DESTROY_LOAD_LOG = LOCAL / "destroy-load.log"
OUTPUTS = LOCAL / "outputs.json"  # what the integration and load tests read
TIMINGS = LOCAL / "timings.txt"

# The stand-in daemon and what it runs.
STANDIN = LOCAL / "standin"
STANDIN_PID = STANDIN / "standin.pid"
STANDIN_INFO = STANDIN / "standin.json"
STANDIN_LOG = STANDIN / "standin.log"
CONTROL_SOCKET = STANDIN / "control.sock"
PROCESSES = STANDIN / "processes"  # every PID the stand-in started, for local-down
RDS = STANDIN / "rds"
# The local front door (CloudFront, WAF): its certificates, the CA clients trust among them.
FRONT_DOOR = STANDIN / "front-door"
# The load generators' tasks, run by `run-load` (not the daemon): their state and PIDs.
LOAD = STANDIN / "load"

# The Docker engine `local-up LOCAL_RUNTIME=docker` started (none if one was running).
DOCKERD_PID = LOCAL / "dockerd.pid"
DOCKERD_LOG = LOCAL / "dockerd.log"
