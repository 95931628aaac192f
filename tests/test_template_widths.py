"""Templates place finished `name = value` lines; hcl.py computes the alignment (issue 12).

`terraform fmt` aligns the `=` of consecutive one-line arguments; tfgen.render.hcl.aligned
pads them once, in Python, and the templates only place the lines.
"""

from __future__ import annotations

from tests.helpers import REPO
from tfgen.render.hcl import aligned


def test_aligned_pads_to_the_longest_name_and_leaves_multi_line_values() -> None:
    assert aligned({"bucket": '"b"', "encrypt": "true", "tags": "{\n  a = 1\n}"}) == [
        'bucket  = "b"', "encrypt = true", "tags = {\n  a = 1\n}"]
    assert aligned({}) == []


def test_no_template_computes_a_column_width() -> None:
    offenders = [path.relative_to(REPO).as_posix()
                 for path in sorted((REPO / "templates").rglob("*.j2"))
                 if "map('length')" in path.read_text(encoding="utf-8")
                 or 'map("length")' in path.read_text(encoding="utf-8")]
    assert offenders == []
