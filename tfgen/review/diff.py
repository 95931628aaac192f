"""Comparing two blueprints by what they build: the engine behind `tfgen diff`.

A reviewer wants consequences, not a YAML diff: which resources appear, disappear,
change in place or are replaced, and why that matters. Both sides are loaded and
validated like `tfgen render` does (a side may be a file, a file at another stage, or a
file at a git revision), rendered to a resource inventory (`tfgen.review.inventory`), and
compared argument by argument. Replacement comes from the force-new table
(`tfgen.review.forcenew`) and spreads through references: when a resource is replaced, every
argument that refers to it changes, which may replace the referrer too.
"""

from __future__ import annotations

import posixpath
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any

from tfgen.blueprint.layers import EXTENDS, MAX_CHAIN, merge
from tfgen.blueprint.loader import Document, parse_document
from tfgen.blueprint.model import Blueprint
from tfgen.blueprint.stages import STAGE_CHOICES, parse_stage
from tfgen.blueprint.validate import load_blueprint, validate_document
from tfgen.errors import BlueprintInvalid, InputError
from tfgen.project import project_root, source_name
from tfgen.render.context import RenderContext, build_context
from tfgen.review.diff_model import (
    ACTIONS,
    ArgChange,
    BlueprintChange,
    DiffReport,
    Loaded,
    PlanCheck,
    ResourceChange,
    Side,
)
from tfgen.review.forcenew import forces_replacement
from tfgen.review.inventory import Inventory, Ref, inventory
from tfgen.review.narrative import Narrative, stage_narrative
from tfgen.review.plan_json import managed
from tfgen.review.risks import assess

#: What Terraform shows for a value it learns only during apply.
KNOWN_AFTER_APPLY = "(known after apply)"

#: Attributes that change when their resource is merely updated in place (a launch
#: template's new version), not only when it is replaced.
UPDATE_SENSITIVE = frozenset({"latest_version"})


# --- sides -------------------------------------------------------------------------------

def parse_side(text: str) -> Side:
    """Split `REV:PATH@STAGE`; a name that exists as a file is always a plain path."""
    rest, stage = text, None
    head, at, tail = text.rpartition("@")
    if at and tail.lower() in STAGE_CHOICES and head:
        rest, stage = head, parse_stage(tail.lower())
    elif at and head and Path(head.rpartition(":")[2] or head).is_file() \
            and not Path(text).exists():
        try:  # the file exists: the part after @ is what is wrong
            parse_stage(tail)
        except ValueError as exc:
            raise InputError(f"'{text}': {exc}") from None
    revision = None
    if ":" in rest and not Path(rest).exists():
        revision, _, rest = rest.partition(":")
        if not revision or not rest:
            raise InputError(f"'{text}': write a git revision as REV:PATH, e.g. "
                             "main:blueprints/shopping-mall.yaml")
    return Side(text, rest, stage, revision)


def load_side(side: Side) -> Loaded:
    """Validate and inventory one side; git revisions are read with `git show`."""
    if side.revision is None:
        path = Path(side.path)
        if not path.is_file():
            raise InputError(f"{side.path}: no such blueprint file")
        blueprint, _ = load_blueprint(path, side.stage, display=side.path)
        context = build_context(blueprint, source_name(path), base_dir=path.parent)
    else:
        blueprint, context = _load_revision(side)
    label = side.text
    return Loaded(side, label, blueprint, context, inventory(context))


def _git(args: list[str], cwd: Path) -> subprocess.CompletedProcess[bytes]:
    git = shutil.which("git")
    if git is None:
        raise InputError("`git` is not installed; REV:PATH sides need it")
    return subprocess.run([git, *args], cwd=cwd, capture_output=True, check=False)


def _repo_root() -> Path:
    done = _git(["rev-parse", "--show-toplevel"], Path.cwd())
    if done.returncode != 0:
        raise InputError("REV:PATH needs a git repository, and the working directory is "
                         "not inside one")
    return Path(done.stdout.decode().strip())


def git_show(revision: str, path: str, root: Path) -> bytes | None:
    """The bytes of `path` (relative to the repository root) at `revision`, or None."""
    done = _git(["show", f"{revision}:{path}"], root)
    return done.stdout if done.returncode == 0 else None


