"""`--emulator moto` without Terraform: the word is recognised, the zone is found, and a
missing extra is an input error naming the install command (the real run:
tests/integration/test_emulator_moto.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import EXAMPLE, REPO, example_data, write_blueprint
from tfgen.cli import main
from tfgen.deploy import moto_server
from tfgen.deploy.rehearsal import wants_moto, zones_of


def test_the_word_and_urls() -> None:
    assert wants_moto("moto") and wants_moto(" MOTO ")
    assert not wants_moto(None) and not wants_moto("http://localhost:5000")


def test_zones_of_a_blueprint(tmp_path: Path) -> None:
    assert zones_of(EXAMPLE) == ("example.com",)
    data = example_data()
    data.pop("dns")
    assert zones_of(write_blueprint(tmp_path, data)) == ()
    assert zones_of(REPO / "blueprints" / "envs" / "dev.yaml") == ()  # `dns: null`


@pytest.mark.parametrize("command", ["plan", "apply", "destroy"])
def test_missing_extra_is_exit_2_with_the_install_command(
        command: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_server, "available", lambda: False)
    result = CliRunner().invoke(main, [command, str(EXAMPLE), "--out", str(tmp_path / "o"),
                                       "--emulator", "moto"])
    assert result.exit_code == 2, result.output
    assert "--emulator moto needs moto's server: pip install 'tfgen[emulator]'" in result.output
    assert not (tmp_path / "o").exists()  # nothing rendered before moto was there


def test_the_moto_child_says_why_it_did_not_start(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(moto_server.sys, "executable", "/bin/false")
    with pytest.raises(moto_server.MotoFailed, match="moto did not start"):
        moto_server.MotoProcess(tmp_path / "moto.log")


def test_moto_child_never_imports_a_tfgen_planted_in_the_working_directory(
        tmp_path: Path) -> None:
    """`--emulator moto` runs in the user's (possibly cloned, untrusted) project: the
    child `python -m tfgen.deploy.moto_server` must import the installed tfgen, not ./tfgen."""
    import subprocess

    planted = tmp_path / "tfgen"
    planted.mkdir()
    (planted / "__init__.py").write_text("raise SystemExit('planted tfgen ran')\n",
                                         encoding="utf-8")
    code = "import tfgen.deploy.moto_server as m; print(m.__file__)"
    python = moto_server.sys.executable
    done = subprocess.run([python, *moto_server.INTERPRETER_FLAGS, "-c", code], cwd=tmp_path,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert str(tmp_path) not in done.stdout
    plain = subprocess.run([python, "-c", code], cwd=tmp_path,
                           capture_output=True, text=True, check=False)
    assert "planted tfgen ran" in plain.stderr  # the trap is real without -P
