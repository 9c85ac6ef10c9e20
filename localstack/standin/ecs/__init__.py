"""ECS as the stand-in runs it: the service scheduler that observes its tasks and reconciles
them with the desired count (service.py), a task run once (one_off_task.py), `dependsOn`
between a task's containers (dependencies.py), and the service and task definition read
from the deployed stack (spec.py)."""
