"""Regenerate the committed pictures of every stage of the example blueprint.

Run from the repository root: `python docs/diagrams/generate.py` (needs graphviz's `dot`).
Each stage gets its DOT source (`<stage>.dot`, what tests/test_diagram.py compares with a
fresh build: it is text and the same everywhere) and a PNG drawn from it by `dot` (the
PNG's bytes vary with the graphviz version and fonts, so no test compares them).
"""

from __future__ import annotations

import sys
from pathlib import Path

from tfgen.cli.diagram import build
from tfgen.render.diagram_emit import render_graphviz, to_dot

HERE = Path(__file__).resolve().parent
BLUEPRINT = Path("blueprints/shopping-mall.yaml")
STAGES = ("on-prem", "aws", "multi-az", "static-web", "cdn")


def sources() -> dict[str, str]:
    """Stage -> DOT text of the example blueprint's picture."""
    return {stage: to_dot(build(BLUEPRINT, stage)) for stage in STAGES}


def main() -> int:
    for stage, dot in sources().items():
        (HERE / f"{stage}.dot").write_text(dot, encoding="utf-8")
        (HERE / f"{stage}.png").write_bytes(render_graphviz(dot, "png"))
        print(f"wrote docs/diagrams/{stage}.dot and .png")
    return 0


if __name__ == "__main__":
    sys.exit(main())
