"""`tfgen diagram`: the model read from the render context, DOT and mermaid text, graphviz.

The svg/png tests run the real `dot`; without graphviz they skip loudly, and under
TFGEN_REQUIRE_INTEGRATION=1 (CI, where `make graphviz` installs it) they fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.helpers import EXAMPLE, REPO, example_data, write_blueprint
from tfgen.blueprint.model import Blueprint
from tfgen.cli import main
from tfgen.cli.diagram import build
from tfgen.project import render_blueprint
from tfgen.render.context import build_context
from tfgen.render.diagram import Cluster, Diagram, Edge, Node, from_context
from tfgen.render.diagram_emit import step_markdown, to_dot, to_mermaid
from tfgen.review.diff import diff_sides
from tfgen.review.diff_report import to_markdown

DIAGRAMS = REPO / "docs" / "diagrams"
STAGES = ("on-prem", "aws", "multi-az", "static-web", "cdn")


def _ids(diagram: Diagram) -> set[str]:
    return {n.id for n in diagram.nodes}


def _edges(diagram: Diagram) -> set[tuple[str, str]]:
    return {(e.src, e.dst) for e in diagram.edges}


def _of(data: dict[str, object]) -> Diagram:
    return from_context(build_context(Blueprint.model_validate(data), "bp.yaml"))


def _dot_bin() -> str:
    """graphviz's `dot`: skip loudly without it, fail under TFGEN_REQUIRE_INTEGRATION=1."""
    found = shutil.which("dot")
    if found is None:
        if os.environ.get("TFGEN_REQUIRE_INTEGRATION") == "1":
            pytest.fail("TFGEN_REQUIRE_INTEGRATION=1 but graphviz's `dot` is missing "
                        "(`make graphviz` installs it)", pytrace=False)
        pytest.skip("GRAPHVIZ TESTS SKIPPED: `dot` is not installed (make graphviz)")
    return found


# --- the model, stage by stage ---------------------------------------------------------

def test_aws_has_both_tiers_one_database_and_a_nat_per_az() -> None:
    d = build(EXAMPLE, "aws")
    ids = _ids(d)
    assert {"web_ap_northeast_2a", "web_ap_northeast_2c", "internal_alb", "alb", "igw",
            "route53", "nat_ap_northeast_2a", "nat_ap_northeast_2c", "db_primary"} <= ids
    assert not ids & {"db_standby", "cloudfront", "bucket", "s3_endpoint"}
    assert not any(i.startswith("db_replica") for i in ids)  # replicas arrive at multi-az
    assert ("route53", "alb") in _edges(d) and ("alb", "web_ap_northeast_2a") in _edges(d)
    assert {c.id for c in d.clusters} >= {"region", "vpc", "az_ap_northeast_2a",
                                          "public_ap_northeast_2c", "private_data_ap_northeast_2c"}


def test_multi_az_adds_a_standby_in_the_other_az_and_the_replica() -> None:
    d = build(EXAMPLE, "multi-az")
    nodes = {n.id: n for n in d.nodes}
    assert nodes["db_standby"].parent == "private_data_ap_northeast_2c"
    assert nodes["db_primary"].parent == "private_data_ap_northeast_2a"
    assert "db_replica_1" in nodes and "Multi-AZ" in nodes["db_standby"].label
    assert ("db_primary", "db_standby") in _edges(d)


def test_static_web_retires_the_web_tier_and_adds_bucket_and_endpoint() -> None:
    d = build(EXAMPLE, "static-web")
    ids = _ids(d)
    assert {"bucket", "s3_endpoint"} <= ids
    assert not any(i.startswith("web_") for i in ids) and "internal_alb" not in ids
    edges = _edges(d)
    assert ("users", "bucket") in edges  # public S3 website, plain HTTP
    assert ("private_app_ap_northeast_2a", "s3_endpoint") in edges  # the route table's way
    assert ("alb", "app_ap_northeast_2a") in edges


def test_cdn_puts_cloudfront_in_front_of_bucket_and_alb() -> None:
    d = build(EXAMPLE, "cdn")
    edges = _edges(d)
    assert {("users", "cloudfront"), ("route53", "cloudfront"), ("cloudfront", "bucket"),
            ("cloudfront", "igw")} <= edges
    assert ("users", "bucket") not in edges  # the bucket is private behind OAC now
    bucket = next(n for n in d.nodes if n.id == "bucket")
    assert "OAC" in bucket.label and bucket.parent == "region"


