import os
from pathlib import Path

from devstack.demo import FALLBACK_SPA_NUMBER, spa_number
from devstack.paths import Paths
from devstack.state import StackState, clear, live_supervisor, read_state, write_pid, write_state


def test_the_workspace_root_is_found_from_a_sub_folder(tmp_path: Path) -> None:
    (tmp_path / "uv.lock").touch()
    (tmp_path / "tools" / "x").mkdir(parents=True)

    assert Paths.discover(tmp_path / "tools" / "x").run == tmp_path / ".run"


def test_the_ready_state_round_trips(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    write_pid(paths)
    state = StackState(os.getpid(), {"agent": "http://127.0.0.1:8002/readyz"}, ("up", "and ready"))

    write_state(paths, state)

    assert read_state(paths) == state


def test_a_pidfile_naming_another_program_is_not_a_supervisor(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    write_pid(paths)  # this pytest process: alive, but not `devstack supervise`

    assert live_supervisor(paths) is None


def test_clearing_for_another_pid_leaves_the_files(tmp_path: Path) -> None:
    paths = Paths(tmp_path)
    write_pid(paths)

    clear(paths, os.getpid() + 1)
    assert paths.pidfile.exists()
    clear(paths, os.getpid())
    assert not paths.pidfile.exists()


def test_the_demo_spa_number_comes_from_the_spa_configuration(tmp_path: Path) -> None:
    assert spa_number(None).startswith("+1")
    broken = tmp_path / "spa.yaml"
    broken.write_text("not: [a, spa")

    assert spa_number(str(broken)) == FALLBACK_SPA_NUMBER
