"""A cloned blueprint is untrusted (issue 10, points 1 and 6; docs/security.md)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import hcl2
import pytest
from click.testing import CliRunner

from tests.helpers import example_data, write_blueprint
from tfgen.cli import main
from tfgen.review.diff import diff_sides
from tfgen.review.diff_report import render_report


def _git(cwd: Path, *args: str) -> None:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)


def _cloned(tmp_path: Path, data: dict[str, Any], extra: dict[str, str] | None = None,
            links: dict[str, str] | None = None) -> Path:
    """A repository holding blueprints/bp.yaml (+ files, symlinks), cloned."""
    origin = tmp_path / "origin"
    write_blueprint(origin, data)
    for rel, text in (extra or {}).items():
        (origin / rel).parent.mkdir(parents=True, exist_ok=True)
        (origin / rel).write_text(text)
    for rel, target in (links or {}).items():
        (origin / rel).parent.mkdir(parents=True, exist_ok=True)
        (origin / rel).symlink_to(target)
    _git(origin, "init", "-q", "-b", "main")
    _git(origin, "add", "-A", ".")
    _git(origin, "commit", "-q", "-m", "hostile")
    clone = tmp_path / "clone"
    _git(tmp_path, "clone", "-q", str(origin), str(clone))
    return clone


def _with_user_data(value: str, tier: str = "web") -> dict[str, Any]:
    data = example_data()
    data[tier]["user_data"] = value
    return data


def _render(clone: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[int, str]:
    monkeypatch.chdir(clone)
    result = CliRunner().invoke(main, ["render"])
    return result.exit_code, result.output


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


# --- 1: user data reads only the project's own text files ----------------------------------

@pytest.mark.parametrize(("value", "why"), [
    ("/etc/shadow", "absolute path"),
    ("/proc/self/environ", "absolute path"),
    ("../../../../../../../../proc/self/environ", "outside the project"),
    ("../../outside.sh", "outside the project"),
    ("link.sh", "outside the project"),
])
def test_user_data_outside_the_project_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, why: str) -> None:
    secret = tmp_path / "outside.sh"
    secret.write_text("AWS_SECRET_ACCESS_KEY=hunter2\n")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "hunter2")
    clone = _cloned(tmp_path, _with_user_data(value),
                    extra={"outside.sh": "#!/bin/sh\n"},  # at the repo root: inside
                    links={"blueprints/link.sh": str(secret)})
    (tmp_path / "outside.sh").write_text("AWS_SECRET_ACCESS_KEY=hunter2\n")
    code, output = _render(clone, monkeypatch)
    assert code == 2, output
    line = _line_of((clone / "blueprints" / "bp.yaml").read_text(), "user_data:")
    assert re.search(rf"bp\.yaml:{line}:\d+", output), output
    assert why in output and "web.user_data" in output
    assert not (clone / "out").exists()
    assert "hunter2" not in output


def test_user_data_fifo_and_binary_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clone = _cloned(tmp_path, _with_user_data("boot.sh"))
    os.mkfifo(clone / "blueprints" / "boot.sh")  # reading it would hang forever
    code, output = _render(clone, monkeypatch)
    assert code == 2 and "not a regular file" in output
    (clone / "blueprints" / "boot.sh").unlink()
    (clone / "blueprints" / "boot.sh").write_bytes(b"#!/bin/sh\n\0\x7fELF")
    code, output = _render(clone, monkeypatch)
    assert code == 2 and "not text" in output
    (clone / "blueprints" / "boot.sh").write_bytes(b"#!/bin/sh\necho \xff\n")
    code, output = _render(clone, monkeypatch)
    assert code == 2 and "not UTF-8" in output


def test_user_data_inside_the_project_still_works(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    clone = _cloned(tmp_path, _with_user_data("../scripts/boot.sh", "app"),
                    extra={"scripts/boot.sh": "#!/bin/sh\necho hi\n"})
    code, output = _render(clone, monkeypatch)
    assert code == 0, output
    assert "echo hi" in (clone / "out" / "bp" / "files" / "app-user-data.sh").read_text()


def test_the_review_shows_a_user_data_change_as_a_diff(tmp_path: Path) -> None:
    old = tmp_path / "old"
    new = tmp_path / "new"
    for side, body in ((old, "echo one\n"), (new, "echo two\n")):
        write_blueprint(side, _with_user_data("boot.sh", "app"))
        (side / "blueprints" / "boot.sh").write_text("#!/bin/sh\n" + body)
    report = diff_sides(str(old / "blueprints" / "bp.yaml"), str(new / "blueprints" / "bp.yaml"))
    text = render_report(report, "text")
    assert "-echo one" in text and "+echo two" in text
    assert "-echo one" in render_report(report, "markdown")
    assert "+echo two" in render_report(report, "json")


# --- 6: escaping -----------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["a\nb", "a\0b", "evil\u202eexe", "x\u2066y"])
def test_control_and_bidi_characters_in_tags_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bad: str) -> None:
    data = example_data()
    data["tags"] = {"Owner": bad}
    write_blueprint(tmp_path, data)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["render"])
    assert result.exit_code == 2, result.output
    assert re.search(r"bp\.yaml:\d+:\d+", result.output) and "tags" in result.output
    assert not (tmp_path / "out").exists()


def test_tag_lengths_match_aws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for tags, ok in (({"k" * 127: "v" * 256}, True), ({"k" * 128: "v"}, False),
                     ({"k": "v" * 257}, False)):
        data = example_data()
        data["tags"] = tags
        write_blueprint(tmp_path, data)
        result = CliRunner().invoke(main, ["validate", "blueprints/bp.yaml"])
        assert (result.exit_code == 0) is ok, result.output


KEYWORDS = ["for", "if", "in", "else", "endfor", "endif", "true", "false", "null"]


def test_tag_keys_that_are_hcl_keywords_render_valid_terraform(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = example_data()
    data["tags"] = {k: f"v-{k}" for k in KEYWORDS}
    write_blueprint(tmp_path, data)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["render"])
    assert result.exit_code == 0, result.output
    out = tmp_path / "out" / "bp"
    for tf in out.rglob("*.tf"):
        hcl2.loads(tf.read_text())  # raises on invalid HCL
    variables = (out / "variables.tf").read_text()
    text = repr(hcl2.loads(variables))
    assert all(f"v-{k}" in text for k in KEYWORDS)
    assert all(f'"{k}"' in variables for k in KEYWORDS)  # python-hcl2 is lenient: quoted


def test_blueprint_file_name_with_a_newline_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    data = example_data()
    write_blueprint(tmp_path, data, name='x\nresource "null" "pwn" {}\n#.yaml')
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["render"])
    assert result.exit_code != 0
    assert "blueprint file name" in result.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.tf"))


def test_emulator_url_is_refused_unless_plain() -> None:
    from tfgen.deploy import emulator
    from tfgen.errors import InputError
    with pytest.raises(InputError, match="plain URL"):
        emulator.override_text('http://x\nresource "a" "b" {}', {}, {})
    with pytest.raises(InputError, match="plain URL"):
        emulator.override_text('http://x/"${file("/etc/passwd")}', {}, {})
    hcl2.loads(emulator.override_text("http://localhost:5000", {}, {}))


@pytest.mark.integration
def test_keyword_tags_pass_terraform_validate(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """`terraform validate` on one rendered case with keyword tag keys."""
    from tfgen.deploy.terraform import Terraform
    from tfgen.deploy.terraform_env import TerraformEnv, find_terraform, provider_mirror
    data = example_data()
    data["tags"] = {k: f"v-{k}" for k in KEYWORDS}
    write_blueprint(tmp_path, data)
    monkeypatch.chdir(tmp_path)
    assert CliRunner().invoke(main, ["render"]).exit_code == 0
    out = tmp_path / "out" / "bp"
    fmt = subprocess.run([str(find_terraform()), "fmt", "-check", "-recursive", "."], cwd=out,
                         capture_output=True, text=True)
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr  # parses, and is laid out as fmt does
    env = TerraformEnv.default(tmp_path / "tfcfg") if provider_mirror() else TerraformEnv.user()
    tf = Terraform(find_terraform(), out, env)
    tf.init(backend=False)
    result = tf.validate()
    assert result.get("valid") is True, result
    shutil.rmtree(out / ".terraform", ignore_errors=True)



def test_free_text_fields_refuse_bidi_and_are_bounded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    for value, needle in (("boot\u202e.sh", "U+202E"), ("x" * 1025, "1024")):
        write_blueprint(tmp_path, _with_user_data(value))
        result = CliRunner().invoke(main, ["validate", "blueprints/bp.yaml"])
        assert result.exit_code == 2 and needle in result.output, result.output
        assert re.search(r"bp\.yaml:\d+:\d+", result.output)


# --- symbolic-link loops a clone can commit: a located error, never "internal error" ------

@pytest.mark.parametrize(("links", "args", "named"), [
    ({"out": "out"}, ["render"], "out/bp"),  # the default output folder
    ({"blueprints/loop.yaml": "loop.yaml"}, ["render", "blueprints/loop.yaml"],
     "blueprints/loop.yaml"),
    ({"blueprints/loop.yaml": "loop.yaml"}, ["validate", "blueprints/loop.yaml"],
     "blueprints/loop.yaml"),
    ({"blueprints/base.yaml": "base.yaml"}, ["render", "blueprints/child.yaml"], "base.yaml"),
])
def test_a_link_loop_is_a_located_input_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, links: dict[str, str],
        args: list[str], named: str) -> None:
    # Python 3.11's Path.resolve() raises RuntimeError on a loop: tfgen said "internal
    # error: RuntimeError: Symlink loop from ..." for each of these before tfgen/paths.py.
    clone = _cloned(tmp_path, example_data(), links=links,
                    extra={"blueprints/child.yaml": "extends: base.yaml\n"})
    monkeypatch.chdir(clone)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "internal error" not in result.output
    assert "loop" in result.output and named in result.output, result.output
    assert not any(p.name.endswith(".tf") for p in clone.rglob("*") if not p.is_symlink())


# --- extends: a base, and a blueprint itself, stay inside the project ------------------------

#: A YAML file of this machine that a clone might try to merge (`extends:`) and get quoted.
SECRET_YAML = "region: SECRETREGION\naws_access_key_id: AKIASECRET\n"


@pytest.mark.parametrize(("value", "why"), [
    ("{secret}", "is an absolute path"),
    ("../../outside.yaml", "outside the project"),
    ("link.yaml", "outside the project"),
])
def test_a_base_outside_the_project_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, value: str, why: str) -> None:
    secret = tmp_path / "outside.yaml"
    secret.write_text(SECRET_YAML)
    clone = _cloned(tmp_path, example_data(), links={"blueprints/link.yaml": str(secret)},
                    extra={"blueprints/child.yaml":
                           f"extends: {value.format(secret=secret)}\nenvironment: dev\n"})
    monkeypatch.chdir(clone)
    result = CliRunner().invoke(main, ["validate", "blueprints/child.yaml"])
    assert result.exit_code == 2, result.output
    assert re.search(r"child\.yaml:1:1: extends: .*" + why, result.output), result.output
    assert "SECRET" not in result.output


def test_a_blueprint_linked_out_of_the_project_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    secret = tmp_path / "outside.yaml"
    secret.write_text(SECRET_YAML)
    clone = _cloned(tmp_path, example_data(),
                    links={"blueprints/evil.yaml": str(secret), "blueprints/away": str(tmp_path)})
    code, output = _render(clone, monkeypatch)  # every blueprint under blueprints/
    assert code == 2, output
    assert re.search(r"evil\.yaml:1:1: leads to .*outside\.yaml, outside the project", output)
    assert "SECRET" not in output and not (clone / "out").exists()
    # named on the command line, through the clone's own links: the same refusal
    result = CliRunner().invoke(main, ["validate", "blueprints/away/outside.yaml"])
    assert result.exit_code == 2 and "outside the project" in result.output, result.output
    assert "SECRET" not in result.output
    # a path the user typed that is in no project is the user's to name: it is read
    result = CliRunner().invoke(main, ["validate", str(secret)])
    assert result.exit_code == 2 and "SECRETREGION" in result.output, result.output
