"""How long `tfgen diff` takes on the example between two stages (the review loop)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import EXAMPLE, per_call

from tfgen.review.diff import diff_sides
from tfgen.review.diff_report import to_markdown, to_text


def bench_diff() -> float:
    """Both sides loaded, validated, inventoried, compared, risks, text report."""
    return per_call(lambda: to_text(diff_sides(f"{EXAMPLE}@multi-az", f"{EXAMPLE}@static-web")))


def bench_diff_markdown_two_steps() -> float:
    """A larger diff (aws -> cdn) formatted as a pull-request comment."""
    return per_call(lambda: to_markdown(diff_sides(f"{EXAMPLE}@aws", f"{EXAMPLE}@cdn")))
