"""Build the service image on any machine with a Docker engine or the means to start one:
the engine (hostkit.docker), the Python base image or a local stand-in for it (base.py), and
the build itself (build.py). `python -m imagebuild` (make image) does all three."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
