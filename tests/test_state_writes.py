"""tfgen's own state under `out/.tfgen/` (saved-plan records, applied snapshots) is
written like the rendered files: atomically and durably (fsync before the rename, the
folder after it), through tfgen.outdir.outguard.write_private."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tfgen.outdir import outguard


def test_write_private_fsyncs_the_file_and_its_folder(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    synced: list[str] = []
    real = os.fsync

    def spy(fd: int) -> None:
        synced.append("dir" if stat.S_ISDIR(os.fstat(fd).st_mode) else "file")
        real(fd)

    monkeypatch.setattr(os, "fsync", spy)
    target = tmp_path / ".tfgen" / "plan" / "plan.json"
    outguard.write_private(target, "{}\n")
    assert target.read_text(encoding="utf-8") == "{}\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert synced == ["file", "dir"]
    assert [p.name for p in target.parent.iterdir()] == ["plan.json"]  # no temporary left
