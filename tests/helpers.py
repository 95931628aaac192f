"""Small builders tests use to show their own inputs inline (copier's habit)."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path
from typing import Any

import yaml

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "blueprints" / "shopping-mall.yaml"


def example_data() -> dict[str, Any]:
    """The example blueprint as plain data, to mutate in a test."""
    data = yaml.safe_load(EXAMPLE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def example_base(folder: Path, name: str = "envs/dev.yaml") -> str:
    """`extends:` text for the repository's example blueprint `name`, copied under
    `folder/example/` first: a base must live inside its overlay's project."""
    target = folder / "example"
    if not target.exists():
        shutil.copytree(REPO / "blueprints", target)
    return f"example/{name}"


def write_blueprint(tmp: Path, data: dict[str, Any] | str, name: str = "bp.yaml") -> Path:
    """Write a blueprint (data or raw YAML text) under `tmp/blueprints/` and return its path."""
    folder = tmp / "blueprints"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


def interruptible() -> None:
    """`preexec_fn` for a tfgen process a test will send Ctrl-C: SIGINT at its default.

    A shell starts a background job (`make test &`) with SIGINT ignored; the tests' worker
    and every process it starts inherit that, and Python then installs no SIGINT handler,
    so the signal does nothing. That is right for tfgen (a background job keeps ignoring
    Ctrl-C), but a test of Ctrl-C must start it as a terminal would.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
