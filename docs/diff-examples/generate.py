"""Regenerate the committed `tfgen diff --format markdown` examples of every stage step.

Run from the repository root: `python docs/diff-examples/generate.py`.
tests/test_diff.py fails when a committed example differs from what this produces.
"""

from __future__ import annotations

import sys
from pathlib import Path

from tfgen.review.diff import diff_sides
from tfgen.review.diff_report import to_markdown

HERE = Path(__file__).resolve().parent
BLUEPRINT = "blueprints/shopping-mall.yaml"
STEPS = [("aws", "multi-az"), ("multi-az", "static-web"), ("static-web", "cdn")]


def examples() -> dict[str, str]:
    """File name -> markdown, for every step up the ladder and back down."""
    out: dict[str, str] = {}
    for low, high in STEPS:
        for old, new in ((low, high), (high, low)):
            report = diff_sides(f"{BLUEPRINT}@{old}", f"{BLUEPRINT}@{new}")
            out[f"{old}-to-{new}.md"] = to_markdown(report)
    return out


def main() -> int:
    for name, text in examples().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote {(HERE / name).relative_to(Path.cwd()) if HERE.is_relative_to(Path.cwd()) else HERE / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
