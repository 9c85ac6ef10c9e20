"""Local stand-in for what LocalStack's free edition deploys only as placeholders: the ECS
service (tasks run as processes) and the Application Load Balancer (HAProxy), both built from
the stack that `cdklocal deploy` put into LocalStack.

This folder is `localstack/standin`; run it as `python -m standin` with `localstack/` on
`PYTHONPATH` (the folder `localstack/` itself is not a package: that name is LocalStack's).
"""
