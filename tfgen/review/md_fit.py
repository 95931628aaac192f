"""Fitting a markdown review into a character budget, least important blocks out first.

A pull-request comment has a hard limit (GitHub refuses bodies over 65,536 characters,
see tfgen/review/diff_report.py). A review is a head that is always kept (summary, module
counts, the plan check) and collapsible sections of blocks, each block a whole table or
paragraph with a priority. When everything does not fit, the block with the lowest
priority goes first (the later one of equals first), until the rest fits, and then
whatever fits again is put back (a big block may have made room); the sections
keep their order, a table is never cut, and a note says how many blocks were left out.
Risks and destroys outlive added resources, which outlive user-data diffs, the stage
narrative and, first to go, the before/after pictures.
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Priorities of the blocks of a review (higher is kept longer).
RISKS = 100
BLUEPRINT = 80
COST = 75
DESTROY = 70
MISSED = 65
UNPREDICTED = 60
CHANGE = 50
ADD = 30
USER_DATA = 20
NARRATIVE = 10
PICTURES = 5

NOTE = ("\n> Truncated to stay under {limit:,} characters: {n} block(s) left out (the least "
        "important first). Run `tfgen diff --format text` (or `--format json`) for the full "
        "report.\n")


@dataclass
class Section:
    """A collapsible `<details>` section: a title and its (priority, block) pairs."""

    title: str
    blocks: list[tuple[int, str]] = field(default_factory=list)
    open: bool = False

    def render(self, keep: set[int] | None = None) -> str:
        """The section with only the blocks at the indexes in `keep` (None: all)."""
        shown = [b for i, (_, b) in enumerate(self.blocks) if keep is None or i in keep]
        if not shown:
            return ""
        opening = "<details open>" if self.open else "<details>"
        body = "".join(block + "\n" for block in shown)
        return f"\n{opening}\n<summary>{self.title}</summary>\n\n{body}\n</details>\n"


def fit(head: str, sections: list[Section], limit: int, said: int | None = None) -> str:
    """`head` plus as many blocks of `sections` as fit in `limit` characters.

    `said`: the limit the note names (the caller's whole budget, when this is a part).
    """
    keep = [set(range(len(s.blocks))) for s in sections]

    def text(dropped: int) -> str:
        body = head + "".join(s.render(k) for s, k in zip(sections, keep, strict=True))
        return body + (NOTE.format(limit=said or limit, n=dropped) if dropped else "")

    full = text(0)
    if len(full) <= limit:
        return full
    order = sorted(((prio, -si, -bi) for si, s in enumerate(sections)
                    for bi, (prio, _) in enumerate(s.blocks)))
    gone: list[tuple[int, int]] = []
    for _, neg_si, neg_bi in order:
        keep[-neg_si].discard(-neg_bi)
        gone.append((-neg_si, -neg_bi))
        if len(text(len(gone))) <= limit:
            break
    # A big block that had to go may have made room: put back what fits, most important
    # first (the reverse of the order they went in).
    for si, bi in reversed(gone[:-1]):
        keep[si].add(bi)
        if len(text(len(gone) - 1)) <= limit:
            gone.remove((si, bi))
        else:
            keep[si].discard(bi)
    return text(len(gone))  # over the limit only when the head alone is


def cut_lines(lines: list[str], limit: int, what: str) -> list[str]:
    """`lines` up to `limit` characters in all, then one line saying how many were cut."""
    kept: list[str] = []
    used = 0
    for number, line in enumerate(lines):
        if used + len(line) + 1 + 80 > limit:
            return [*kept, f"… {len(lines) - number} more {what} left out (character limit)"]
        kept.append(line)
        used += len(line) + 1
    return kept


__all__ = [
    "ADD",
    "BLUEPRINT",
    "CHANGE",
    "COST",
    "DESTROY",
    "MISSED",
    "NARRATIVE",
    "PICTURES",
    "RISKS",
    "UNPREDICTED",
    "USER_DATA",
    "Section",
    "cut_lines",
    "fit",
]
