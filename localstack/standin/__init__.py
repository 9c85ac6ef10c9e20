"""Local stand-in for what LocalStack's free edition deploys only as placeholders: the ECS
service (tasks as processes or Docker containers) and the Application Load Balancer
(HAProxy), both built from the stack that `cdklocal deploy` put into LocalStack.

Its parts: ecs/ (the service scheduler, one-off tasks, the task definition), runtime/ (where
containers run: process/ and docker/), alb/ (HAProxy), rds/ (the RDS instances), aws/
(LocalStack and what it holds), control/ (the daemon and its command line). At the top:
harness.py (local-up, local-down, the full-stack test run), load_generators.py (run-load),
timings.py (their phases), paths.py (where state is kept) and errors.py.

It is the harness distribution (localstack/pyproject.toml), installed editable into the
project's virtualenv by `make`: `python -m standin` from anywhere. The folder `localstack/`
is not a package itself: that name is LocalStack's.
"""
