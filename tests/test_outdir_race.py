"""The output-directory check decides from one look, so a concurrent render cannot fool it."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from tfgen.errors import InputError
from tfgen.outdir.outdir import require_directory


def test_a_folder_another_render_creates_meanwhile_is_not_something_else(
        tmp_path: Path) -> None:
    # Two renders of one new tree: one creates the folder while the other checks it. The
    # check once made two calls ("is it a directory?" no; "does it exist?" yes) and refused
    # a folder that was fine (a CI run of test_concurrent_render_pairs). This failed on
    # that code within 20,000 checks every time it was run.
    out = tmp_path / "out"
    stop = threading.Event()

    def churn() -> None:
        while not stop.is_set():
            out.mkdir()
            out.rmdir()

    worker = threading.Thread(target=churn)
    worker.start()
    errors: list[str] = []
    try:
        for _ in range(20_000):
            try:
                require_directory(out, "out")
            except InputError as exc:
                errors.append(str(exc))
    finally:
        stop.set()
        worker.join()
    assert not errors, errors[:2]


@pytest.mark.parametrize(("make", "said"), [
    (lambda p: p.write_text("x"), "is a file"),
    (lambda p: p.symlink_to(p.parent / "nowhere"), "symbolic link that leads nowhere"),
    (lambda p: p.symlink_to(p), "symbolic link that leads nowhere \\(or in a loop\\)"),
    (lambda p: os.mkfifo(p), "exists and is not a directory"),
])
def test_what_blocks_the_output_folder_is_named(tmp_path: Path, make: object,
                                                said: str) -> None:
    blocker = tmp_path / "parent"
    make(blocker)  # type: ignore[operator]
    with pytest.raises(InputError, match=said) as caught:
        require_directory(blocker / "out", "parent/out")
    assert "cannot create the output directory" in str(caught.value)


def test_an_existing_folder_or_nothing_at_all_passes(tmp_path: Path) -> None:
    require_directory(tmp_path, "here")
    require_directory(tmp_path / "a" / "b" / "c", "a/b/c")
