"""The bad-blueprint corpus: every way a blueprint can be wrong, with its exact message.

Each file in tests/bad/ starts with comment lines:

    # what the file gets wrong (and which rule it exercises)
    # args: --stage multi-az            (optional extra `tfgen render` arguments)
    # expect: LINE:COL: field.path: what is wrong — what would be right

The expected lines are the complete list of problems (in the order tfgen prints them)
for that file; line numbers count the comment lines too. One parametrised test renders
each file through the CLI and checks: exit 2, exactly those problems, no traceback,
nothing written to out/.
"""

from __future__ import annotations

import json
import shlex
import shutil
import time
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.helpers import EXAMPLE
from tfgen.blueprint.loader import MAX_BYTES
from tfgen.blueprint.model import Blueprint
from tfgen.blueprint.validate import load_blueprint
from tfgen.cli import main
from tfgen.errors import BlueprintInvalid, RenderError
from tfgen.render.context import build_context
from tfgen.render.render import render, templates_dir

BAD = Path(__file__).parent / "bad"
CORPUS = sorted(BAD.glob("*.yaml"))


def _header(path: Path) -> tuple[str, list[str], list[str]]:
    """(description, extra args, expected problems) from the file's leading comments."""
    description, args, expected = "", [], []
    for raw in path.read_bytes().splitlines():
        if not raw.startswith(b"#"):
            break
        line = raw.decode("utf-8")
        if line.startswith("# expect: "):
            expected.append(line.removeprefix("# expect: "))
        elif line.startswith("# args: "):
            args = shlex.split(line.removeprefix("# args: "))
        elif not description:
            description = line.removeprefix("# ")
    return description, args, expected


def _run(project: Path, name: str, *args: str,
         monkeypatch: pytest.MonkeyPatch) -> Result:
    monkeypatch.chdir(project)
    return CliRunner().invoke(main, ["render", f"blueprints/{name}", *args])


def _problems(result: Result, name: str) -> list[str]:
    prefix = f"blueprints/{name}:"
    lines = [line.removeprefix("error: ") for line in result.output.splitlines()]
    return [line[len(prefix):] for line in lines if line.startswith(prefix)]


def test_the_corpus_is_big_and_every_file_says_what_it_expects() -> None:
    assert len(CORPUS) >= 40
    for path in CORPUS:
        description, _, expected = _header(path)
        assert description and expected, f"{path.name}: needs a description and # expect:"


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_bad_blueprint(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _, args, expected = _header(path)
    (tmp_path / "blueprints").mkdir()
    shutil.copyfile(path, tmp_path / "blueprints" / path.name)
    result = _run(tmp_path, path.name, *args, monkeypatch=monkeypatch)
    assert result.exit_code == 2, result.output
    assert isinstance(result.exception, SystemExit | None), result.exception
    assert "Traceback" not in result.output and "internal error" not in result.output
    assert _problems(result, path.name) == expected, result.output
    n = len(expected)
    assert f"{n} problem{'s' if n != 1 else ''} found; nothing was written." in result.output
    assert not (tmp_path / "out").exists()


def test_json_format_gives_the_same_problems(tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    path = BAD / "everything-at-once.yaml"
    (tmp_path / "blueprints").mkdir()
    shutil.copyfile(path, tmp_path / "blueprints" / path.name)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", "--format", "json",
                                       f"blueprints/{path.name}"])
    assert result.exit_code == 2
    problems = json.loads(result.stdout)["problems"]
    shown = [f"{p['line']}:{p['column']}: {p['path']}: {p['message']}" for p in problems]
    assert shown == _header(path)[2]