def _revision_layers(revision: str, rel: PurePosixPath, raw: bytes, shown: str,
                     root: Path) -> Document:
    """The blueprint at `revision` with the bases it `extends:` read from the same revision
    (tfgen/blueprint/layers.py reads them from disk). Every base is a path in that commit's
    tree: one leaving the repository is refused, nothing of this machine is read."""
    chain = [parse_document(raw, shown)]
    names, current = [rel.as_posix()], rel
    while (target := chain[-1].data.get(EXTENDS)) is not None:
        doc = chain[-1]
        base = posixpath.normpath(posixpath.join(current.parent.as_posix(), str(target)))
        if not isinstance(target, str) or posixpath.isabs(target) or base.startswith(".."):
            raise BlueprintInvalid([doc.problem((EXTENDS,), "extends takes the path of a base "
                                                "blueprint relative to this file, inside the "
                                                "repository", key=True)])
        if base in names or len(chain) >= MAX_CHAIN:
            raise BlueprintInvalid([doc.problem((EXTENDS,), "extends cycle or more than "
                                                f"{MAX_CHAIN} layers: " + " -> ".join(
                                                    [*names, base]), key=True)])
        data = git_show(revision, base, root)
        if data is None:
            raise BlueprintInvalid([doc.problem((EXTENDS,), f"base blueprint '{target}' does "
                                                f"not exist at {revision} (looked for {base})",
                                                key=True)])
        names.append(base)
        current = PurePosixPath(base)
        chain.append(parse_document(data, f"{revision}:{base}"))
    return merge(chain[::-1]) if len(chain) > 1 else chain[0]


def _load_revision(side: Side) -> tuple[Blueprint, RenderContext]:
    assert side.revision is not None
    root = _repo_root()
    rel = PurePosixPath(side.path.lstrip("/"))
    if _git(["rev-parse", "--verify", "--quiet", f"{side.revision}^{{commit}}"],
            root).returncode != 0:
        raise InputError(f"'{side.revision}' is not a git revision in {root}")
    raw = git_show(side.revision, rel.as_posix(), root)
    if raw is None:
        raise InputError(f"{rel} does not exist at revision {side.revision} (paths are "
                         "relative to the repository root)")
    doc = _revision_layers(side.revision, rel, raw, side.text, root)
    with tempfile.TemporaryDirectory(prefix="tfgen-diff-") as tmp:
        # The blueprint's user_data files come from the same revision, next to it.
        base = Path(tmp) / rel.parent
        base.mkdir(parents=True, exist_ok=True)
        for key in ("web", "app"):
            section = doc.data.get(key)
            script = section.get("user_data") if isinstance(section, dict) else None
            if isinstance(script, str):
                content = git_show(side.revision, (rel.parent / script).as_posix(), root)
                if content is not None:
                    target = base / script
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(content)
        blueprint = validate_document(doc, side.stage, base_dir=base)
        source = rel.as_posix() if project_root(root / rel) else rel.name
        return blueprint, build_context(blueprint, source, base_dir=base)


# --- comparison --------------------------------------------------------------------------

def _refs(value: Any) -> Iterable[Ref]:
    if isinstance(value, Ref):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _refs(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _refs(item)


def compare_inventories(old: Inventory, new: Inventory) -> list[ResourceChange]:
    """Resource changes from `old` to `new`, replacement spread through references."""
    changes: dict[str, ResourceChange] = {}
    for addr in old.keys() - new.keys():
        res = old[addr]
        changes[addr] = ResourceChange(addr, res.type, res.module, "destroy", old=res)
    for addr in new.keys() - old.keys():
        res = new[addr]
        changes[addr] = ResourceChange(addr, res.type, res.module, "add", new=res)
    common = sorted(old.keys() & new.keys())
    direct: dict[str, list[ArgChange]] = {}
    for addr in common:
        a, b = old[addr], new[addr]
        direct[addr] = [ArgChange(k, a.args.get(k), b.args.get(k),
                                  forces_replacement(b.type, k))
                        for k in sorted(a.args.keys() | b.args.keys())
                        if a.args.get(k) != b.args.get(k)]
    replaced = {addr for addr, args in direct.items() if any(c.forces_replacement for c in args)}
    while True:  # a replaced resource gets new IDs: its referrers see a changed value
        grown = set(replaced)
        for addr in common:
            if addr in grown:
                continue
            res = new[addr]
            for k, value in res.args.items():
                if forces_replacement(res.type, k) and any(r.address in replaced
                                                           for r in _refs(value)):
                    grown.add(addr)
        if grown == replaced:
            break
        replaced = grown
    updated = {addr for addr in common if direct[addr]}
    for addr in common:
        res = new[addr]
        args = list(direct[addr])
        seen = {c.name for c in args}
        for k, value in sorted(res.args.items()):
            hit = next((r for r in _refs(value) if r.address in replaced or (
                r.attribute in UPDATE_SENSITIVE and r.address in updated)), None)
            if hit is not None and k not in seen:
                args.append(ArgChange(k, value, KNOWN_AFTER_APPLY,
                                      forces_replacement(res.type, k), via=hit.address))
        if not args:
            continue
        action = "replace" if addr in replaced else "change"
        changes[addr] = ResourceChange(addr, res.type, res.module, action,
                                       sorted(args, key=lambda c: c.name), old[addr], res)
    order = {a: i for i, a in enumerate(ACTIONS)}
    return sorted(changes.values(), key=lambda c: (order[c.action], c.address))


def _flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, dict) and data:
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def compare_blueprints(old: Blueprint, new: Blueprint) -> list[BlueprintChange]:
    """Changed fields as dotted paths, defaults filled in (what the blueprint means)."""
    a = _flatten(old.model_dump(mode="json"))
    b = _flatten(new.model_dump(mode="json"))
    # A section that is null on one side is absent (flattened) on the other: no change.
    return [BlueprintChange(k, a.get(k), b.get(k)) for k in sorted(a.keys() | b.keys())
            if a.get(k) != b.get(k)]


