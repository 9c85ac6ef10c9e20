"""Which tests pytest-xdist hands one worker together."""

from __future__ import annotations

from tests.folders import excluded_by, folder_of, markers_of, worker_scope


def test_a_machine_wide_resources_folder_is_one_scope() -> None:
    assert worker_scope("tests/image/test_image.py::test_runs[x]") == "docker"
    assert worker_scope("tests/image/test_base.py::test_resolves") == "docker"
    assert worker_scope("tests/integration/test_control_plane.py::test_scale") == "fullstack"


def test_other_tests_share_their_modules_worker() -> None:
    assert worker_scope("tests/api/test_todos.py::test_create[sqlite]") == "tests/api/test_todos.py"
    assert worker_scope("tests/web/test_page.py::test_add") == "tests/web/test_page.py"
    assert worker_scope("tests/test_cli.py::test_serve") == "tests/test_cli.py"


def test_a_module_directly_in_tests_has_no_folder() -> None:
    assert folder_of("tests/test_cli.py::test_serve") == ""
    assert folder_of("tests/standin/alb/test_haproxy.py::test_render") == "standin"


def test_markers_come_from_the_folder_and_the_module() -> None:
    assert markers_of("tests/web/test_page.py::test_add") == ["browser"]
    assert markers_of("tests/infra/load/test_stack.py::test_image") == ["slow"]
    assert markers_of("tests/test_server.py::test_sigterm[sqlite]") == ["slow"]
    assert markers_of("tests/api/test_todos.py::test_create[sqlite]") == []
    assert markers_of("tests/contract/") == ["contract"]


def test_only_a_conjunction_of_negations_excludes_markers() -> None:
    assert excluded_by("not browser and not slow") == {"browser", "slow"}
    assert excluded_by("") == set()
    assert excluded_by("postgres") == set()
    assert excluded_by("not browser or slow") == set()
    assert excluded_by("not (browser and slow)") == set()
