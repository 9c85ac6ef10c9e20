# Every target creates the virtualenv it needs; `make run` and `make test` work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000
# aws-cdk-lib's jsii runtime prints a banner on every start under Node 20 (past its support).
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION = 20
# Installs the system packages of the groups named (venv, test, bench, local, image) when missing,
# or says how to: one list for every target and .ci/run.
SYSTEM_DEPS := scripts/system-deps.sh

.PHONY: run test docs docs-serve lint lock lock-check types pytest image image-load bench bench-scale clean synth deploy destroy deploy-load destroy-load load load-master load-worker load-smoke

# Only the service's own dependencies, exactly as the image installs them: enough to serve.
$(VENV)/.run-stamp: pyproject.toml requirements.lock
	$(SYSTEM_DEPS) venv
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q --require-hashes -r requirements.lock
	$(BIN)/pip install -q --no-deps -e .
	touch $@

# Everything the checks and test suites use, and the harness (localstack/pyproject.toml:
# the stand-in and hostkit, importable from anywhere).
$(VENV)/.dev-stamp: pyproject.toml localstack/pyproject.toml $(VENV)/.run-stamp
	$(BIN)/pip install -q -e '.[test,lint,browser,infra,load,bench,docs]' -e localstack
	touch $@

run: $(VENV)/.run-stamp
	$(BIN)/todo-async serve --host $(HOST) --port $(PORT)

test: lint lock-check types docs pytest test-full-stack

# The documentation site (mkdocs.yml, docs/) into site/, strictly: a broken link or anchor,
# or a page missing from the navigation, fails the build. docs-serve rebuilds on each change.
DOCS_PORT ?= 8000
# mkdocs-material's banner about its successor, printed on every build.
DOCS_ENV := NO_MKDOCS_2_WARNING=1

docs: $(VENV)/.dev-stamp
	$(DOCS_ENV) $(BIN)/mkdocs build --strict

