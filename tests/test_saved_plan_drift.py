"""The saved-plan check finds hand edits with the same safe reads as `tfgen render`.

`saved_plan.hand_edits` used to open every manifest path itself (following links, waiting
on a FIFO); it now asks `output_plan.drift`, the one hand-edit check of the output layer.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from tfgen.deploy.saved_plan import hand_edits
from tfgen.outdir.output_plan import MANIFEST, digest


def _tree(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    (out / MANIFEST).parent.mkdir(parents=True)
    files = {"main.tf": "a\n", "variables.tf": "b\n", "outputs.tf": "c\n", "versions.tf": "d\n"}
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8")
    (out / MANIFEST).write_text(json.dumps({"files": {n: digest(t) for n, t in files.items()}}),
                                encoding="utf-8")
    return out


def test_edits_deletions_and_foreign_files_are_found(tmp_path: Path) -> None:
    out = _tree(tmp_path)
    assert hand_edits(out) == []
    (out / "main.tf").write_text("changed\n", encoding="utf-8")
    (out / "variables.tf").unlink()
    (out / "extra.tf").write_text("", encoding="utf-8")
    assert hand_edits(out) == ["main.tf (edited)", "variables.tf (deleted)",
                               "extra.tf (not written by tfgen)"]


def test_a_link_or_fifo_in_a_clone_is_an_edit_not_a_read(tmp_path: Path) -> None:
    out = _tree(tmp_path)
    secret = tmp_path / "secret"
    secret.write_text("c\n", encoding="utf-8")  # the content tfgen wrote, elsewhere
    (out / "outputs.tf").unlink()
    (out / "outputs.tf").symlink_to(secret)
    (out / "versions.tf").unlink()
    os.mkfifo(out / "versions.tf")  # opening it for reading would wait for a writer
    assert hand_edits(out) == ["outputs.tf (edited)", "versions.tf (edited)"]
