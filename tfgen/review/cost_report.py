"""The cost part of a diff review (`tfgen diff`, `tfgen plan`): text, markdown, JSON.

Always labelled as an estimate, with the price table's date, the region, the usage
assumption of every line and the warnings that make it less than the region's own list
prices. Kept out of tfgen/review/diff_report.py, which only calls in here.
"""

from __future__ import annotations

from typing import Any

import click

from tfgen.review import cost
from tfgen.review.diff import DiffReport
from tfgen.review.prices import HOURS_PER_MONTH, PRICES_DATE

TITLE = "Monthly cost (estimate)"


def of_report(report: DiffReport) -> cost.CostDelta:
    """The cost change of a review: an old side with no resources (nothing applied yet,
    `tfgen plan`'s first review) costs nothing."""
    new = cost.bill(report.new.context)
    old = cost.bill(report.old.context) if report.old.resources else cost.nothing(new.region)
    return cost.compare(old, new)


def _usd(value: float | None, present: bool = True) -> str:
    if not present:
        return "—"
    return "no price" if value is None else f"${value:,.2f}"


def _cells(row: cost.Row) -> tuple[str, str, str]:
    """Before, after, delta of a row as shown ("—": not in that bill)."""
    return (_usd(row.before, row.in_before), _usd(row.after, row.in_after),
            _signed(row.delta) if row.priced else "?")


def _signed(value: float) -> str:
    return f"{'+' if value >= 0 else '-'}${abs(value):,.2f}"


def headline(delta: cost.CostDelta) -> str:
    """The one line a reviewer reads first: total before → after, delta, basis."""
    incomplete = " (incomplete: see warnings)" if (delta.before.incomplete
                                                    or delta.after.incomplete) else ""
    return (f"{_usd(delta.before.total)} → {_usd(delta.after.total)} a month "
            f"({_signed(delta.delta)}), estimate: {delta.after.region} list prices of "
            f"{PRICES_DATE}, {HOURS_PER_MONTH} h/month, free tiers not deducted{incomplete}")


def _shown(delta: cost.CostDelta) -> list[cost.Row]:
    return [r for r in delta.rows if r.changed]


def _mark(row: cost.Row) -> str:
    return "*" if row.fallback else ""


def text_lines(report: DiffReport) -> list[str]:
    """The cost section of `to_text`: changed lines, total, warnings."""
    delta = of_report(report)
    out = ["", click.style(TITLE, bold=True), f"  {headline(delta)}"]
    rows = _shown(delta)
    width = max((len(r.label) + len(_mark(r)) for r in rows), default=0)
    for r in rows:
        before, after, change = _cells(r)
        out.append(f"  {(r.label + _mark(r)).ljust(width)}  {before:>10} → {after:>10}  "
                   f"{change:>9}  ({r.assumption})")
    unchanged = len(delta.rows) - len(rows)
    if unchanged:
        out.append(f"  {unchanged} unchanged line(s) not shown (--format json lists all)")
    out += [f"  ! {w}" for w in delta.warnings]
    return out


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_headline(report: DiffReport) -> str:
    return f"**{TITLE}:** {headline(of_report(report))}\n"


def markdown_section(report: DiffReport) -> tuple[str, list[str]]:
    """(summary, blocks) of the collapsible cost section: a small table and warnings."""
    delta = of_report(report)
    rows = _shown(delta)
    table = "| line | before | after | delta | assumption |\n|---|---|---|---|---|\n"
    table += "".join(f"| {_cell(r.label + _mark(r))} | {' | '.join(_cells(r))} | "
                     f"{_cell(r.assumption)} |\n" for r in rows)
    table += (f"| **total** | **{_usd(delta.before.total)}** | **{_usd(delta.after.total)}** "
              f"| **{_signed(delta.delta)}** | {len(delta.rows) - len(rows)} unchanged "
              "line(s) not shown |\n")
    notes = "".join(f"- {w}\n" for w in delta.warnings)
    blocks = [table] + ([notes] if notes else [])
    return (f"{TITLE}: {_signed(delta.delta)} a month", blocks)


def json_data(report: DiffReport) -> dict[str, Any]:
    """The `cost` object of the review JSON (docs/diff.md): every line, both totals."""
    delta = of_report(report)

    def lines(b: cost.Bill) -> list[dict[str, Any]]:
        return [{"key": ln.key, "label": ln.label, "monthly_usd": ln.monthly,
                 "assumption": ln.assumption, "sources": list(ln.sources),
                 "fallback_prices": list(ln.fallback), "missing_prices": list(ln.missing)}
                for ln in b.lines]

    return {
        "estimate": True,
        "currency": "USD",
        "prices_date": PRICES_DATE,
        "hours_per_month": HOURS_PER_MONTH,
        "region": delta.after.region,
        "before": {"total": delta.before.total, "incomplete": delta.before.incomplete,
                   "lines": lines(delta.before)},
        "after": {"total": delta.after.total, "incomplete": delta.after.incomplete,
                  "lines": lines(delta.after)},
        "delta": delta.delta,
        "rows": [{"key": r.key, "label": r.label, "before": r.before, "after": r.after,
                  "in_before": r.in_before, "in_after": r.in_after,
                  "delta": r.delta if r.priced else None, "changed": r.changed,
                  "assumption": r.assumption, "fallback": r.fallback}
                 for r in delta.rows],
        "warnings": list(delta.warnings),
    }


def narrative(report: DiffReport) -> list[tuple[str, str, str]]:
    """(from, to, text) of the stage story, the Multi-AZ step with its computed cost."""
    out = []
    for step in report.narrative:
        text = step.text
        if "multi-az" in (step.from_stage, step.to_stage) and "aws" in (step.from_stage,
                                                                      step.to_stage):
            side = report.new if report.new.context.features.multi_az else report.old
            text += " " + cost.multi_az_sentence(side.context,
                                                 reverse=step.to_stage == "aws")
        out.append((step.from_stage, step.to_stage, text))
    return out


__all__ = ["TITLE", "headline", "json_data", "markdown_headline", "markdown_section",
           "narrative", "of_report", "text_lines"]