def test_unknown_stage_option_is_a_usage_error(tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "blueprints" / "ok.yaml").write_text("name: shop\n")
    result = _run(tmp_path, "ok.yaml", "--stage", "kubernetes", monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert "Invalid value for '--stage': 'kubernetes' is not one of 'aws'" in result.output
    assert not (tmp_path / "out").exists()


def test_zero_byte_file_is_empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "blueprints" / "empty.yaml").write_bytes(b"")
    result = _run(tmp_path, "empty.yaml", monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert _problems(result, "empty.yaml") == [
        "1:1: the file is empty — a blueprint needs at least `name:`"]


def test_missing_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "blueprints").mkdir()
    result = _run(tmp_path, "nope.yaml", monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert _problems(result, "nope.yaml") == [
        "1:1: no such file — check the path (blueprints usually live in blueprints/)"]


@pytest.mark.parametrize("size", [MAX_BYTES + 1, 50 * 1024 * 1024])
def test_huge_file_is_refused_fast(size: int, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "blueprints").mkdir()
    big = tmp_path / "blueprints" / "big.yaml"
    with big.open("wb") as handle:  # sparse where the filesystem allows: cheap to make
        handle.write(b"name: shop\ntags:\n")
        handle.truncate(size)
    started = time.monotonic()
    result = _run(tmp_path, "big.yaml", monkeypatch=monkeypatch)
    assert time.monotonic() - started < 2
    assert result.exit_code == 2
    assert _problems(result, "big.yaml") == [
        f"1:1: file is {size} bytes; a blueprint may be at most {MAX_BYTES} bytes — is this "
        "the right file?"]


def test_many_values_just_under_the_size_limit_stop_in_bounded_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines = ["name: shop", "tags:"] + [f"  k{i}: v" for i in range(30_000)]
    text = "\n".join(lines)[: MAX_BYTES - 10] + "\n"
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "blueprints" / "many.yaml").write_text(text)
    started = time.monotonic()
    result = _run(tmp_path, "many.yaml", monkeypatch=monkeypatch)
    assert time.monotonic() - started < 10
    assert result.exit_code == 2
    [problem] = _problems(result, "many.yaml")
    assert "document too complex: more than 20000 values" in problem


def test_python_tags_never_construct_anything(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    marker = tmp_path / "pwned"
    (tmp_path / "blueprints").mkdir()
    (tmp_path / "blueprints" / "evil.yaml").write_text(
        f"name: shop\nweb: !!python/object/apply:os.system ['touch {marker}']\n"
        f"app: !!python/object/new:subprocess.check_call [['touch', '{marker}']]\n")
    result = _run(tmp_path, "evil.yaml", monkeypatch=monkeypatch)
    assert result.exit_code == 2
    assert not marker.exists()
    assert len(_problems(result, "evil.yaml")) == 2


# --- template and internal failures name where they happened ---------------------------

def _broken_templates(tmp_path: Path) -> Path:
    base = tmp_path / "templates"
    shutil.copytree(templates_dir(), base)
    target = base / "modules" / "network" / "main.tf.j2"
    lines = target.read_text().splitlines(keepends=True)
    lines.insert(2, "{{ no_such_variable }}\n")
    target.write_text("".join(lines))
    return base


def test_template_failure_names_the_module_and_line(tmp_path: Path) -> None:
    blueprint, _ = load_blueprint(EXAMPLE)
    assert isinstance(blueprint, Blueprint)
    ctx = build_context(blueprint, "blueprints/shopping-mall.yaml", base_dir=EXAMPLE.parent)
    with pytest.raises(RenderError) as caught:
        render(ctx, base=_broken_templates(tmp_path))
    assert str(caught.value) == ("template network/main.tf.j2:3: UndefinedError: "
                                 "'no_such_variable' is undefined")


def test_template_failure_through_the_cli_has_no_traceback(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    broken = _broken_templates(tmp_path)
    monkeypatch.setattr("tfgen.render.render.templates_dir", lambda: broken)
    (tmp_path / "blueprints").mkdir()
    shutil.copyfile(EXAMPLE, tmp_path / "blueprints" / "mall.yaml")
    result = _run(tmp_path, "mall.yaml", monkeypatch=monkeypatch)
    assert result.exit_code == 1
    assert "error: template network/main.tf.j2:3: UndefinedError" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()


def test_load_blueprint_raises_with_located_problems(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("name: shop\nweb:\n  port: 0\n")
    with pytest.raises(BlueprintInvalid) as caught:
        load_blueprint(path, display="x.yaml")
    [problem] = caught.value.problems
    assert (problem.file, problem.line, problem.column, problem.path) == \
        ("x.yaml", 3, 9, "web.port")
