"""The render index (tfgen/outdir/render_index.py): a no-op re-render renders nothing, and
anything that could change the output — or a hand edit — still gets the full render.

Behaviour only (whether blueprints were rendered, what was written or refused); bench/
measures the time.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import tfgen.cli.render
from tests.helpers import example_data, write_blueprint
from tfgen.blueprint.engines import calendar_today
from tfgen.cli import main
from tfgen.outdir import override_file, render_index
from tfgen.project import Rendered

OUT = Path("out") / "shopping-mall"


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    """The example blueprint in a scratch project (the cwd), plus an overlay of it."""
    write_blueprint(tmp_path, example_data(), "shopping-mall.yaml")
    (tmp_path / "blueprints" / "envs").mkdir()
    write_blueprint(tmp_path, "extends: ../shopping-mall.yaml\nenvironment: dev\n",
                    "envs/dev.yaml")
    old = Path.cwd()
    os.chdir(tmp_path)
    yield tmp_path
    os.chdir(old)


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The blueprints each `tfgen render` actually loaded and rendered, in order."""
    seen: list[str] = []
    real = tfgen.cli.render.render_blueprint

    def counting(path: Path, **kwargs: Any) -> Rendered:
        seen.append(path.as_posix())
        return real(path, **kwargs)

    monkeypatch.setattr(tfgen.cli.render, "render_blueprint", counting)
    return seen


def _render(*args: str, code: int = 0) -> Any:
    result = CliRunner().invoke(main, ["render", *args, "--format", "json"])
    assert result.exit_code == code, result.output
    return json.loads(result.stdout) if code == 0 else result.output


def _settled(*args: str) -> Any:
    """Render until the index is trusted: the first re-render may find files written in
    the clock tick the index was (racily clean, in git's words) and check them in full."""
    _render(*args)
    return _render(*args)


def test_a_no_op_re_render_renders_nothing_and_reports_the_same(project: Path,
                                                                 rendered: list[str]) -> None:
    full = _settled()
    rendered.clear()
    quick = _render()
    assert rendered == []
    assert quick == full
    assert all(r["unchanged"] > 30 and not r["created"] for r in quick["results"])
    assert CliRunner().invoke(main, ["render", "--check"]).exit_code == 0


def test_check_and_dry_run_always_compare_in_full(project: Path,
                                                  rendered: list[str]) -> None:
    _settled()
    rendered.clear()
    assert CliRunner().invoke(main, ["render", "--check"]).exit_code == 0
    assert CliRunner().invoke(main, ["render", "--dry-run"]).exit_code == 0
    assert len(rendered) == 4


@pytest.mark.parametrize("keep_mtime", [False, True])
def test_a_same_size_hand_edit_is_still_found(project: Path, rendered: list[str],
                                              keep_mtime: bool) -> None:
    _settled("blueprints/shopping-mall.yaml")
    edited = project / OUT / "outputs.tf"
    before = edited.stat()
    text = edited.read_text()
    changed = text.replace("Where the shop answers.", "Where the shop ANSWERS.")
    assert changed != text and len(changed) == len(text)
    edited.write_text(changed)  # in place: same inode, same size
    if keep_mtime:  # even an edit that puts the old mtime back (only ctime tells)
        os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))
    rendered.clear()
    refused = _render("blueprints/shopping-mall.yaml", code=2)
    assert "edited by hand: outputs.tf" in refused and rendered
    assert "ANSWERS" in edited.read_text()


def test_a_touched_file_is_checked_by_content_then_trusted_again(
        project: Path, rendered: list[str]) -> None:
    _settled("blueprints/shopping-mall.yaml")
    os.utime(project / OUT / "main.tf")  # same content, new times
    rendered.clear()
    assert _render("blueprints/shopping-mall.yaml")["results"][0]["updated"] == []
    assert rendered == ["blueprints/shopping-mall.yaml"]
    rendered.clear()
    _render("blueprints/shopping-mall.yaml")
    assert rendered == []


def test_a_deleted_file_or_manifest_is_written_again(project: Path,
                                                     rendered: list[str]) -> None:
    _settled("blueprints/shopping-mall.yaml")
    (project / OUT / "variables.tf").unlink()
    assert _render("blueprints/shopping-mall.yaml")["results"][0]["created"] == \
        ["variables.tf"]
    (project / OUT / ".tfgen-manifest.json").unlink()
    rendered.clear()
    _render("blueprints/shopping-mall.yaml")
    assert rendered and (project / OUT / ".tfgen-manifest.json").is_file()


def test_a_changed_blueprint_or_overlay_base_renders_again(project: Path,
                                                           rendered: list[str]) -> None:
    _settled("blueprints/envs/dev.yaml")
    overlay = project / "blueprints" / "envs" / "dev.yaml"
    overlay.write_text(overlay.read_text() + "tags:\n  Team: one\n")
    rendered.clear()
    assert _render("blueprints/envs/dev.yaml")["results"][0]["updated"]
    assert rendered == ["blueprints/envs/dev.yaml"]
    _render("blueprints/envs/dev.yaml")
    base = project / "blueprints" / "shopping-mall.yaml"
    data = example_data()
    data["tags"] = {**data.get("tags", {}), "CostCenter": "changed-in-the-base"}
    write_blueprint(project, data, "shopping-mall.yaml")
    assert base.read_text().count("changed-in-the-base") == 1
    rendered.clear()
    result = _render("blueprints/envs/dev.yaml")["results"][0]
    assert rendered == ["blueprints/envs/dev.yaml"] and result["updated"]


