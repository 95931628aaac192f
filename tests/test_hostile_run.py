"""Killed runs and concurrent runs (issue 10, points 4 and 5).

A fake `terraform` (a small Python script) keeps these fast: it logs what it was asked,
whether the emulator override was present, and how it was stopped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import EXAMPLE, example_data, write_blueprint
from tfgen.cli import main
from tfgen.deploy.saved_plan import hand_edits
from tfgen.outdir.output import plan_write, read_manifest
from tfgen.outdir.override_file import OVERRIDE_FILE
from tfgen.project import render_blueprint

TFGEN = [sys.executable, "-c", "from tfgen.cli import run; run()"]

FAKE = """\
import os, pathlib, signal, sys, time
log = pathlib.Path(os.environ["FAKE_TF_LOG"])
def note(text):
    with log.open("a") as handle:
        handle.write(text + "\\n")
args = sys.argv[1:]
armed = pathlib.Path("zz_tfgen_emulator_override.tf").exists()
note(f"{args[0]} pid={os.getpid()} override={'present' if armed else 'absent'}")
if args[0] == "init":
    sys.exit(0)
if args[0] == "show":
    print('{"format_version": "1.2", "resource_changes": []}')
    sys.exit(0)
if args[0] == "plan" and not os.environ.get("FAKE_TF_SLOW"):
    out = next(a for a in args if a.startswith("-out="))[5:]
    pathlib.Path(out).write_bytes(b"fake plan")
    sys.exit(0)
if args[0] == "plan":
    def stop(signum, frame):
        note(f"got {signal.Signals(signum).name}")
        time.sleep(0.5)  # finishing the in-flight change
        note("stopped cleanly")
        sys.exit(1)
    signal.signal(signal.SIGINT, stop)
    note("plan started")
    for _ in range(600):
        print("still planning", flush=True)
        time.sleep(0.05)
    sys.exit(0)
