# Every target creates the virtualenv it needs; `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# aws-cdk-lib's jsii runtime prints a banner on every start under Node 20 (past its support).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION = 20

.PHONY: run test lint types pytest bench clean synth deploy destroy load load-smoke

# Only the service's own dependencies: enough to serve.
$(VENV)/.run-stamp: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e .
	touch $@

# Everything the checks and test suites use.
$(VENV)/.dev-stamp: pyproject.toml $(VENV)/.run-stamp
	$(BIN)/pip install -q -e '.[test,lint,browser,infra,load]'
	touch $@

run: $(VENV)/.run-stamp
	$(BIN)/todo-async serve --host $(HOST) --port $(PORT)

test: lint types pytest test-full-stack

lint: $(VENV)/.dev-stamp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.dev-stamp
	$(BIN)/mypy

pytest: $(VENV)/.dev-stamp
	$(BIN)/pytest

# Throughput and latency with wrk, one uvicorn worker, on SQLite and PostgreSQL (JSON lines).
bench: $(VENV)/.dev-stamp
	$(BIN)/python -m loadtest.benchmark --duration 10 --connections 50

# --- Load tests: see README "Load tests" ---
# make load PROFILE=smoke|step|spike|soak HOST=URL RESULTS=DIR LOAD_ARGS="-u 50 ..."
PROFILE ?= smoke
RESULTS ?= results
LOAD_ARGS ?=
# WORKERS=N: the users run in N worker processes (load, load-worker), or the master
# waits for N workers (load-master). MASTER: the master's address, for load-worker.
# MASTER_BIND: the address load-master listens on for workers (another machine's reach it).
WORKERS ?= 0
MASTER ?= 127.0.0.1
MASTER_BIND ?= 127.0.0.1
# HOST here is the URL to load, and only when given on the command line (the HOST above is
# where `make run` listens); without it: the local stack's ALB if up, else 127.0.0.1:5000.
LOAD_HOST = $(if $(filter command line,$(origin HOST)),--host $(HOST))

load: $(VENV)/.dev-stamp
	$(BIN)/python -m loadtest --profile $(PROFILE) $(LOAD_HOST) --results $(RESULTS) --workers $(WORKERS) $(LOAD_ARGS)

.PHONY: load-master load-worker
load-master: $(VENV)/.dev-stamp
	$(BIN)/python -m loadtest --profile $(PROFILE) $(LOAD_HOST) --results $(RESULTS) --master --master-bind-host $(MASTER_BIND) --expect-workers $(if $(filter-out 0,$(WORKERS)),$(WORKERS),1) $(LOAD_ARGS)

load-worker: $(VENV)/.dev-stamp
	$(BIN)/python -m loadtest --worker --master-host $(MASTER) --workers $(WORKERS) $(LOAD_ARGS)

load-smoke: PROFILE = smoke
load-smoke: load

# --- AWS (CDK): see README "Deploying to AWS" ---
# The CDK CLI and cdklocal, pinned in package-lock.json.
node_modules/.npm-stamp: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@

CDK := npx --no-install cdk
# Extra context for synth/deploy/destroy, e.g. CDK_CONTEXT="-c natGateways=1 -c certificateArn=arn:..."
CDK_CONTEXT ?=
# The database mode that deploy and destroy act on: sidecar or rds.
DATABASE ?= sidecar

# One cloud assembly per database mode: cdk.out/sidecar/ and cdk.out/rds/.
synth: $(VENV)/.dev-stamp node_modules/.npm-stamp
	for mode in sidecar rds; do \
	  $(CDK) synth --quiet -c database=$$mode $(CDK_CONTEXT) --output cdk.out/$$mode || exit 1; \
	done
	@ls cdk.out/*/*.template.json

deploy: $(VENV)/.dev-stamp node_modules/.npm-stamp
	$(CDK) deploy -c database=$(DATABASE) $(CDK_CONTEXT) --require-approval broadening

destroy: $(VENV)/.dev-stamp node_modules/.npm-stamp
	$(CDK) destroy -c database=$(DATABASE) $(CDK_CONTEXT)

# --- Local full stack: see README "Local full stack" ---
# LocalStack, `cdklocal deploy` of infra/, and the ECS service/ALB stand-in (localstack/).
# LOCAL_DATABASE=rds (default: several tasks behind the load balancer) or sidecar;
# LOCAL_CONTEXT="-c desiredCount=3 ..." adds CDK context.
.PHONY: local-up local-down local-status local-test local-scale local-restart test-full-stack
LOCAL_DATABASE ?= rds
STANDIN := PYTHONPATH=localstack $(BIN)/python -m standin

$(VENV)/.local-stamp: pyproject.toml $(VENV)/.dev-stamp
	$(BIN)/pip install -q -e '.[local]'
	touch $@

local-up:
	localstack/install.sh
	$(MAKE) --no-print-directory node_modules/.npm-stamp $(VENV)/.local-stamp
	LOCAL_DATABASE=$(LOCAL_DATABASE) LOCAL_CONTEXT="$(LOCAL_CONTEXT)" localstack/up.sh

local-down:
	localstack/down.sh

local-status:
	$(STANDIN) status

# Up, integration tests, down: in each database mode, always ending with local-down.
test-full-stack:
	localstack/test-full-stack.sh

local-test: $(VENV)/.local-stamp
	$(BIN)/pytest tests/integration -v -rP

# make local-scale N=3
local-scale:
	$(if $(N),,$(error give the task count: make local-scale N=3))
	$(STANDIN) scale $(N)

local-restart:
	$(STANDIN) restart

clean:
	rm -rf $(VENV) build *.egg-info .mypy_cache .ruff_cache .pytest_cache
