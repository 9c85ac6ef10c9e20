"""What the tests of a folder or module need, as a marker (registered in pyproject.toml),
and which tests share a pytest-xdist worker.

Each module's tests run on one worker, so its module-scoped fixtures (a synthesized stack,
a live server) are made once, as with --dist loadscope; the tests of a folder that uses a
machine-wide resource all run on one worker, one at a time. The scope comes from the node
id's path: pytest-xdist's own xdist_group marks (--dist loadgroup) rewrite node ids, which
pytest 9.2's no longer allow, so they group nothing."""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

# tests/<folder>/ -> what every test there needs.
MARKERS = {
    "web": "browser",
    "image": "docker",
    "contract": "contract",
    "integration": "fullstack",
    # Each module synthesizes the CDK app: seconds of Node.js (jsii) per module.
    "infra": "slow",
}
# Modules whose tests each run real processes for seconds (Locust runs, servers stopped by
# signals, the wrk benchmark, the admin command): what `pytest --durations` put on top.
SLOW_MODULES = {
    "tests/loadtest/test_run.py",
    "tests/loadtest/test_distributed.py",
    "tests/loadtest/test_publish.py",
    "tests/test_server.py",
    "tests/bench/test_bench.py",
    "tests/accounts/test_admin.py",
    "tests/standin/test_load_generators.py",
}
# One Docker engine, one local full stack on this machine.
MACHINE_WIDE = {"docker", "fullstack"}


def folder_of(nodeid: str) -> str:
    """tests/<folder>/... -> folder; a module directly in tests/ has none."""
    parts = nodeid.partition("::")[0].split("/")
    return parts[1] if len(parts) > 2 else ""


def markers_of(nodeid: str) -> list[str]:
    """The markers every test at this node id (or under this path) gets from where it is."""
    found = [MARKERS[folder]] if (folder := folder_of(nodeid)) in MARKERS else []
    return [*found, "slow"] if nodeid.partition("::")[0] in SLOW_MODULES else found


def excluded_by(markexpr: str) -> set[str]:
    """The markers a `-m` expression of the form "not a and not b" excludes outright;
    none for any other form."""
    terms = [term.strip() for term in markexpr.split(" and ")]
    if not all(term.startswith("not ") and term[4:].isidentifier() for term in terms):
        return set()
    return {term[4:] for term in terms}


def worker_scope(nodeid: str) -> str:
    """The unit pytest-xdist hands one worker: a machine-wide resource's folder, or a module."""
    marker = MARKERS.get(folder_of(nodeid))
    return marker if marker in MACHINE_WIDE else nodeid.partition("::")[0]


class ByModuleAndResource(LoadScopeScheduling):
    def _split_scope(self, nodeid: str) -> str:
        return worker_scope(nodeid)
