"""The Docker runtime (runtime.py): each task's containers on a bridge network from the
images themselves (container.py), on the engine local-up starts or finds (engine.py)."""
