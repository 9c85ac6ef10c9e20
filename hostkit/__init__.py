"""What the project's tools need from this machine, written once: processes stopped by their
PID (processes.py), free loopback ports (ports.py), the distribution's PostgreSQL server and
its account (postgres.py), and a Docker engine to talk to (docker.py).

Its users are the test helpers (testbed/), the image build (imagebuild/) and the local
stand-in (localstack/standin). It depends on none of them. It ships in the harness
distribution (localstack/pyproject.toml), beside the stand-in, rather than as a distribution
of its own: the stand-in is the one user that runs away from the repository's root, and the
Makefile and pytest, which run from the root, import it from there as they do testbed/.
"""