docs-serve: $(VENV)/.dev-stamp
	$(DOCS_ENV) $(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:$(DOCS_PORT)

# requirements.lock (every runtime dependency, transitive ones included) and
# build-requirements.lock (the build backend), with hashes: `make lock` after changing
# pyproject.toml; lock-check fails when either is out of date with it.
lock: $(VENV)/.dev-stamp
	$(BIN)/python -m imagebuild.lock

lock-check: $(VENV)/.dev-stamp
	$(BIN)/python -m imagebuild.lock --check

lint: $(VENV)/.dev-stamp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(VENV)/.dev-stamp
	$(BIN)/mypy

pytest: $(VENV)/.dev-stamp
	$(SYSTEM_DEPS) test image
	$(BIN)/pytest

# The service image todo-async:local from ./Dockerfile (see docs/container-image.md): starts a
# Docker engine if none runs (and stops it after), makes a local stand-in for the Python base
# image when BASE_IMAGE cannot be pulled. BASE_IMAGE=... picks another base.
image: $(VENV)/.run-stamp
	$(BIN)/python -m imagebuild $(if $(BASE_IMAGE),--base $(BASE_IMAGE))

# That image and the load generators' todo-async-load:local from loadtest/Dockerfile.
image-load: $(VENV)/.run-stamp
	$(BIN)/python -m imagebuild --load $(if $(BASE_IMAGE),--base $(BASE_IMAGE))

# wrk, alternating: the service, its raw-driver floor and the seed Flask stack, SQLite and PostgreSQL.
bench: $(VENV)/.dev-stamp
	$(SYSTEM_DEPS) bench
	$(BIN)/python -m loadtest.bench --rounds 3 --duration 5 --connections 50 --workers2

# List latency at 1k/100k/1M todos (page 1 and a deep page, every filter), the migration
# and clear-completed of 100k todos with readers, on SQLite and PostgreSQL.
bench-scale: $(VENV)/.dev-stamp
	$(SYSTEM_DEPS) bench
	$(BIN)/python -m loadtest.bench_scale --sizes 1000,100000,1000000 --duration 2 --rounds 6

# --- Load tests: see docs/load-tests.md ---
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

load-master: $(VENV)/.dev-stamp
	$(BIN)/python -m loadtest --profile $(PROFILE) $(LOAD_HOST) --results $(RESULTS) --master --master-bind-host $(MASTER_BIND) --expect-workers $(if $(filter-out 0,$(WORKERS)),$(WORKERS),1) $(LOAD_ARGS)

load-worker: $(VENV)/.dev-stamp
	$(BIN)/python -m loadtest --worker --master-host $(MASTER) --workers $(WORKERS) $(LOAD_ARGS)

load-smoke: PROFILE = smoke
load-smoke: load

# --- AWS (CDK): see docs/deploying.md ---
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
	  $(CDK) synth --quiet -c database=$$mode -c loadGenerators=true $(CDK_CONTEXT) --output cdk.out/$$mode || exit 1; \
	done
	@ls cdk.out/*/*.template.json

deploy: $(VENV)/.dev-stamp node_modules/.npm-stamp
	$(CDK) deploy -c database=$(DATABASE) $(CDK_CONTEXT) --require-approval broadening

destroy: $(VENV)/.dev-stamp node_modules/.npm-stamp
	$(CDK) destroy -c database=$(DATABASE) $(CDK_CONTEXT)

# The load generators' stack (infra/load), beside a deployed service stack and aimed at its
# load balancer; only this stack is touched. LOAD_CONTEXT="-c loadWorkers=4 -c loadArgs='...'"
# sizes it (docs/load-tests.md, "Load generators on AWS").
LOAD_CONTEXT ?=
LOAD_STACK = $(CDK) $(1) --exclusively -c database=$(DATABASE) -c loadGenerators=true $(CDK_CONTEXT) $(LOAD_CONTEXT)

deploy-load: $(VENV)/.dev-stamp node_modules/.npm-stamp
	$(call LOAD_STACK,deploy '*Load') --require-approval broadening

destroy-load: $(VENV)/.dev-stamp node_modules/.npm-stamp
	$(call LOAD_STACK,destroy '*Load')

# --- Local full stack: see docs/local-stack.md ---
# LocalStack, `cdklocal deploy` of infra/, and the ECS service/ALB stand-in, all through
# `python -m standin` (localstack/standin). LOCAL_DATABASE=rds (default: several tasks
# behind the load balancer) or sidecar; LOCAL_RUNTIME=process (default: each container as a
# process from the checkout) or docker (the images on a Docker engine, one address per task);
# LOCAL_CONTEXT="-c desiredCount=3 ..." adds CDK context; LOCAL_IMAGE and LOCALSTACK_PORT are
# read from the environment. LOCAL_REMOVE_DATA=1 makes local-down remove Docker data volumes.
.PHONY: local-setup local-up local-down local-status local-test local-scale local-restart local-load test-full-stack
LOCAL_DATABASE ?= rds
LOCAL_RUNTIME ?= process
STANDIN := $(BIN)/python -m standin

$(VENV)/.local-stamp: pyproject.toml $(VENV)/.dev-stamp
	$(BIN)/pip install -q -e '.[local]'
	touch $@

# What the local full stack runs on: system packages, the CDK CLI, the `local` extra
# (LocalStack's own virtualenv is made by `python -m standin local-up`).
local-setup:
	$(SYSTEM_DEPS) local
	$(MAKE) --no-print-directory node_modules/.npm-stamp $(VENV)/.local-stamp

local-up: local-setup
	$(STANDIN) local-up --database $(LOCAL_DATABASE) --runtime $(LOCAL_RUNTIME)

local-down: $(VENV)/.local-stamp
	$(STANDIN) local-down $(if $(LOCAL_REMOVE_DATA),--remove-data)

local-status:
	$(STANDIN) status

# Up, integration tests, down: in each database mode, then the Docker runtime in rds mode
# when an engine runs or can be started; always ending with local-down.
test-full-stack: local-setup
	$(STANDIN) test

local-test: $(VENV)/.local-stamp
	$(BIN)/pytest tests/integration -v -rP

# make local-scale N=3
local-scale:
	$(if $(N),,$(error give the task count: make local-scale N=3))
	$(STANDIN) scale $(N)

local-restart:
	$(STANDIN) restart

# The load generators' stack (infra/load) deployed beside the local service, its task (a
# Locust master and WORKERS workers, 2 unless given) run once against the local ALB, the
# summary read from LocalStack's S3: make local-load PROFILE=smoke WORKERS=2 LOAD_ARGS="-u 4 -t 20s"
local-load: $(VENV)/.local-stamp
	$(STANDIN) run-load --profile $(PROFILE) --workers $(if $(filter-out 0,$(WORKERS)),$(WORKERS),2) --load-args="$(LOAD_ARGS)"

clean:
	rm -rf $(VENV) build site *.egg-info .mypy_cache .ruff_cache .pytest_cache
