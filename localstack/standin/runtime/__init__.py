"""Where a task's containers run: what the scheduler asks of a runtime (protocols.py), the
remapping between a task's addresses on AWS and here (network.py), and the two runtimes:
each container as a process (process/) or as a Docker container (docker/)."""
