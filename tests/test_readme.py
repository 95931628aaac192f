"""The outputs README.md quotes are real: run each quoted command and compare.

Every ```console block of README.md that starts with `$ tfgen ...` is run through the CLI
in a fresh copy of the project, after the setup the prose around it describes (SETUPS,
keyed by the command). A README block with no setup here fails the test, so a new quote
cannot go unchecked. docs/errors.md's blocks with a setup are checked the same way.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import REPO
from tfgen.cli import main

BLOCK = re.compile(r"```console\n(\$ [^\n]+)\n(.*?)```", re.S)


def _no_setup(project: Path) -> None:
    """Nothing to prepare: the command runs in a fresh copy of the project."""


def _bad_cases(project: Path) -> None:
    """The catalogue of broken blueprints the quote reads (tests/bad/)."""
    shutil.copytree(REPO / "tests" / "bad", project / "tests" / "bad")


def _hand_edit(project: Path) -> None:
    """The prose: render, then edit a generated file by hand (the environment's default)."""
    result = CliRunner().invoke(main, ["render", "blueprints/shopping-mall.yaml"])
    assert result.exit_code == 0, result.output
    variables = project / "out" / "shopping-mall" / "variables.tf"
    text = variables.read_text(encoding="utf-8")
    assert '  default     = "demo"' in text
    variables.write_text(text.replace('  default     = "demo"', '  default = "dev"', 1),
                         encoding="utf-8")


SETUPS: dict[str, Callable[[Path], None]] = {
    "tfgen validate examples/typo.yaml": _no_setup,
    "tfgen validate tests/bad/edition-class-express.yaml": _bad_cases,
    "tfgen render blueprints/shopping-mall.yaml": _hand_edit,
}


def _blocks(doc: str) -> list[tuple[str, str]]:
    text = (REPO / doc).read_text(encoding="utf-8")
    return [(m.group(1).removeprefix("$ "), m.group(2)) for m in BLOCK.finditer(text)]


QUOTES = [(doc, command, output) for doc in ("README.md", "docs/errors.md")
          for command, output in _blocks(doc)
          if doc == "README.md" or command in SETUPS]


def test_every_readme_quote_has_a_setup() -> None:
    commands = [command for command, _ in _blocks("README.md")]
    assert commands, "README.md quotes no commands: did the ```console blocks move?"
    assert [c for c in commands if c not in SETUPS] == []
    assert "examples/typo.yaml" in " ".join(commands)


@pytest.mark.parametrize("doc, command, quoted", QUOTES,
                         ids=[f"{d}:{c}" for d, c, _ in QUOTES])
def test_quoted_output_is_what_tfgen_prints(doc: str, command: str, quoted: str,
                                            tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in ("blueprints", "examples"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    monkeypatch.chdir(tmp_path)
    SETUPS[command](tmp_path)
    argv = shlex.split(command)
    assert argv[0] == "tfgen"
    result = CliRunner().invoke(main, argv[1:])
    assert result.output == quoted, f"{doc} quotes a different output for `{command}`"
