"""Formatting a diff report: text for a terminal, markdown for a pull request, JSON.

All three present the same report in the same order: summary, blueprint changes,
infrastructure changes, risks, stage narrative. Text carries click styles (the CLI's
`click.echo` strips them when stdout is not a terminal). Markdown stays under
`MARKDOWN_LIMIT` characters by dropping whole blocks, least important first (a table is
never cut; tfgen/review/md_fit.py), and saying so. JSON is versioned (`JSON_VERSION`,
documented in docs/diff.md).
"""

from __future__ import annotations

import json
from typing import Any

import click

from tfgen.blueprint import userdata
from tfgen.render.diagram import from_context
from tfgen.render.diagram_emit import step_markdown
from tfgen.review import cost_report, md_fit
from tfgen.review.diff import ACTIONS, DiffReport, ResourceChange
from tfgen.review.inventory import Ref, plain
from tfgen.review.plan_review import check_json, noise_sentence

JSON_VERSION = 1
#: GitHub refuses comments longer than 65,536 characters; stay well below.
MARKDOWN_LIMIT = 60_000
#: Longest value shown in text and markdown (JSON always has it whole).
VALUE_WIDTH = 80
#: Rows per markdown table, so truncation can drop part of a long list table by table.
TABLE_ROWS = 40

_SYMBOL = {"add": "+", "change": "~", "replace": "-/+", "destroy": "-"}
_COLOUR = {"add": "green", "change": "yellow", "replace": "magenta", "destroy": "red"}
_HEADING = {"add": "added", "change": "changed in place", "replace": "replaced",
            "destroy": "destroyed"}
_RISK_COLOUR = {"data-loss": "red", "exposure": "red"}
_KIND_TITLE = {"data-loss": "data loss", "disruption": "downtime / disruption",
               "exposure": "exposure", "security-chain": "security chain",
               "licence": "licence / support"}


def show(value: Any, width: int = VALUE_WIDTH) -> str:
    """A value as a reviewer reads it: JSON-ish, shortened."""
    text = value if isinstance(value, str) and value.startswith("(") else json.dumps(
        plain(value), sort_keys=True)
    return text if len(text) <= width else text[: width - 1] + "…"


def _planned_anyway(report: DiffReport) -> bool:
    """Terraform plans something although the blueprints build the same thing (drift)."""
    return bool(report.unpredicted or (report.plan is not None and report.plan.actual))


def summary_line(report: DiffReport) -> str:
    if not report.changed and _planned_anyway(report):
        n = report.plan.actual if report.plan is not None else len(report.unpredicted)
        return (f"no blueprint changes, but Terraform plans {n} change"
                f"{'s' if n != 1 else ''} the blueprint diff did not predict (shown below)")
    if not report.changed:
        return "no changes: both sides build the same infrastructure"
    c = report.counts()
    return (f"{c['add']} to add, {c['change']} to change, {c['replace']} to replace, "
            f"{c['destroy']} to destroy")


def _title(report: DiffReport) -> str:
    o, n = report.old, report.new
    return (f"{o.label} (stage {o.context.stage.value}) → "
            f"{n.label} (stage {n.context.stage.value})")


def brief(change: ResourceChange, width: int = 100) -> str:
    """Key arguments of an added or destroyed resource (no references, no tags)."""
    res = change.new or change.old
    if res is None:
        return ""
    parts = [f"{k}={show(v, 40)}" for k, v in res.args.items()
             if k != "tags" and v is not None and not isinstance(v, Ref)
             and not (isinstance(v, list) and any(isinstance(x, Ref) for x in v))]
    text = ", ".join(parts)
    return text if len(text) <= width else text[: width - 1] + "…"


def _plan_note(change: ResourceChange) -> str:
    return f" [plan: {change.plan}]" if change.plan else ""


# --- text --------------------------------------------------------------------------------

