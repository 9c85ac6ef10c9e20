"""The AWS side of todo-async as one AWS CDK app: `app` is the entry point, `stack` wires the
components `network`, `traffic`, `database` and `service`; `config` reads the context."""
