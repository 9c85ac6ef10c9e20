"""The process runtime (runtime.py): each container a process on the loopback (container.py),
started by the runner its image calls for, from a table (runners.py): the project's image
(app.py), the load generators' image (load.py), the official PostgreSQL image (postgres.py)."""
