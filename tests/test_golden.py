"""Golden snapshots: the example blueprint rendered at every stage, file by file.

A template change shows up here as a readable diff of Terraform. To accept an intended
change: `make golden` (pytest tests/test_golden.py --update-golden), then review and
commit tests/golden/.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE
from tfgen.blueprint.stages import Stage
from tfgen.project import render_blueprint

GOLDEN = Path(__file__).parent / "golden"


def _tree(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8")
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("stage", list(Stage), ids=lambda s: s.value)
def test_example_matches_golden(stage: Stage, update_golden: bool) -> None:
    files = render_blueprint(EXAMPLE, stage=stage).files
    folder = GOLDEN / stage.value
    if update_golden:
        shutil.rmtree(folder, ignore_errors=True)
        for relpath, text in files.items():
            (folder / relpath).parent.mkdir(parents=True, exist_ok=True)
            (folder / relpath).write_text(text, encoding="utf-8")
    expected = _tree(folder)
    assert sorted(files) == sorted(expected), "file set differs; run `make golden` if intended"
    for relpath, text in files.items():
        assert text == expected[relpath], f"{stage.value}/{relpath} differs from the golden copy"


def test_render_is_deterministic() -> None:
    first = render_blueprint(EXAMPLE).files
    second = render_blueprint(EXAMPLE).files
    assert first == second
    assert list(first) == sorted(first)