def test_single_nat_and_no_domain_follow_the_blueprint() -> None:
    data = example_data()
    data.pop("dns")
    data["network"]["nat"] = "single"
    data["stage"] = "aws"
    d = _of(data)
    assert [i for i in _ids(d) if i.startswith("nat_")] == ["nat_ap_northeast_2a"]
    assert ("private_app_ap_northeast_2c", "nat_ap_northeast_2a") in _edges(d)
    assert "route53" not in _ids(d) and ("users", "igw") in _edges(d)
    # the empty public subnet is still drawn (held open by an invisible point)
    assert "public_ap_northeast_2c__empty" in to_dot(d)


def test_on_prem_is_one_data_centre_without_a_vpc() -> None:
    d = build(EXAMPLE, "on-prem")
    assert [c.id for c in d.clusters] == ["datacentre"]
    assert {"lb", "dbserver", "server_1"} <= _ids(d)
    assert "stage 1 on-prem" in d.title
    assert build(EXAMPLE, "1") == d


def test_output_is_deterministic() -> None:
    for stage in STAGES:
        assert build(EXAMPLE, stage) == build(EXAMPLE, stage)
        assert to_dot(build(EXAMPLE, stage)) == to_dot(build(EXAMPLE, stage))
        assert to_mermaid(build(EXAMPLE, stage)) == to_mermaid(build(EXAMPLE, stage))


# --- mermaid, structurally ---------------------------------------------------------------

_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_RESERVED = {"end", "graph", "subgraph", "flowchart", "style", "class", "classDef",
             "linkStyle", "click", "direction"}


