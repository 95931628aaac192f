"""`render --dry-run` and `render --check` show what would change as a unified diff."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.helpers import EXAMPLE
from tfgen.cli import main

GREEN = "\x1b[32m"


@pytest.fixture()
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A project rendered at stage cdn into out/mall."""
    (tmp_path / "blueprints").mkdir()
    shutil.copyfile(EXAMPLE, tmp_path / "blueprints" / "mall.yaml")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = CliRunner().invoke(main, ["render", "blueprints/mall.yaml"])
    assert result.exit_code == 0, result.output
    return tmp_path


def _run(*args: str, color: bool = False, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["render", "blueprints/mall.yaml", *args], color=color,
                              env=env)


def _terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tfgen.cli.render._stdout_is_terminal", lambda: True)


def test_dry_run_with_diff_shows_the_change(project: Path) -> None:
    result = _run("--stage", "static-web", "--out", "out/mall", "--dry-run", "--diff",
                  "--diff-lines", "0")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "--- out/mall/main.tf\n+++ out/mall/main.tf (rendered)\n" in out
    assert "-# Stage cdn: A cache near the users.\n+# Stage static-web:" in out
    assert "--- out/mall/modules/cdn/main.tf\n+++ /dev/null\n" in out  # a removed file
    assert "more line" not in out and "\x1b[" not in out
    assert (project / "out/mall/modules/cdn/main.tf").is_file()  # nothing was written


def test_check_with_diff_shows_what_is_stale(project: Path) -> None:
    main_tf = project / "out/mall/main.tf"
    main_tf.write_text(main_tf.read_text().replace("Stage cdn", "Stage CDN"))
    result = _run("--check", "--diff")
    assert result.exit_code == 3
    assert "-# Stage CDN: A cache near the users.\n+# Stage cdn: A cache near the users.\n" \
        in result.output


def test_no_diff_when_not_on_a_terminal_unless_asked(project: Path) -> None:
    result = _run("--stage", "static-web", "--out", "out/mall", "--dry-run")
    assert "~ main.tf" in result.output and "@@" not in result.output


def test_diff_by_default_on_a_terminal_cut_with_a_marker(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _terminal(monkeypatch)
    full = _run("--stage", "static-web", "--out", "out/mall", "--dry-run", "--diff-lines", "0")
    lines = full.output.split("--- out/mall/main.tf\n", 1)[1].split("\n--- ", 1)[0]
    total = len(lines.splitlines()) + 1  # the --- line itself
    cut = _run("--stage", "static-web", "--out", "out/mall", "--dry-run", "--diff-lines", "5")
    assert "--- out/mall/main.tf\n" in cut.output
    assert f"… {total - 5} more lines of main.tf (--diff-lines 0 shows all)" in cut.output
    assert "--no-diff" not in cut.output
    quiet = _run("--stage", "static-web", "--out", "out/mall", "--dry-run", "--no-diff")
    assert "@@" not in quiet.output


def test_colour_on_a_terminal_and_never_with_no_color(
        project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _terminal(monkeypatch)
    args = ("--stage", "static-web", "--out", "out/mall", "--dry-run")
    assert GREEN in _run(*args, color=True).output
    plain = _run(*args, color=True, env={"NO_COLOR": "1"})
    assert "\x1b[" not in plain.output and "+# Stage static-web" in plain.output


def test_json_carries_the_diff_when_asked(project: Path) -> None:
    result = _run("--stage", "static-web", "--out", "out/mall", "--dry-run", "--diff",
                  "--format", "json")
    [entry] = json.loads(result.stdout)["results"]
    assert "+# Stage static-web: Static content from S3." in entry["diff"]["main.tf"]
    plain = json.loads(_run("--dry-run", "--format", "json").stdout)["results"][0]
    assert "diff" not in plain


def test_a_whole_first_render_is_summed_up_after_ten_files(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "blueprints").mkdir()
    shutil.copyfile(EXAMPLE, tmp_path / "blueprints" / "mall.yaml")
    monkeypatch.chdir(tmp_path)
    result = _run("--dry-run", "--diff", "--diff-lines", "3")
    shown = [line for line in result.output.splitlines() if line.startswith("+++ ")]
    assert len(shown) == 10
    assert result.output.rstrip().splitlines()[-1].endswith(
        "more files (--diff-lines 0 shows all)")
    everything = _run("--dry-run", "--diff", "--diff-lines", "0")
    assert len([ln for ln in everything.output.splitlines() if ln.startswith("+++ ")]) > 30
