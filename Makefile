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

.PHONY: help run check test docs docs-serve lint lock lock-check types pytest image image-load bench bench-scale clean synth deploy destroy deploy-load destroy-load load load-master load-worker load-smoke

# `make` alone lists the targets: each one's `## ` line, under its `##@ ` group.
.DEFAULT_GOAL := help
help:
	@awk '/^##@ /{printf "\n%s\n", substr($$0, 5); next} \
	  /^## /{doc = substr($$0, 4); next} \
	  doc && /^[a-z][a-z0-9_.-]*:/{printf "  %-16s %s\n", substr($$0, 1, index($$0, ":") - 1), doc} \
	  {doc = ""}' $(MAKEFILE_LIST)

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

##@ Develop
## Serve the app on HOST:PORT (127.0.0.1:5000 unless given)
run: $(VENV)/.run-stamp
	$(BIN)/todo-async serve --host $(HOST) --port $(PORT)

# requirements.lock (every runtime dependency, transitive ones included) and
# build-requirements.lock (the build backend), with hashes: `make lock` after changing
# pyproject.toml; lock-check fails when either is out of date with it.
## Re-resolve the hashed locks after a change to pyproject.toml
lock: $(VENV)/.dev-stamp
	$(BIN)/python -m imagebuild.lock

# The service image todo-async:local from ./Dockerfile (see docs/container-image.md): starts a
# Docker engine if none runs (and stops it after), makes a local stand-in for the Python base
# image when BASE_IMAGE cannot be pulled. BASE_IMAGE=... picks another base.
## Build the service image todo-async:local
image: $(VENV)/.run-stamp
	$(BIN)/python -m imagebuild $(if $(BASE_IMAGE),--base $(BASE_IMAGE))

## Build it and the load generators' image todo-async-load:local (loadtest/Dockerfile)
image-load: $(VENV)/.run-stamp
	$(BIN)/python -m imagebuild --load $(if $(BASE_IMAGE),--base $(BASE_IMAGE))

## Remove the virtualenv, caches and build output
clean:
	rm -rf $(VENV) build site *.egg-info .mypy_cache .ruff_cache .pytest_cache

# The documentation site (mkdocs.yml, docs/) into site/, strictly: a broken link or anchor,
# or a page missing from the navigation, fails the build. docs-serve rebuilds on each change.
DOCS_PORT ?= 8000
# mkdocs-material's banner about its successor, printed on every build.
DOCS_ENV := NO_MKDOCS_2_WARNING=1

## Build the documentation site into site/, strictly
docs: $(VENV)/.dev-stamp
	$(DOCS_ENV) $(BIN)/mkdocs build --strict

