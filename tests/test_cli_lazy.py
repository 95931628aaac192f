"""The lazy command registry (tfgen/cli/__init__.py): same commands and help, less loaded.

Behaviour only: which modules a command loads, never how long it takes (bench/ does that).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from tfgen.cli import COMMANDS, load, main, short_help

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_static_short_help_is_what_the_command_would_show(name: str) -> None:
    command = load(COMMANDS[name])
    assert isinstance(command, click.Command)
    assert command.name == name
    for limit in (20, 45, 60, 80, 120):
        assert short_help(COMMANDS[name].short_help, limit) == command.get_short_help_str(limit)


def _loaded_after(args: list[str], tmp_path: Path) -> set[str]:
    """The tfgen/pydantic/jinja2 modules a fresh `tfgen ARGS` process has imported."""
    script = (
        "import json, sys\n"
        "from tfgen.cli import main\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        "names = [m for m in sys.modules if m.split('.')[0] in ('tfgen', 'pydantic', 'jinja2')]\n"
        "sys.stderr.write('MODULES=' + json.dumps(sorted(names)) + '\\n')\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True,
                          text=True, check=True)
    line = next(ln for ln in done.stderr.splitlines() if ln.startswith("MODULES="))
    return set(json.loads(line.removeprefix("MODULES=")))


def test_version_loads_no_command(tmp_path: Path) -> None:
    loaded = _loaded_after(["--version"], tmp_path)
    assert loaded <= {"tfgen", "tfgen.cli", "tfgen.errors"}, loaded


def test_help_lists_every_command_without_loading_them(tmp_path: Path) -> None:
    loaded = _loaded_after(["--help"], tmp_path)
    assert not any(m.startswith("tfgen.cli.") for m in loaded), loaded
    assert "pydantic.main" not in loaded and "jinja2" not in loaded
    listed = CliRunner().invoke(main, ["--help"]).output
    for name in COMMANDS:
        assert f"  {name} " in listed


def test_render_loads_no_review_or_deploy_code(tmp_path: Path) -> None:
    blueprint = ROOT / "blueprints" / "shopping-mall.yaml"
    loaded = _loaded_after(["render", str(blueprint), "--out", "mall"], tmp_path)
    assert (tmp_path / "mall" / "main.tf").is_file()
    assert "tfgen.cli.render" in loaded
    for review in ("tfgen.cli.apply", "tfgen.cli.diff", "tfgen.deploy.workflow",
                   "tfgen.review.diff", "tfgen.review.diff_report", "tfgen.review.plan_review",
                   "tfgen.review.risks"):
        assert review not in loaded, review
    assert "tfgen.cli.jobs" not in loaded and "multiprocessing" not in loaded  # -j only


def test_a_command_help_loads_only_its_module(tmp_path: Path) -> None:
    loaded = _loaded_after(["diff", "--help"], tmp_path)
    assert "tfgen.cli.diff" in loaded
    assert "tfgen.cli.apply" not in loaded and "tfgen.cli.render" not in loaded


def test_unknown_command_is_still_a_usage_error() -> None:
    result = CliRunner().invoke(main, ["rendr"])
    assert result.exit_code == 2
    assert "No such command 'rendr'" in result.output
