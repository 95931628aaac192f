"""A diagram model (tfgen/render/diagram.py) as DOT, SVG/PNG (graphviz) and mermaid text.

Each text is a pure function of the model, in model order, so the same blueprint gives
the same bytes. Only `render_graphviz` runs a program: graphviz's `dot`. `step_markdown`
draws a stage step as two mermaid pictures, before and after, with what the step adds
and removes marked.
"""

from __future__ import annotations

import itertools
import shutil
import subprocess
from collections.abc import Mapping

from tfgen.errors import GraphvizError
from tfgen.render.diagram import Diagram, Node

# Colours of the AWS Architecture Icons categories (networking purple, compute orange,
# database magenta, storage green) and group boxes (public subnet green, private teal).
NODE_STYLE: dict[str, tuple[str, str, str]] = {  # kind -> (dot shape, fill, border)
    "actor": ("ellipse", "#FFFFFF", "#232F3E"),
    "dns": ("box", "#F3EEFF", "#8C4FFF"),
    "cdn": ("box", "#F3EEFF", "#8C4FFF"),
    "lb": ("box", "#F3EEFF", "#8C4FFF"),
    "gateway": ("box", "#F3EEFF", "#8C4FFF"),
    "compute": ("box", "#FDF0E5", "#ED7100"),
    "database": ("cylinder", "#FAE8FA", "#C925D1"),
    "storage": ("cylinder", "#F2F6E8", "#7AA116"),
    "server": ("box3d", "#F2F3F3", "#545B64"),
}
CLUSTER_STYLE: dict[str, tuple[str, str, str]] = {  # kind -> (dot style, fill, border)
    "region": ("dashed", "#FFFFFF", "#00A4A6"),
    "vpc": ("solid", "#FFFFFF", "#8C4FFF"),
    "az": ("dashed", "#FFFFFF", "#147EBA"),
    "public": ("filled", "#F2F6E8", "#7AA116"),
    "private": ("filled", "#E6F6F7", "#00A4A6"),
    "datacentre": ("filled", "#F2F3F3", "#545B64"),
}
#: How a stage step's pictures mark parts: mermaid classDef bodies and label prefixes.
MARKS = {
    "added": "fill:#DAFBE1,stroke:#1A7F37,stroke-width:3px,color:#0A3622",
    "removed": "fill:#FFEBE9,stroke:#CF222E,stroke-width:2px,stroke-dasharray:5 5,"
               "color:#82071E",
    "changed": "fill:#FFF8C5,stroke:#9A6700,stroke-width:3px,color:#3B2300",
}
EDGE_MARKS = {"added": "stroke:#1A7F37,stroke-width:3px",
              "removed": "stroke:#CF222E,stroke-width:2px,stroke-dasharray:5 5"}
PREFIX = {"added": "+ ", "removed": "− ", "changed": "~ "}



# --- DOT -----------------------------------------------------------------------------