def build_report(old: Loaded, new: Loaded) -> DiffReport:
    """Compare two loaded sides: blueprint fields, resources, risks, story."""

    resources = compare_inventories(old.resources, new.resources)
    report = DiffReport(old, new, compare_blueprints(old.blueprint, new.blueprint), resources,
                        [], stage_narrative(old.context.stage, new.context.stage,
                                        new.context.values["region"]))
    report.risks = assess(report)
    return report


def diff_sides(old: str, new: str) -> DiffReport:
    """`tfgen diff OLD NEW` without the formatting."""
    return build_report(load_side(parse_side(old)), load_side(parse_side(new)))


# --- a real plan -------------------------------------------------------------------------

def plan_actions(plan: dict[str, Any]) -> dict[str, str]:
    """Managed-resource address -> add/change/replace/destroy from `terraform show -json`."""
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise InputError("--plan: not the JSON of `terraform show -json PLANFILE`")
    return {c.address: c.diff_action for c in managed(plan, strict=False)
            if c.action != "move"}


def check_plan(report: DiffReport, plan: dict[str, Any]) -> PlanCheck:
    """Mark each predicted change confirmed / differs / not in the plan; list the missed.

    A `moved` block turns a predicted destroy of the old address plus add of the new one
    into a move: both predictions are confirmed as "moved" (nothing is destroyed).
    """
    if not isinstance(plan, dict) or "format_version" not in plan:
        raise InputError("--plan: not the JSON of `terraform show -json PLANFILE`")
    changes = managed(plan, strict=False)
    actual = {c.address: c.diff_action for c in changes if c.action != "move"}
    moves = {c.previous_address: c.address for c in changes if c.previous_address}
    predicted = {c.address: c.action for c in report.resources}
    check = PlanCheck(predicted=len(report.resources), actual=len(actual))
    moved_to = {new for old, new in moves.items()
                if predicted.get(old) == "destroy" and predicted.get(new) == "add"}
    for change in report.resources:
        got = actual.get(change.address)
        if change.address in moves and moves[change.address] in moved_to:
            change.plan = f"moved to {moves[change.address]}"
            check.confirmed += 1
        elif change.address in moved_to and got in (None, "change"):
            change.plan = "moved" if got is None else "moved, changed in place"
            check.confirmed += 1
        elif got is None:
            change.plan = "not in plan"
            check.not_in_plan += 1
        elif got == change.action:
            change.plan = "confirmed"
            check.confirmed += 1
        else:
            change.plan = f"plan says {got}"
            check.differs += 1
    check.moved = sorted((old, new) for old, new in moves.items() if new in moved_to)
    check.missed = sorted((a, act) for a, act in actual.items()
                          if a not in predicted and a not in moved_to)
    report.plan = check
    return check


__all__ = ["ACTIONS", "ArgChange", "BlueprintChange", "DiffReport", "Loaded", "Narrative",
           "PlanCheck", "ResourceChange", "Side", "build_report", "check_plan", "diff_sides",
           "load_side", "parse_side"]