def check_mermaid(text: str) -> None:
    """What a mermaid flowchart needs to parse; mermaid-cli needs chromium, so not it."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    assert lines[0] == "flowchart TB"
    declared: set[str] = set()
    subgraphs: set[str] = set()
    classes: set[str] = set()
    depth, edges = 0, 0
    for line in lines[1:]:
        assert "```" not in line and "<b>" not in line
        if line.startswith("%%"):
            continue
        assert line.count('"') % 2 == 0, f"unbalanced quotes: {line}"
        if m := re.fullmatch(r'subgraph (\w+)\["[^"]*"\]', line):
            subgraphs.add(m.group(1))
            depth += 1
        elif line == "end":
            depth -= 1
            assert depth >= 0
        elif line == "direction TB":
            pass
        elif m := re.fullmatch(r'(\w+)(\(\[|\[\(|\[)"[^"]*"(\]\)|\)\]|\])', line):
            assert m.group(1) not in declared, f"declared twice: {m.group(1)}"
            declared.add(m.group(1))
        elif m := re.fullmatch(r'(\w+) (-->|-\.->)(\|"[^"]*"\|)? (\w+)', line):
            # nodes only: edges at nested subgraphs break the layout (mermaid-js/mermaid#3981)
            assert {m.group(1), m.group(4)} <= declared, line
            edges += 1
        elif m := re.fullmatch(r"classDef (\w+) \S.*", line):
            classes.add(m.group(1))
        elif m := re.fullmatch(r"class ([\w,]+) (\w+)", line):
            assert set(m.group(1).split(",")) <= declared and m.group(2) in classes, line
        elif m := re.fullmatch(r"style (\w+) \S.*", line):
            assert m.group(1) in subgraphs
        elif m := re.fullmatch(r"linkStyle ([\d,]+) \S.*", line):
            assert all(int(n) < edges for n in m.group(1).split(","))
        else:
            raise AssertionError(f"not a flowchart statement: {line}")
    assert depth == 0
    for name in declared | subgraphs:
        assert _ID.match(name) and name not in _RESERVED, name
    assert not declared & subgraphs, "a node and a subgraph share an id"


@pytest.mark.parametrize("stage", STAGES)
def test_mermaid_is_well_formed(stage: str) -> None:
    check_mermaid(to_mermaid(build(EXAMPLE, stage)))


def test_labels_cannot_break_out_of_mermaid_or_dot() -> None:
    nasty = 'a "quoted" <b>x</b> ```end``` \\ back'
    d = Diagram(nasty, (Cluster("box", nasty, "vpc"),),
                (Node("one", nasty, "lb", "box"), Node("two", "two", "database")),
                (Edge("one", "two", nasty),))
    text = to_mermaid(d)
    check_mermaid(text)
    assert "<b>" not in text and "#quot;quoted#quot;" in text
    assert '\\"quoted\\"' in to_dot(d) and "\\\\ back" in to_dot(d)


def test_step_pictures_mark_what_the_step_adds_and_removes() -> None:
    aws, multi, static = (build(EXAMPLE, s) for s in ("aws", "multi-az", "static-web"))
    legend, before, after = step_markdown(aws, multi)
    assert "added" in legend and "```mermaid" in before and "```mermaid" in after
    assert "class db_replica_1,db_standby added" in after
    assert "removed" not in before.split("```mermaid")[1]  # nothing goes away
    _legend, before, after = step_markdown(multi, static)
    assert re.search(r"class [\w,]*web_ap_northeast_2a[\w,]* removed", before)
    assert re.search(r"class [\w,]*s3_endpoint[\w,]* added", after)
    assert "linkStyle" in before and "linkStyle" in after
    for block in (before, after):
        check_mermaid(block.split("```mermaid\n")[1].split("```")[0])
    assert step_markdown(multi, build(EXAMPLE, "multi-az")) == []


# --- where the pictures appear ---------------------------------------------------------

def test_root_readme_embeds_the_stage_picture() -> None:
    readme = render_blueprint(EXAMPLE, stage="multi-az").files["README.md"]
    block = readme.split("```mermaid\n")[1].split("```")[0]
    assert block == to_mermaid(build(EXAMPLE, "multi-az"))
    check_mermaid(block)


def test_markdown_diff_shows_before_and_after() -> None:
    md = to_markdown(diff_sides(f"{EXAMPLE}@static-web", f"{EXAMPLE}@cdn"))
    assert "<summary>Architecture before → after</summary>" in md
    assert md.count("```mermaid") == 2 and "class cloudfront added" in md


@pytest.mark.parametrize("stage", STAGES)
def test_committed_diagrams_are_current(stage: str) -> None:
    """docs/diagrams/<stage>.dot is what tfgen draws; the PNG beside it comes from it.

    PNG bytes differ between graphviz versions (and fonts), so the DOT text is what is
    compared; `python docs/diagrams/generate.py` rewrites both.
    """
    committed = (DIAGRAMS / f"{stage}.dot").read_text(encoding="utf-8")
    assert committed == to_dot(build(EXAMPLE, stage)), \
        "run `python docs/diagrams/generate.py` and commit docs/diagrams/"
    assert (DIAGRAMS / f"{stage}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# --- graphviz and the command ----------------------------------------------------------

def test_real_dot_renders_svg_and_png(tmp_path: Path) -> None:
    _dot_bin()
    runner = CliRunner()
    for stage in ("on-prem", "cdn"):
        svg = tmp_path / f"{stage}.svg"
        result = runner.invoke(main, ["diagram", str(EXAMPLE), "--stage", stage,
                                      "--out", str(svg)])
        assert result.exit_code == 0, result.output
        text = svg.read_text(encoding="utf-8")
        assert "<svg" in text and ("CloudFront" in text or "data centre" in text)
    png = tmp_path / "mall.png"
    assert runner.invoke(main, ["diagram", str(EXAMPLE), "--out", str(png)]).exit_code == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 10_000
    piped = runner.invoke(main, ["diagram", str(EXAMPLE), "--format", "png"])  # not a TTY
    assert piped.exit_code == 0 and piped.stdout_bytes[:8] == b"\x89PNG\r\n\x1a\n"


def test_make_test_installs_graphviz_first() -> None:
    """CI (`make test` on a clean machine) gets `dot` from the `graphviz` step."""
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    test_line = next(ln for ln in makefile.splitlines() if ln.startswith("test:"))
    assert "graphviz" in test_line.split(":", 1)[1].split()
    assert "apt-get install -y -qq graphviz" in makefile


def test_cli_formats_and_exit_codes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    bp = str(EXAMPLE)
    result = runner.invoke(main, ["diagram", bp])
    assert result.exit_code == 0 and result.output.startswith("flowchart TB")
    data = json.loads(runner.invoke(main, ["diagram", bp, "--format", "json"]).output)
    assert {"title", "clusters", "nodes", "edges"} == set(data)
    before = runner.invoke(main, ["diagram", bp, "--before", "--format", "dot"])
    assert before.exit_code == 0 and "cluster_datacentre" in before.output
    out = tmp_path / "x.dot"
    assert runner.invoke(main, ["diagram", bp, "--stage", "2", "--out", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == to_dot(build(EXAMPLE, "aws"))
    assert runner.invoke(main, ["diagram", bp, "--stage", "6"]).exit_code == 2
    assert runner.invoke(main, ["diagram", bp, "--before", "--stage", "cdn"]).exit_code == 2
    assert runner.invoke(main, ["diagram", str(tmp_path / "none.yaml")]).exit_code == 2
    bad = write_blueprint(tmp_path, {"name": "Bad Name"}, "bad.yaml")
    assert runner.invoke(main, ["diagram", str(bad)]).exit_code == 2
    assert "Example" in runner.invoke(main, ["diagram", "--help"]).output
    monkeypatch.setattr(shutil, "which", lambda _name: None)  # no graphviz on this PATH
    missing = runner.invoke(main, ["diagram", bp, "--format", "svg"])
    assert missing.exit_code == 1 and "apt-get install graphviz" in missing.output