sys.exit(0)
"""


@pytest.fixture
def fake_tf(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    script = tmp_path / "terraform"
    script.write_text(f"#!{sys.executable}\n{FAKE}")
    script.chmod(0o755)
    log = tmp_path / "tf.log"
    log.touch()
    yield script, log
    for line in log.read_text().splitlines():  # never leave a fake terraform running
        if "pid=" in line:
            pid = int(line.split("pid=")[1].split()[0])
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "blueprints").mkdir()
    shutil.copyfile(EXAMPLE, tmp_path / "blueprints" / "shopping-mall.yaml")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _wait_for(log: Path, text: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while text not in log.read_text():
        assert time.monotonic() < deadline, f"{text!r} never logged:\n{log.read_text()}"
        time.sleep(0.05)


# --- 5: SIGTERM during an emulated run -----------------------------------------------------

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_sigterm_is_forwarded_and_the_override_removed(
        project: Path, fake_tf: tuple[Path, Path], sig: signal.Signals) -> None:
    script, log = fake_tf
    env = {**os.environ, "FAKE_TF_LOG": str(log), "FAKE_TF_SLOW": "1"}
    proc = subprocess.Popen([*TFGEN, "plan", "blueprints/shopping-mall.yaml", "--terraform",
                             str(script), "--emulator", "http://localhost:1"],
                            cwd=project, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    _wait_for(log, "plan started")
    assert "plan pid=" in log.read_text() and "override=present" in log.read_text()
    proc.send_signal(sig)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode != 0
    text = log.read_text()
    assert "got SIGINT" in text and "stopped cleanly" in text, (text, output)
    assert not (project / "out" / "shopping-mall" / OVERRIDE_FILE).exists()


# --- 5: a leftover override (SIGKILL) is seen and removed before anything runs ------------

def test_leftover_override_is_removed_before_terraform_runs(
        project: Path, fake_tf: tuple[Path, Path]) -> None:
    script, log = fake_tf
    out = project / "out" / "shopping-mall"
    runner = CliRunner()
    assert runner.invoke(main, ["render"]).exit_code == 0
    (out / OVERRIDE_FILE).write_text('provider "aws" {}\n')  # what `kill -9` leaves
    check = runner.invoke(main, ["render", "--check"])
    assert check.exit_code == 3 and OVERRIDE_FILE in check.output
    assert any("leftover emulator override" in e for e in hand_edits(out))
    render = runner.invoke(main, ["render"])
    assert render.exit_code != 0 and "leftover emulator override" in render.output
    env = {**os.environ, "FAKE_TF_LOG": str(log)}
    done = subprocess.run([*TFGEN, "plan", "blueprints/shopping-mall.yaml", "--terraform",
                           str(script)], cwd=project, env=env, capture_output=True,
                          text=True, timeout=120)
    assert "leftover emulator override" in done.stdout + done.stderr
    assert "override=present" not in log.read_text(), log.read_text()
    assert "init pid=" in log.read_text()
    assert not (out / OVERRIDE_FILE).exists()


# --- 4: concurrent renders into one output directory --------------------------------------

PAIRS = 50


@pytest.mark.slow
def test_concurrent_render_pairs_end_in_one_tree(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """50 pairs of `tfgen render` into one directory at once: exactly one render's tree."""
    monkeypatch.chdir(tmp_path)
    data = example_data()
    small = write_blueprint(tmp_path, data, "a.yaml")
    other = {**data, "name": "other-mall"}
    big = write_blueprint(tmp_path, other, "b.yaml")
    # `--out` elsewhere than the blueprint's own directory is a what-if render (local state).
    trees = {"a": render_blueprint(small, out_dir=Path("o"), guard_what_if=True).files,
             "b": render_blueprint(big, out_dir=Path("o"), guard_what_if=True).files}
    failures = []
    for trial in range(PAIRS):
        out = tmp_path / "out" / f"t{trial}"
        procs = [subprocess.Popen([*TFGEN, "render", str(bp), "--out", str(out)],
                                  cwd=tmp_path, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
                 for bp in (small, big)]
        results = [(p.wait(timeout=120), p.stdout.read() if p.stdout else "") for p in procs]
        for code, text in results:
            if code != 0 and "another tfgen command is writing" not in text:
                failures.append(f"trial {trial}: exit {code}: {text}")
        on_disk = {p.relative_to(out).as_posix(): p.read_text()
                   for p in out.rglob("*") if p.is_file() and ".tfgen" not in p.parts
                   and p.name != ".tfgen-manifest.json"}
        if on_disk not in trees.values():
            failures.append(f"trial {trial}: a mixed tree")
        manifest = read_manifest(out)
        if set(manifest) != set(on_disk):
            failures.append(f"trial {trial}: manifest does not match the tree")
        for files in trees.values():  # the next render of either needs no --force
            if plan_write(out, files).conflicts:
                failures.append(f"trial {trial}: the next render would need --force")
    assert not failures, "\n".join(failures[:5])


def test_a_second_writer_gives_up_with_a_clear_message(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tfgen.outdir.outguard import output_lock
    monkeypatch.chdir(tmp_path)
    bp = write_blueprint(tmp_path, example_data())
    out = tmp_path / "out" / "bp"
    with output_lock(out):
        done = subprocess.run([*TFGEN, "render", str(bp)], cwd=tmp_path, capture_output=True,
                              text=True, timeout=120, env={**os.environ,
                                                           "TFGEN_LOCK_WAIT": "0.5"})
    assert done.returncode != 0
    assert "another tfgen command is writing" in done.stdout + done.stderr
    assert not (out / "main.tf").exists()


# --- also: saved plans and snapshots are private ------------------------------------------

def test_saved_plans_and_snapshots_are_0600(project: Path, fake_tf: tuple[Path, Path]) -> None:
    script, log = fake_tf
    env = {**os.environ, "FAKE_TF_LOG": str(log)}
    command = "umask 000 && exec \"$@\""  # the widest umask: modes must not depend on it
    for step in ("plan", "apply"):
        done = subprocess.run(["sh", "-c", command, "sh", *TFGEN, step,
                               "blueprints/shopping-mall.yaml", "--terraform", str(script),
                               *(["--auto-approve"] if step == "apply" else [])],
                              cwd=project, env=env, capture_output=True, text=True,
                              timeout=120)
        # The stand-in terraform plans nothing the review predicts: `plan` saves the plan
        # and exits 4 (review and plan differ); what matters here is the files' modes.
        assert done.returncode == (4 if step == "plan" else 0), done.stdout + done.stderr
        state = project / "out" / "shopping-mall" / ".tfgen"
        if step == "plan":
            assert (state / "plan").stat().st_mode & 0o777 == 0o700
            for name in ("tfplan", "plan.json", "show.json", "blueprint.json"):
                assert (state / "plan" / name).stat().st_mode & 0o777 == 0o600, name
    assert (state / "applied" / "blueprint.json").stat().st_mode & 0o777 == 0o600


def test_relative_out_gives_terraform_an_absolute_cli_config(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    """`tfgen plan --out out` runs Terraform inside out/: a relative config path broke init."""
    from tfgen.deploy.terraform_env import TerraformEnv

    monkeypatch.chdir(tmp_path)
    env = TerraformEnv.managed(Path("out/.tfgen/terraform"), None, Path("cache"))
    assert env.cli_config_file is not None and env.cli_config_file.is_absolute()
    assert env.cli_config_file.is_file()
    assert str(tmp_path / "cache") in env.cli_config_file.read_text()