def to_text(report: DiffReport) -> str:
    """The report for a terminal (styles stripped by click when not a tty)."""
    out: list[str] = [click.style(f"tfgen diff: {_title(report)}", bold=True), ""]
    out.append(click.style("Summary: ", bold=True) + summary_line(report))
    for module, counts in report.module_counts().items():
        parts = ", ".join(f"{n} to {a}" for a, n in counts.items() if n)
        out.append(f"  {module}: {parts}")
    if not report.changed and not _planned_anyway(report):
        return "\n".join(out) + "\n"
    out += ["", click.style("Blueprint changes", bold=True)]
    out += [f"  {c.path}: {show(c.old)} → {show(c.new)}" for c in report.blueprint_changes] \
        or ["  (none: same blueprint values)"]
    out += ["", click.style("Infrastructure changes", bold=True)]
    out += _text_changes(report.resources) or ["  (none predicted)"]
    if report.unpredicted:
        out += ["", click.style("In Terraform's plan, not predicted by the blueprint diff",
                                bold=True)]
        out += _text_changes(report.unpredicted)
    for tier, diff in userdata.report_diffs(report):  # issue 10: content, not just a hash
        out += ["", click.style(f"User data ({tier})", bold=True)]
        out += [f"  {line}" for line in diff.splitlines()]
    if report.plan is not None:
        p = report.plan
        out += ["", click.style("Against the plan", bold=True),
                f"  {p.confirmed} confirmed, {p.differs} with another action, "
                f"{p.not_in_plan} not in the plan, {len(p.missed)} missed"
                f" (predicted {p.predicted}, planned {p.actual})"]
        out += [f"  missed: {_SYMBOL.get(a, a)} {addr} ({_HEADING.get(a, a)})"
                for addr, a in p.missed]
        out += [f"  moved: {a} → {b}" for a, b in p.moved]
        if p.noise and p.noise_source:
            out.append(f"  {noise_sentence(len(p.noise), p.noise_source)}:")
            out += [f"    {_SYMBOL.get(a, a)} {addr}" for addr, a in p.noise]
        if p.noise_note:
            out.append(f"  {p.noise_note}")
    out += ["", click.style("Risks", bold=True)]
    out += [f"  [{click.style(_KIND_TITLE[r.kind], fg=_RISK_COLOUR.get(r.kind, 'yellow'))}]"
            f" {r.subject}: {r.message}" for r in report.risks] or ["  (none found)"]
    out += cost_report.text_lines(report)
    if report.narrative:
        out += ["", click.style("Stage narrative", bold=True)]
        out += [f"  {a} → {b}: {text}" for a, b, text in cost_report.narrative(report)]
    return "\n".join(out) + "\n"


def _text_changes(changes: list[ResourceChange]) -> list[str]:
    out: list[str] = []
    for change in changes:
        mark = click.style(_SYMBOL.get(change.action, "?").rjust(3),
                           fg=_COLOUR.get(change.action), bold=True)
        out.append(f"{mark} {change.address}  ({_HEADING.get(change.action, change.action)})"
                   f"{_plan_note(change)}")
        if change.action in ("add", "destroy"):
            out.append(f"      {brief(change)}")
        for arg in change.changes:
            flag = click.style("  # forces replacement", fg="magenta") \
                if arg.forces_replacement and change.action == "replace" else ""
            via = f" (via {arg.via})" if arg.via else ""
            out.append(f"      {arg.name}: {show(arg.old)} → {show(arg.new)}{via}{flag}")
    return out


# --- markdown ----------------------------------------------------------------------------