## Serve the documentation on 127.0.0.1:DOCS_PORT (8000), rebuilt on each change
docs-serve: $(VENV)/.dev-stamp
	$(DOCS_ENV) $(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:$(DOCS_PORT)

##@ Test
# The fast tests: on SQLite, with no browser, Docker engine, full stack, generated contract
# cases or test that takes seconds (pytest --markers lists the markers). PostgreSQL's
# twins are two thirds of the rest's time: make test runs them, -m postgres alone.
FAST_TESTS := not browser and not docker and not fullstack and not contract and not slow and not postgres
# Test processes (pytest-xdist): tests that share a machine-wide resource keep to one.
PYTEST_WORKERS ?= auto
PYTEST := $(BIN)/pytest -n $(PYTEST_WORKERS)

## The loop while working: lint, types and the fast tests (SQLite)
check: lint types
	$(SYSTEM_DEPS) test
	$(PYTEST) -m "$(FAST_TESTS)"

## Everything, as CI runs it: every check and suite, then the local full stack
test: lint lock-check types docs pytest test-full-stack

## Fail when a lock is out of date with pyproject.toml
lock-check: $(VENV)/.dev-stamp
	$(BIN)/python -m imagebuild.lock --check

## ruff: lint and format check
lint: $(VENV)/.dev-stamp
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## mypy (strict)
types: $(VENV)/.dev-stamp
	$(BIN)/mypy

# PYTEST_ARGS narrows it: make pytest PYTEST_ARGS='-m "not browser" tests/api'
## Every pytest suite, in parallel (the image tests included)
pytest: $(VENV)/.dev-stamp
	$(SYSTEM_DEPS) test image
	$(PYTEST) $(PYTEST_ARGS)

##@ Benchmark
# wrk, alternating: the service, its raw-driver floor and the seed Flask stack, SQLite and PostgreSQL.
## Ratios against the raw-driver floor and the seed's Flask stack (wrk)
bench: $(VENV)/.dev-stamp
	$(SYSTEM_DEPS) bench
	$(BIN)/python -m bench --rounds 3 --duration 5 --connections 50 --workers2
	$(BIN)/python -m bench.workers --rounds 3 --duration 5 --connections 50

# List latency at 1k/100k/1M todos (page 1 and a deep page, every filter), the migration
# and clear-completed of 100k todos with readers, on SQLite and PostgreSQL.
## List latency and clear-completed at 1k, 100k and 1M todos
bench-scale: $(VENV)/.dev-stamp
	$(SYSTEM_DEPS) bench
	$(BIN)/python -m bench.scale --sizes 1000,100000,1000000 --duration 2 --rounds 6

##@ Load tests (see docs/load-tests.md)
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

## A Locust profile against a server: make load PROFILE=step HOST=URL
load: $(VENV)/.dev-stamp
	$(BIN)/python -m loadtest --profile $(PROFILE) $(LOAD_HOST) --results $(RESULTS) --workers $(WORKERS) $(LOAD_ARGS)

## A Locust master waiting for WORKERS workers
load-master: $(VENV)/.dev-stamp
	$(BIN)/python -m loadtest --profile $(PROFILE) $(LOAD_HOST) --results $(RESULTS) --master --master-bind-host $(MASTER_BIND) --expect-workers $(if $(filter-out 0,$(WORKERS)),$(WORKERS),1) $(LOAD_ARGS)

## WORKERS Locust workers joining the master at MASTER
load-worker: $(VENV)/.dev-stamp
	$(BIN)/python -m loadtest --worker --master-host $(MASTER) --workers $(WORKERS) $(LOAD_ARGS)

## The smoke profile
load-smoke: PROFILE = smoke
load-smoke: load

##@ AWS (see docs/deploying.md)
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
## Synthesize a cloud assembly per database mode into cdk.out/
synth: $(VENV)/.dev-stamp node_modules/.npm-stamp
	for mode in sidecar rds; do \
	  $(CDK) synth --quiet -c database=$$mode -c loadGenerators=true $(CDK_CONTEXT) --output cdk.out/$$mode || exit 1; \
	done
	@ls cdk.out/*/*.template.json

## Deploy the stack (DATABASE=sidecar|rds, CDK_CONTEXT=...)
deploy: $(VENV)/.dev-stamp node_modules/.npm-stamp
	$(CDK) deploy -c database=$(DATABASE) $(CDK_CONTEXT) --require-approval broadening

## Destroy the stack
destroy: $(VENV)/.dev-stamp node_modules/.npm-stamp
	$(CDK) destroy -c database=$(DATABASE) $(CDK_CONTEXT)

# The load generators' stack (infra/load), beside a deployed service stack and aimed at its
# load balancer; only this stack is touched. LOAD_CONTEXT="-c loadWorkers=4 -c loadArgs='...'"
# sizes it (docs/load-tests.md, "Load generators on AWS").
LOAD_CONTEXT ?=
LOAD_STACK = $(CDK) $(1) --exclusively -c database=$(DATABASE) -c loadGenerators=true $(CDK_CONTEXT) $(LOAD_CONTEXT)

## Deploy the load generators' stack beside it
deploy-load: $(VENV)/.dev-stamp node_modules/.npm-stamp
	$(call LOAD_STACK,deploy '*Load') --require-approval broadening

## Destroy the load generators' stack
destroy-load: $(VENV)/.dev-stamp node_modules/.npm-stamp
	$(call LOAD_STACK,destroy '*Load')

##@ Local full stack (see docs/local-stack.md)
# LocalStack, `cdklocal deploy` of infra/, and the ECS service/ALB stand-in, all through
# `python -m standin` (localstack/standin). LOCAL_DATABASE=rds (default: several tasks
# behind the load balancer) or sidecar; LOCAL_RUNTIME=process (default: each container as a
# process from the checkout) or docker (the images on a Docker engine, one address per task);
# LOCAL_CONTEXT="-c desiredCount=3 ..." adds CDK context; LOCAL_IMAGE and LOCALSTACK_PORT are
# read from the environment. LOCAL_REMOVE_DATA=1 makes local-down remove Docker data volumes.
.PHONY: local-setup local-up local-down local-status local-test local-scale local-restart local-deploy local-db-restart local-load test-full-stack
LOCAL_DATABASE ?= rds
LOCAL_RUNTIME ?= process
STANDIN := $(BIN)/python -m standin

$(VENV)/.local-stamp: pyproject.toml $(VENV)/.dev-stamp
	$(BIN)/pip install -q -e '.[local]'
	touch $@

# What the local full stack runs on: system packages, the CDK CLI, the `local` extra
# (LocalStack's own virtualenv is made by `python -m standin local-up`).
## Install what the local full stack runs on
local-setup:
	$(SYSTEM_DEPS) local
	$(MAKE) --no-print-directory node_modules/.npm-stamp $(VENV)/.local-stamp

## LocalStack, the CDK deploy and the stand-in (LOCAL_DATABASE, LOCAL_RUNTIME)
local-up: local-setup
	$(STANDIN) local-up --database $(LOCAL_DATABASE) --runtime $(LOCAL_RUNTIME)

## Stop it all (LOCAL_REMOVE_DATA=1 removes Docker data volumes too)
local-down: $(VENV)/.local-stamp
	$(STANDIN) local-down $(if $(LOCAL_REMOVE_DATA),--remove-data)

## What runs: LocalStack, the stand-in, the tasks
local-status:
	$(STANDIN) status

# Up, integration tests, down: in each database mode, then the Docker runtime in rds mode
# when an engine runs or can be started; always ending with local-down.
## Up, integration tests, down: in each database mode, then on Docker
test-full-stack: local-setup
	$(STANDIN) test

## The integration tests against the stack that is up
local-test: $(VENV)/.local-stamp
	$(BIN)/pytest tests/integration -v -rfEP

## Scale the service to N tasks: make local-scale N=3
local-scale:
	$(if $(N),,$(error give the task count: make local-scale N=3))
	$(STANDIN) scale $(N)

## Restart the stand-in's tasks
local-restart:
	$(STANDIN) restart

## A new revision over the running service: IMAGE=todo-async:v2 (Docker runtime), DEPLOY_CONTEXT="-c k=v"
local-deploy:
	$(if $(IMAGE)$(DEPLOY_CONTEXT),,$(error give IMAGE=todo-async:v2 and/or DEPLOY_CONTEXT="-c key=value"))
	$(STANDIN) deploy $(IMAGE) --context '$(DEPLOY_CONTEXT)'

## Reboot the RDS instance: fast shutdown, DOWN seconds down (6 unless given), started again
local-db-restart:
	$(STANDIN) restart-database --down $(or $(DOWN),6)

# The load generators' stack (infra/load) deployed beside the local service, its task (a
# Locust master and WORKERS workers, 2 unless given) run once against the local ALB, the
# summary read from LocalStack's S3: make local-load PROFILE=smoke WORKERS=2 LOAD_ARGS="-u 4 -t 20s"
## Run the load generators' task against the local ALB
local-load: $(VENV)/.local-stamp
	$(STANDIN) run-load --profile $(PROFILE) --workers $(if $(filter-out 0,$(WORKERS)),$(WORKERS),2) --load-args="$(LOAD_ARGS)"