def _dq(text: str) -> str:
    """A DOT double-quoted string; newlines become centred line breaks."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _inside(diagram: Diagram) -> dict[str, list[str]]:
    """Cluster id -> the node ids anywhere inside it, in model order."""
    parent = {c.id: c.parent for c in diagram.clusters}
    found: dict[str, list[str]] = {c.id: [] for c in diagram.clusters}
    for n in diagram.nodes:
        box = n.parent
        while box:
            found[box].append(n.id)
            box = parent[box]
    return found


def _spacer_columns(diagram: Diagram, inside: dict[str, list[str]]) -> list[list[str]]:
    """Keep an empty box in its place among its sibling boxes (subnets stack in order)."""
    columns = []
    for c in diagram.clusters:
        if inside[c.id]:
            continue
        siblings = [s.id for s in diagram.clusters if s.parent == c.parent]
        at = siblings.index(c.id)
        above = [i for s in siblings[:at] for i in inside[s]][-1:]
        below = [i for s in siblings[at + 1:] for i in inside[s]][:1]
        columns.append([*above, f"{c.id}__empty", *below])
    return columns


def to_dot(diagram: Diagram) -> str:
    """Graphviz DOT text: same model, same bytes."""
    inside = _inside(diagram)
    out = ["digraph tfgen {",
           f"  graph [label={_dq(diagram.title)}, labelloc=t, fontsize=16, "
           'fontname="Helvetica", rankdir=TB, newrank=true, compound=true, nodesep=0.35, '
           'ranksep=0.45, pad=0.3, bgcolor="#FFFFFF"];',
           '  node [fontname="Helvetica", fontsize=11, style="filled", margin="0.15,0.06"];',
           '  edge [fontname="Helvetica", fontsize=9, color="#545B64", fontcolor="#232F3E", '
           "arrowsize=0.7];"]

    def emit(parent: str, indent: str) -> None:
        for n in (n for n in diagram.nodes if n.parent == parent):
            shape, fill, border = NODE_STYLE[n.kind]
            rounded = ', style="rounded,filled"' if shape == "box" else ""
            out.append(f'{indent}{n.id} [label={_dq(n.label)}, shape={shape}, '
                       f'fillcolor="{fill}", color="{border}"{rounded}];')
        for c in (c for c in diagram.clusters if c.parent == parent):
            style, fill, border = CLUSTER_STYLE[c.kind]
            out.append(f"{indent}subgraph cluster_{c.id} {{")
            out.append(f"{indent}  label={_dq(c.label)}; labeljust=l; fontsize=11; "
                       f'fontname="Helvetica"; style="{style}"; fillcolor="{fill}"; '
                       f'color="{border}"; penwidth=1.5;')
            if not inside[c.id]:  # graphviz draws no empty cluster: hold it open
                out.append(f'{indent}  {c.id}__empty [label="", shape=point, style=invis];')
            emit(c.id, indent + "  ")
            out.append(f"{indent}}}")

    emit("", "  ")
    for e in diagram.edges:
        src, dst, attrs = e.src, e.dst, [f"label={_dq(' ' + e.label + ' ')}"] if e.label else []
        if src in inside:  # a subnet's route table: from the box's edge (compound=true)
            src, attrs = inside[src][0], [*attrs, f"ltail=cluster_{src}"]
        if dst in inside:
            dst, attrs = inside[dst][0], [*attrs, f"lhead=cluster_{dst}"]
        attrs += ["style=dashed"] if e.dashed else []
        attrs += ["constraint=false"] if e.back else []
        out.append(f"  {src} -> {dst}" + (f" [{', '.join(attrs)}]" if attrs else "") + ";")
    for row in diagram.rows:
        out.append(f"  {{ rank=same; {'; '.join(row)}; }}")
    for column in [*diagram.columns, *_spacer_columns(diagram, inside)]:
        out += [f"  {a} -> {b} [style=invis, weight=4];"
                for a, b in itertools.pairwise(column)]
    return "\n".join(out) + "\n}\n"


def render_graphviz(dot_text: str, fmt: str) -> bytes:
    """`dot -T<fmt>` of `dot_text` (svg or png); GraphvizError when dot is missing or fails."""
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizError("graphviz's `dot` is not installed (Debian: `apt-get install "
                            "graphviz`); --format mermaid or dot needs no graphviz")
    try:
        done = subprocess.run([dot, f"-T{fmt}"], input=dot_text.encode(), capture_output=True,
                              check=False, timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise GraphvizError(f"running {dot}: {exc}") from exc
    if done.returncode != 0:
        raise GraphvizError(f"dot -T{fmt} failed: {done.stderr.decode(errors='replace')}")
    return done.stdout


# --- mermaid -------------------------------------------------------------------------

#: Characters a mermaid label must not hold as such: the closing quote, HTML (GitHub
#: renders labels as HTML) and the backtick (starts a markdown label; ``` ends the fence).
#: Mermaid's entity codes, `#quot;` and decimal `#60;`: its test/examples/leadingComments.html
#: (`A["A double quote:#quot;"] -->B["A dec char:#9829;"]`).
_MERMAID_ESCAPES = str.maketrans({'"': "#quot;", "<": "#60;", ">": "#62;", "`": "#96;"})


def _mq(text: str) -> str:
    """A mermaid quoted label, entity-escaped; line breaks become <br>."""
    return '"' + text.translate(_MERMAID_ESCAPES).replace("\n", "<br>") + '"'


def _mermaid_node(n: Node, mark: str | None) -> str:
    label = _mq(PREFIX.get(mark or "", "") + n.label)
    if n.kind in ("database", "storage"):
        return f"{n.id}[({label})]"
    return f"{n.id}([{label}])" if n.kind == "actor" else f"{n.id}[{label}]"


def to_mermaid(diagram: Diagram, marks: Mapping[str, str] | None = None,
               edge_marks: Mapping[tuple[str, str], str] | None = None) -> str:
    """A mermaid flowchart; `marks` (node id -> added/removed/changed) highlight a step."""
    marks, edge_marks = marks or {}, edge_marks or {}
    title = diagram.title.translate(_MERMAID_ESCAPES).replace("\n", " ")
    out = ["flowchart TB", f"  %% {title}"]

    def emit(parent: str, indent: str) -> None:
        out.extend(f"{indent}{_mermaid_node(n, marks.get(n.id))}"
                   for n in diagram.nodes if n.parent == parent)
        for c in (c for c in diagram.clusters if c.parent == parent):
            out.append(f"{indent}subgraph {c.id}[{_mq(c.label)}]")
            out.append(f"{indent}  direction TB")
            emit(c.id, indent + "  ")
            out.append(f"{indent}end")

    emit("", "  ")
    # A subnet's route table is drawn from the subnet's first node: mermaid's dagre layout
    # fails on edges that start at a nested subgraph (mermaid-js/mermaid#3981, #4508).
    inside = _inside(diagram)
    for e in diagram.edges:
        label = f"|{_mq(e.label)}|" if e.label else ""
        src, dst = (inside[i][0] if i in inside else i for i in (e.src, e.dst))
        out.append(f"  {src} {'-.->' if e.dashed else '-->'}{label} {dst}")
    for kind in sorted({n.kind for n in diagram.nodes if n.id not in marks}):
        _shape, fill, border = NODE_STYLE[kind]
        out.append(f"  classDef {kind} fill:{fill},stroke:{border},color:#232F3E")
        ids = [n.id for n in diagram.nodes if n.kind == kind and n.id not in marks]
        out.append(f"  class {','.join(ids)} {kind}")
    for mark in sorted(set(marks.values())):  # after the kinds: a mark wins
        out.append(f"  classDef {mark} {MARKS[mark]}")
        out.append(f"  class {','.join(i for i, m in sorted(marks.items()) if m == mark)} {mark}")
    for c in diagram.clusters:
        style, fill, border = CLUSTER_STYLE[c.kind]
        dash = ",stroke-dasharray:5 5" if style == "dashed" else ""
        out.append(f"  style {c.id} fill:{fill},stroke:{border}{dash}")
    for mark in sorted(set(edge_marks.values())):  # linkStyle counts edges from 0
        numbers = [str(i) for i, e in enumerate(diagram.edges)
                   if edge_marks.get((e.src, e.dst)) == mark]
        out.append(f"  linkStyle {','.join(numbers)} {EDGE_MARKS[mark]}")
    return "\n".join(out) + "\n"


def step_markdown(old: Diagram, new: Diagram) -> list[str]:
    """Before/after mermaid blocks of a stage step; [] when both draw the same parts.

    Nodes and edges are matched by id: in the *before* picture what goes away is red and
    dashed, in the *after* picture what arrives is green; a node whose label changed
    (the database gaining its standby, a tier its new port) is yellow in both.
    """
    if old.same_picture(new):
        return []
    before = {n.id: n.label for n in old.nodes}
    after = {n.id: n.label for n in new.nodes}
    changed = {i: "changed" for i in before.keys() & after.keys() if before[i] != after[i]}
    old_edges = {(e.src, e.dst) for e in old.edges}
    new_edges = {(e.src, e.dst) for e in new.edges}
    left = to_mermaid(old, {**dict.fromkeys(before.keys() - after.keys(), "removed"),
                            **changed}, dict.fromkeys(old_edges - new_edges, "removed"))
    right = to_mermaid(new, {**dict.fromkeys(after.keys() - before.keys(), "added"),
                             **changed}, dict.fromkeys(new_edges - old_edges, "added"))
    legend = ("Green, `+`: added; red, dashed, `−`: removed; yellow, `~`: changed. Drawn "
              "from the render context (`tfgen diagram`).\n")
    return [legend, f"**Before:** {old.title}\n\n```mermaid\n{left}```\n",
            f"**After:** {new.title}\n\n```mermaid\n{right}```\n"]