def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Tables of at most TABLE_ROWS rows each: the units truncation may drop."""
    head = "| " + " | ".join(header) + " |\n|" + "|".join("---" for _ in header) + "|\n"
    chunks = [rows[i:i + TABLE_ROWS] for i in range(0, len(rows), TABLE_ROWS)] or [[]]
    return [head + "".join("| " + " | ".join(_cell(c) for c in row) + " |\n" for row in chunk)
            for chunk in chunks if chunk]


def _resource_row(change: ResourceChange) -> list[str]:
    args = brief(change) if change.action in ("add", "destroy") else "<br>".join(
        f"`{a.name}`: {show(a.old, 60)} → {show(a.new, 60)}"
        + (" **(forces replacement)**" if a.forces_replacement and change.action == "replace"
           else "")
        for a in change.changes)
    row = [_SYMBOL.get(change.action, "?"), f"`{change.address}`", args]
    return [*row, change.plan or ""] if change.plan is not None else row


_ACTION_PRIORITY = {"add": md_fit.ADD, "change": md_fit.CHANGE, "replace": md_fit.DESTROY,
                    "destroy": md_fit.DESTROY}


def _sections(report: DiffReport) -> list[md_fit.Section]:
    """The collapsible sections in report order, each block with its priority (md_fit)."""
    bp_rows = [[f"`{c.path}`", f"`{show(c.old)}`", f"`{show(c.new)}`"]
               for c in report.blueprint_changes]
    sections = [md_fit.Section(f"Blueprint changes ({len(bp_rows)})", [
        (md_fit.BLUEPRINT, b) for b in _table(["field", "old", "new"], bp_rows) or ["_none_\n"]])]
    blocks: list[tuple[int, str]] = []
    with_plan = report.plan is not None
    for action in ACTIONS:
        rows = [_resource_row(c) for c in report.resources if c.action == action]
        if rows:
            header = ["", "address", "arguments"] + (["plan"] if with_plan else [])
            tables = _table(header, rows)
            tables[0] = f"**{_HEADING[action].capitalize()} ({len(rows)})**\n\n" + tables[0]
            blocks += [(_ACTION_PRIORITY[action], t) for t in tables]
    if report.plan is not None and report.plan.missed:
        blocks += [(md_fit.MISSED, t) for t in _table(
            ["missed by the prediction (in the plan)", "action"],
            [[f"`{a}`", act] for a, act in report.plan.missed])]
    if report.unpredicted:
        tables = _table(["", "address", "arguments", "plan"],
                        [_resource_row(c) for c in report.unpredicted])
        tables[0] = ("**In Terraform's plan, not predicted by the blueprint diff "
                     f"({len(report.unpredicted)})**\n\n" + tables[0])
        blocks += [(md_fit.UNPREDICTED, t) for t in tables]
    sections.append(md_fit.Section(f"Infrastructure changes ({len(report.resources)})",
                                   blocks or [(md_fit.CHANGE, "_none predicted_\n")]))
    for tier, diff in userdata.report_diffs(report):
        sections.append(md_fit.Section(f"User data ({tier})",
                                       [(md_fit.USER_DATA, f"````diff\n{diff}\n````\n")]))
    return sections


def to_markdown(report: DiffReport, limit: int = MARKDOWN_LIMIT,
                said: int | None = None) -> str:
    """A pull-request comment: summary and risks first, details collapsed, <= `limit`.

    Over the limit, whole blocks go, least important first (tfgen/review/md_fit.py): the stage
    narrative, user-data diffs and added resources before changes, destroys and risks.
    `said`: the limit the truncation note names, when `limit` is a share of it.
    """
    head = [f"### tfgen diff: {_title(report)}\n", f"**{summary_line(report)}**\n"]
    if report.changed and report.module_counts():
        head += _table(["module", *ACTIONS],
                       [[f"`{m}`", *(str(c[a]) for a in ACTIONS)]
                        for m, c in report.module_counts().items()])
    if report.plan is not None:
        p = report.plan
        head.append(f"Against the plan: {p.confirmed} confirmed, {p.differs} with another "
                    f"action, {p.not_in_plan} not in the plan, {len(p.missed)} missed "
                    f"(predicted {p.predicted}, planned {p.actual}).\n")
        if p.noise and p.noise_source:
            head.append(f"**{noise_sentence(len(p.noise), p.noise_source)}**: "
                        + ", ".join(f"`{a}`" for a, _ in p.noise) + "\n")
        if p.noise_note:
            head.append(f"_{p.noise_note}_\n")
    if not report.changed and not _planned_anyway(report):
        return "\n".join(head)
    head.append(cost_report.markdown_headline(report))
    risk_lines = [f"- **{_KIND_TITLE[r.kind]}** `{r.subject}`: {r.message}\n"
                  for r in report.risks] or ["_none found_\n"]
    story = [(md_fit.NARRATIVE, f"**{a} → {b}.** {text}\n")
             for a, b, text in cost_report.narrative(report)]
    cost_title, cost_blocks = cost_report.markdown_section(report)
    parts = [*_sections(report),
             md_fit.Section(f"Risks ({len(report.risks)})",
                            [(md_fit.RISKS, "".join(risk_lines))], True),
             md_fit.Section(cost_title, [(md_fit.COST, b) for b in cost_blocks], True)]
    if story:
        parts.append(md_fit.Section("Stage narrative", story))
    # Last, and the first to go in a long report (tfgen/render/diagram_emit.py).
    pictures = step_markdown(from_context(report.old.context), from_context(report.new.context))
    if pictures:
        parts.append(md_fit.Section("Architecture before → after",  # a legend alone: no
                                    [(md_fit.PICTURES, "\n".join(pictures))], True))
    return md_fit.fit("\n".join(head), parts, limit, said)


# --- json --------------------------------------------------------------------------------

def to_json_data(report: DiffReport) -> dict[str, Any]:
    """The stable JSON structure (see docs/diff.md)."""
    def side(loaded: Any) -> dict[str, Any]:
        return {"label": loaded.label, "stage": loaded.context.stage.value,
                "resources": len(loaded.resources)}

    def resource(c: ResourceChange) -> dict[str, Any]:
        item: dict[str, Any] = {
            "address": c.address, "type": c.type, "module": c.module, "action": c.action,
            "changes": [{"argument": a.name, "old": plain(a.old), "new": plain(a.new),
                         "forces_replacement": a.forces_replacement, "via": a.via}
                        for a in c.changes]}
        if c.plan is not None:
            item["plan"] = c.plan
        return item

    data: dict[str, Any] = {
        "version": JSON_VERSION,
        "old": side(report.old),
        "new": side(report.new),
        "changed": report.changed,
        "summary": {**report.counts(), "modules": report.module_counts()},
        "blueprint_changes": [{"path": c.path, "old": c.old, "new": c.new}
                              for c in report.blueprint_changes],
        "resources": [resource(c) for c in report.resources],
        "risks": [{"kind": r.kind, "subject": r.subject, "message": r.message}
                  for r in report.risks],
        "narrative": [{"from": a, "to": b, "text": text}
                      for a, b, text in cost_report.narrative(report)],
        "cost": cost_report.json_data(report),
    }
    diffs = userdata.report_diffs(report)
    if diffs:
        data["user_data_diffs"] = dict(diffs)
    if report.plan is not None:
        data["plan"] = check_json(report.plan)
        data["unpredicted"] = [resource(c) for c in report.unpredicted]
    return data


def to_json(report: DiffReport) -> str:
    return json.dumps(to_json_data(report), indent=2, sort_keys=True) + "\n"


def render_report(report: DiffReport, fmt: str) -> str:
    """The report in `fmt` (text, markdown or json)."""
    if fmt == "json":
        return to_json(report)
    if fmt == "markdown":
        return to_markdown(report)
    return to_text(report)
