"""`tfgen render -j N` (tfgen/cli/jobs.py): the same trees and report as one process, and
still all or nothing. Real `tfgen` processes (forking under pytest's own threads would
test something else); behaviour only — bench/ measures the time."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import example_data, interruptible, write_blueprint

STAGES = ("aws", "multi-az", "static-web", "cdn")


def _tfgen(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from tfgen.cli import main; main()", *args]
    return subprocess.run(command, cwd=project, capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ, "NO_COLOR": "1"})


def _project(root: Path, count: int = 6) -> list[str]:
    """The example and `count` overlays of it, one stage each in turn."""
    write_blueprint(root, example_data(), "shopping-mall.yaml")
    (root / "blueprints" / "envs").mkdir()
    names = []
    for number in range(count):
        name = f"e{number}"
        write_blueprint(root, f"extends: ../shopping-mall.yaml\nenvironment: {name}\n"
                              f"stage: {STAGES[number % 4]}\n", f"envs/{name}.yaml")
        names.append(f"blueprints/envs/{name}.yaml")
    return names


def _tree(out: Path) -> dict[str, bytes]:
    """Every file tfgen writes for users (its machine-local .tfgen/ folder aside)."""
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*"))
            if p.is_file() and ".tfgen" not in p.relative_to(out).parts}


def test_two_processes_write_what_one_does(tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    names = _project(one)
    _project(two)
    serial = _tfgen(one, "render", "--format", "json", *names)
    forked = _tfgen(two, "render", "--format", "json", "-j", "2", *names)
    assert serial.returncode == forked.returncode == 0, forked.stderr
    assert json.loads(forked.stdout) == json.loads(serial.stdout)
    assert _tree(two / "out") == _tree(one / "out")
    assert _tfgen(two, "render", "--check", *names).returncode == 0
    again = json.loads(_tfgen(two, "render", "--format", "json", "-j", "2", *names).stdout)
    assert all(not r["created"] and not r["updated"] for r in again["results"])


def test_more_jobs_than_blueprints_and_the_order_of_the_report(tmp_path: Path) -> None:
    names = _project(tmp_path, 3)
    result = _tfgen(tmp_path, "render", "-j", "8", *reversed(names))
    assert result.returncode == 0, result.stderr
    reported = [line.split(" ")[0] for line in result.stdout.splitlines()
                if line.startswith("blueprints/")]
    assert reported == list(reversed(names))


def test_an_invalid_blueprint_in_any_process_writes_nothing_anywhere(tmp_path: Path) -> None:
    names = _project(tmp_path)
    write_blueprint(tmp_path, "extends: ../shopping-mall.yaml\nenvironment: e5\n"
                              "stage: nowhere\n", "envs/e5.yaml")
    write_blueprint(tmp_path, "extends: ../shopping-mall.yaml\nenvironment: e2\n"
                              "app: {min_size: 0}\n", "envs/e2.yaml")
    result = _tfgen(tmp_path, "render", "-j", "2", *names)
    assert result.returncode == 2
    assert "e5.yaml" in result.stderr and "e2.yaml" in result.stderr  # both processes'
    assert "nothing was written" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("force", [False, True])
def test_a_hand_edit_in_one_tree_stops_every_process(tmp_path: Path, force: bool) -> None:
    names = _project(tmp_path)
    assert _tfgen(tmp_path, "render", *names).returncode == 0
    edited = tmp_path / "out" / "envs" / "e1" / "main.tf"
    edited.write_text(edited.read_text() + "# mine\n")
    for name in names:  # every environment changes: each process has something to write
        path = tmp_path / name
        path.write_text(path.read_text() + "tags: {Team: web}\n")
    before = _tree(tmp_path / "out")
    result = _tfgen(tmp_path, "render", "-j", "2", *names, *(["--force"] if force else []))
    if force:
        assert result.returncode == 0, result.stderr
        assert _tree(tmp_path / "out") != before
        return
    assert result.returncode == 2, result.stdout + result.stderr
    assert "main.tf" in result.stderr
    assert _tree(tmp_path / "out") == before


def test_an_interrupt_stops_every_process_and_the_next_render_repairs(tmp_path: Path) -> None:
    """Ctrl-C reaches the whole process group: no process is left waiting for a verdict
    (the command ends), and whatever was half written is finished or undone next time."""
    names = _project(tmp_path, 12)
    command = [sys.executable, "-c", "from tfgen.cli import main; main()", "render", "-j", "2",
               *names]
    proc = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True,
                            preexec_fn=interruptible)
    assert proc.stderr is not None
    proc.stderr.readline()  # a process is rendering
    os.killpg(proc.pid, signal.SIGINT)
    assert proc.wait(timeout=120) != 0  # not a hang, and not a render left to finish
    assert "Aborted" in proc.stderr.read()
    proc.stderr.close()
    assert _tfgen(tmp_path, "render", *names).returncode == 0
    assert _tfgen(tmp_path, "render", "--check", *names).returncode == 0
