"""python -m imagebuild [--base IMAGE] [--tag TAG] [--rebuild-base] [--postgres] [--load]: build
the service image (and the local PostgreSQL image, the load generators' image), starting (and
then stopping) a Docker engine if none runs."""

from __future__ import annotations

import argparse
import os
import time

from hostkit.docker import docker_engine
from imagebuild.base import default_base, resolve_base
from imagebuild.build import DEFAULT_TAG, build_image
from imagebuild.load import LOAD_TAG, build_load_image
from imagebuild.postgres import POSTGRES_TAG, build_postgres_image


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m imagebuild", description=__doc__)
    parser.add_argument("--base", default=os.environ.get("BASE_IMAGE") or default_base())
    parser.add_argument("--tag", default=DEFAULT_TAG)
    parser.add_argument(
        "--rebuild-base", action="store_true", help="make the local stand-in base anew"
    )
    parser.add_argument(
        "--postgres", action="store_true", help=f"also build {POSTGRES_TAG}, for the db container"
    )
    parser.add_argument(
        "--load",
        action="store_true",
        help=f"also build {LOAD_TAG}, the load generators' image (loadtest/Dockerfile)",
    )
    args = parser.parse_args()

    started = time.monotonic()
    with docker_engine() as engine:
        base = resolve_base(engine, args.base, rebuild_local=args.rebuild_base)
        images = [build_image(engine, base, args.tag)]
        if args.postgres:
            images.append(build_postgres_image(engine, base))
        if args.load:
            images.append(build_load_image(engine, base))
    for built in images:
        print(
            f"built {built.tag} on {built.base}: {built.size_bytes / 1e6:.0f} MB, "
            f"build {built.seconds:.1f} s"
        )
    print(f"{time.monotonic() - started:.1f} s in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