def test_a_changed_user_data_script_renders_again(project: Path,
                                                  rendered: list[str]) -> None:
    data = example_data()
    data["app"]["user_data"] = "boot.sh"
    write_blueprint(project, data, "shopping-mall.yaml")
    script = project / "blueprints" / "boot.sh"
    script.write_text("#!/bin/sh\necho one\n")
    _settled("blueprints/shopping-mall.yaml")
    script.write_text("#!/bin/sh\necho two\n")
    rendered.clear()
    assert _render("blueprints/shopping-mall.yaml")["results"][0]["updated"]
    assert rendered == ["blueprints/shopping-mall.yaml"]


def test_templates_code_stage_out_and_date_are_part_of_the_key(
        project: Path, rendered: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    _settled("blueprints/shopping-mall.yaml")
    rendered.clear()
    monkeypatch.setattr(render_index, "tool_stamp", lambda: "another tfgen or templates")
    _render("blueprints/shopping-mall.yaml")
    assert len(rendered) == 1
    pinned = date.fromisoformat(os.environ["TFGEN_TODAY"])  # tests/conftest.py
    monkeypatch.setenv("TFGEN_TODAY", (pinned + timedelta(days=1)).isoformat())
    _render("blueprints/shopping-mall.yaml")
    assert len(rendered) == 2
    _settled("blueprints/shopping-mall.yaml", "--out", "elsewhere")
    rendered.clear()
    result = _render("blueprints/shopping-mall.yaml", "--out", "elsewhere", "--stage", "aws")
    assert rendered and result["results"][0]["stage"] == "aws"


def test_the_tool_stamp_covers_the_templates_by_content(tmp_path: Path) -> None:
    from tfgen.render.jinja_env import templates_dir

    assert render_index.templates() == templates_dir()
    copy = tmp_path / "tfgen"
    shutil.copytree(templates_dir(), copy / "templates")
    before = render_index.package_digest(copy)
    template = next((copy / "templates").rglob("*.j2"))
    template.write_text(template.read_text() + " ")
    assert render_index.package_digest(copy) != before


def test_the_kept_tool_stamp_is_only_reused_while_no_file_was_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The stamp is cached under the stat data of tfgen's files: a template edited to the
    same size with its mtime put back (only its ctime moves) gets a fresh, content-hashed
    stamp; a planted cache whose signature does not match is not believed."""
    from tfgen.render.jinja_env import templates_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    copy = tmp_path / "templates"
    shutil.copytree(templates_dir(), copy)
    monkeypatch.setattr(render_index, "templates", lambda: copy)

    def stamp() -> str:
        render_index.tool_stamp.cache_clear()
        return render_index.tool_stamp()

    first = stamp()
    kept = tmp_path / "cache" / "tfgen" / "tool-stamp.json"
    assert json.loads(kept.read_text())["stamp"] == first == render_index._content_stamp()
    assert stamp() == first
    template = next(copy.rglob("*.j2"))
    text, info = template.read_text(), template.stat()
    template.write_text(text.replace(text[-2], "#" if text[-2] != "#" else "$", 1)
                        if len(text) > 1 else "x")
    os.utime(template, ns=(info.st_atime_ns, info.st_mtime_ns))
    assert template.stat().st_size == info.st_size
    assert stamp() == render_index._content_stamp() != first
    kept.write_text(json.dumps({"signature": "planted", "stamp": "planted"}))
    assert stamp() == render_index._content_stamp()
    render_index.tool_stamp.cache_clear()  # the next test's stamp is of the real templates


def test_a_cache_folder_others_can_write_is_not_used(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tfgen.outdir import outguard

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert outguard.private_cache_file("x") == tmp_path / "tfgen" / "x"
    (tmp_path / "tfgen").chmod(0o777)
    assert outguard.private_cache_file("x") is None
    render_index.tool_stamp.cache_clear()
    assert render_index.tool_stamp() == render_index._content_stamp()
    assert not (tmp_path / "tfgen" / "tool-stamp.json").exists()
    render_index.tool_stamp.cache_clear()


def test_today_is_the_calendar_validation_uses(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TFGEN_TODAY", "2030-02-03")
    assert render_index.today() == calendar_today().isoformat()
    monkeypatch.delenv("TFGEN_TODAY")
    assert render_index.today() == calendar_today().isoformat()


def test_a_pending_write_or_emulator_leftover_is_never_skipped(project: Path,
                                                               rendered: list[str]) -> None:
    _settled("blueprints/shopping-mall.yaml")
    out = project / OUT
    key = tfgen.cli.render._index_key(Path("blueprints/shopping-mall.yaml"), None, None)[1]
    assert render_index.lookup(out, key) is not None
    (out / ".tfgen" / "txn").mkdir()
    assert render_index.lookup(out, key) is None
    (out / ".tfgen" / "txn").rmdir()
    (out / override_file.OVERRIDE_FILE).write_text("")
    assert render_index.lookup(out, key) is None


def test_mixed_kept_and_rendered_trees_report_in_the_order_given(
        project: Path, rendered: list[str]) -> None:
    both = ("blueprints/envs/dev.yaml", "blueprints/shopping-mall.yaml")
    _settled(*both)
    overlay = project / "blueprints" / "envs" / "dev.yaml"
    overlay.write_text(overlay.read_text() + "tags:\n  Team: one\n")
    rendered.clear()
    results = _render(*both)["results"]
    assert rendered == ["blueprints/envs/dev.yaml"]
    assert [r["blueprint"] for r in results] == list(both)
    assert results[0]["updated"] and not results[1]["updated"]
