"""`tfgen render`, `validate` and `stages`: the commands that turn blueprints into files.

Loaded by the lazy registry in tfgen/cli/__init__.py only when one of them runs, so `tfgen
--version` and `tfgen plan` do not pay for what only these need (and the reverse).
Printing and exit codes follow tfgen/cli/__init__.py's rules.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from tfgen.blueprint import inputs
from tfgen.blueprint.stages import STAGE_CHOICES, Stage
from tfgen.errors import EXIT_CHANGES, BlueprintInvalid, OutputConflict
from tfgen.outdir import render_index, textdiff
from tfgen.outdir.outdir import check_out_dir
from tfgen.outdir.output import (
    WritePlan,
    apply_writes,
    check_tree,
    describe_conflicts,
    plan_write,
    refused,
)
from tfgen.paths import shown
from tfgen.project import (
    Rendered,
    default_out_dir,
    discover,
    project_root,
    render_blueprint,
    source_name,
)

F = TypeVar("F", bound=Callable[..., Any])

FORMAT = click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
                      show_default=True, help="Output format; json is stable for scripts.")


def _stage_option(verb: str) -> Callable[[F], F]:
    """`--stage`, with help that says what this command does at that stage."""
    return click.option("--stage", type=click.Choice(STAGE_CHOICES, case_sensitive=False),
                        default=None, metavar="STAGE",
                        help=f"{verb} as if the blueprint targeted STAGE (aws, multi-az, "
                             "static-web, cdn or 2-5); the file is not changed.")


STAGE = _stage_option("Render")


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


def _blueprints(paths: Sequence[str]) -> list[Path]:
    return [Path(p) for p in paths] if paths else discover(Path.cwd())


def _progress(message: str) -> None:
    click.echo(message, err=True)


@click.command()
@click.argument("blueprints", nargs=-1, type=click.Path(dir_okay=False))
@STAGE
@click.option("--out", "out_dir", type=click.Path(file_okay=False), default=None,
              help="Directory that receives the root module (one blueprint only). "
                   "Default: out/<blueprint path under blueprints/>.")
@click.option("--check", is_flag=True,
              help="Write nothing; exit 3 and list the files when out/ is not what the "
                   "blueprints render to (for CI).")
@click.option("--dry-run", is_flag=True, help="Show what would be written, changed or "
              "removed, and touch nothing.")
@click.option("--force", is_flag=True, help="Overwrite generated files even when they were "
              "edited by hand.")
@click.option("--diff/--no-diff", "show_diff", default=None,
              help="With --dry-run or --check: show a unified diff of each file (default: "
                   "on a terminal).")
@click.option("--diff-lines", type=click.IntRange(min=0), default=textdiff.DEFAULT_LINES,
              show_default=True, metavar="N",
              help="Diff lines shown per file before '… N more lines'; 0 shows all.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=1, show_default=True,
              metavar="N", help="Render and write in N processes (forked after start-up, "
              "never more than one per blueprint): on 2 CPUs, 100 environments take about "
              "two thirds of the time with -j 2 (README: Performance). Still all or nothing: an "
              "invalid blueprint or a hand-edited file anywhere stops every process before "
              "any writes. --check and --dry-run run in one process.")
@FORMAT
@click.pass_context
def render(ctx: click.Context, blueprints: tuple[str, ...], stage: str | None,
           out_dir: str | None, check: bool, dry_run: bool, force: bool,
           show_diff: bool | None, diff_lines: int, jobs: int, fmt: str) -> None:
    """Render blueprints into Terraform root modules.

    With no BLUEPRINTS, renders every blueprint under ./blueprints. Everything is
    validated and rendered in memory first: an invalid blueprint writes nothing.

    \b
    Examples:
      tfgen render blueprints/shopping-mall.yaml
      tfgen render blueprints/shopping-mall.yaml --stage multi-az --out build/mall-s3
      tfgen render --check            # CI: is out/ up to date?
      tfgen render --dry-run          # what would change, with a diff on a terminal
      tfgen render --check --diff     # CI: what is stale, as a diff
      tfgen render -j 2               # many environments: two processes
    """
    ctx.obj["json"] = fmt == "json"
    paths = _blueprints(blueprints)
    if out_dir and len(paths) != 1:
        raise click.UsageError("--out takes exactly one blueprint")
    given = Path(out_dir) if out_dir else None
    keys = [] if check or dry_run else [_index_key(p, stage, given) for p in paths]
    # Trees whose inputs and files are as the last render left them: nothing to render.
    kept = {n: hit for n, (target, key) in enumerate(keys)
            if (hit := render_index.lookup(target, key)) is not None}
    todo = [n for n in range(len(paths)) if n not in kept]
    report: list[dict[str, Any]] = []
    diffs: list[list[textdiff.FileDiff]] = []
    if show_diff is None:  # by default only where a person reads it
        show_diff = fmt == "text" and _stdout_is_terminal()
    if jobs > 1 and len(todo) > 1 and not (check or dry_run) and _can_fork():
        from tfgen.cli import jobs as parallel  # here: one process never loads it

        for n in kept:
            check_out_dir(keys[n][0], given=out_dir is not None,
                          roots=(Path.cwd(), project_root(paths[n]) or Path.cwd()), force=force)
        shares = [todo[i::jobs] for i in range(min(jobs, len(todo)))]
        done = parallel.run(shares, lambda share: _prepare_share(
            [paths[n] for n in share], [keys[n][1] for n in share], stage, given, force,
            progress=len(paths) > 1))
        report = [entry for _, entry in sorted(
            (n, entry) for share, entries in zip(shares, done, strict=True)
            for n, entry in zip(share, entries, strict=True))]
        diffs = [[] for _ in report]
        todo = []
    read: list[list[inputs.Input]] = []
    rendered = _render_all([paths[n] for n in todo], stage, given, read,
                           progress=len(paths) > 1)
    stale = False
    plans: list[WritePlan] = []
    targets = [*((item.path, item.out_dir) for item in rendered),
               *((paths[n], keys[n][0]) for n in kept)]
    for path, target in targets:  # refuse a bad output directory before writing anything
        check_out_dir(target, given=out_dir is not None,
                      roots=(Path.cwd(), project_root(path) or Path.cwd()),
                      force=force or check)
    for item in rendered:
        if check:
            differing = check_tree(item.out_dir, item.files)
            stale = stale or bool(differing)
            report.append({"blueprint": item.source, "out": shown(item.out_dir),
                           "up_to_date": not differing, "differing": differing})
            diffs.append(_diffs(item, differing) if show_diff else [])
            continue
        plan = plan_write(item.out_dir, item.files)
        entry = _entry(item, plan, dry_run)
        plans.append(plan)
        diffs.append(_diffs(item, [*plan.create, *plan.update, *plan.delete])
                     if show_diff and dry_run else [])
        report.append(entry)
    if plans and not dry_run:  # all trees at once: a few filesystem syncs, not one per file
        apply_writes(plans, force=force, after=_indexer(
            {item.out_dir: (item, keys[n][1], read[i])
             for i, (n, item) in enumerate(zip(todo, rendered, strict=True))}))
    for n, summary in kept.items():  # in the order given, among the rendered ones
        report.insert(n, _kept_entry(paths[n], keys[n][0], summary))
        diffs.insert(n, [])
    if fmt == "json":
        for result, found in zip(report, diffs, strict=True):
            if show_diff:
                result["diff"] = {d.path: "\n".join(d.lines) + "\n" for d in found}
        _echo_json({"results": report})
    else:
        for entry, found in zip(report, diffs, strict=True):
            _print_render_entry(entry, check=check, dry_run=dry_run)
            _print_diffs(found, diff_lines)
    if check and stale:
        click.echo("out/ is not what the blueprints render to; run `tfgen render` and commit.",
                   err=True)
        ctx.exit(EXIT_CHANGES)


def _can_fork() -> bool:
    """Whether -j can fork here (Linux, macOS); elsewhere it renders in one process."""
    return hasattr(os, "fork")


def _entry(item: Rendered, plan: WritePlan, dry_run: bool) -> dict[str, Any]:
    """One tree's line of the report (text or JSON)."""
    return {"blueprint": item.source, "out": shown(item.out_dir),
            "stage": item.context.stage.value, "created": plan.create,
            "updated": plan.update, "removed": plan.delete,
            "unchanged": len(plan.unchanged), "written": not dry_run,
            "conflicts": sorted([e.path for e in plan.edited] + plan.foreign),
            "interrupted_write_finished": plan.pending,
            "what_if": item.what_if.cli_note() if item.what_if else None}


def _prepare_share(paths: list[Path], keys: list[str], stage: str | None,
                   out_dir: Path | None, force: bool, *, progress: bool
                   ) -> tuple[list[dict[str, Any]], Callable[[], None]]:
    """In one `-j` process (tfgen/cli/jobs.py): render, check and plan its blueprints;
    return their report and the write to run once every process got this far."""
    read: list[list[inputs.Input]] = []
    rendered = _render_all(paths, stage, out_dir, read, progress=progress)
    for item in rendered:
        check_out_dir(item.out_dir, given=out_dir is not None,
                      roots=(Path.cwd(), project_root(item.path) or Path.cwd()), force=force)
    plans = [plan_write(item.out_dir, item.files) for item in rendered]
    for plan in plans:
        if refused(plan, force):
            raise OutputConflict(describe_conflicts(plan))
    indexer = _indexer({item.out_dir: (item, key, found)
                        for item, key, found in zip(rendered, keys, read, strict=True)})
    return ([_entry(item, plan, False) for item, plan in zip(rendered, plans, strict=True)],
            lambda: apply_writes(plans, force=force, after=indexer))


def _stdout_is_terminal() -> bool:
    """Whether a person is reading stdout (diffs are shown by default then)."""
    return sys.stdout.isatty()


def _diffs(item: Rendered, relpaths: list[str]) -> list[textdiff.FileDiff]:
    return textdiff.tree_diff(item.out_dir, shown(item.out_dir), item.files, relpaths)


def _diff_style(line: str) -> dict[str, Any]:
    if line.startswith(("+++", "---")):
        return {"bold": True}
    if line.startswith("@@"):
        return {"fg": "cyan"}
    if line.startswith("+"):
        return {"fg": "green"}
    return {"fg": "red"} if line.startswith("-") else {}


def _print_diffs(found: list[textdiff.FileDiff], limit: int) -> None:
    """Each file's diff, cut at `limit` lines; colour only where click allows it.

    A whole first render is a diff of every file: after ten files' worth of lines the
    rest is summed up in one line.
    """
    budget = limit * textdiff.FILES_SHOWN
    for number, item in enumerate(found):
        if limit and budget <= 0:
            rest = found[number:]
            click.echo(f"… {sum(len(d.lines) for d in rest)} more lines in {len(rest)} more "
                       "files (--diff-lines 0 shows all)")
            return
        lines, left_out = item.shown(limit)
        budget -= len(lines)
        for line in lines:
            click.echo(click.style(line, **_diff_style(line)))
        if left_out:
            click.echo(f"… {left_out} more line{'s' if left_out != 1 else ''} of {item.path} "
                       "(--diff-lines 0 shows all)")


def _target(path: Path, out_dir: Path | None) -> Path:
    """The default directory as the user would type it, so messages show it so."""
    return out_dir or Path(shown(default_out_dir(path)))


def _index_key(path: Path, stage: str | None, out_dir: Path | None) -> tuple[Path, str]:
    target = _target(path, out_dir)
    return target, render_index.render_key(
        path, source=source_name(path), out_dir=target, own_out=default_out_dir(path),
        out_given=out_dir is not None, stage=stage)


def _indexer(items: dict[Path, tuple[Rendered, str, list[inputs.Input]]]
             ) -> Callable[[Path, dict[str, Any]], None]:
    """Keep each written tree's index (tfgen/outdir/render_index.py), under the tree's lock."""
    def written(directory: Path, files: dict[str, Any]) -> None:
        item, key, read = items[directory]
        render_index.record(directory, key, read, files, render_index.Summary(
            item.context.stage.value, len(item.files),
            item.what_if.cli_note() if item.what_if else None))
    return written


def _kept_entry(path: Path, target: Path, summary: render_index.Summary) -> dict[str, Any]:
    """The report of a tree left as it was, shaped like a rendered one's."""
    return {"blueprint": source_name(path), "out": shown(target), "stage": summary.stage,
            "created": [], "updated": [], "removed": [], "unchanged": summary.files,
            "written": True, "conflicts": [], "interrupted_write_finished": False,
            "what_if": summary.what_if}


def _render_all(paths: list[Path], stage: str | None, out_dir: Path | None,
                read: list[list[inputs.Input]] | None = None, *,
                progress: bool | None = None) -> list[Rendered]:
    """Render everything before writing anything; collect all invalid blueprints.

    `read` receives, per rendered blueprint, the files its render read.
    """
    rendered: list[Rendered] = []
    problems = []
    for path in paths:
        if len(paths) > 1 if progress is None else progress:
            _progress(f"rendering {shown(path)}")
        try:
            with inputs.recording() as found:
                rendered.append(render_blueprint(path, stage=stage,
                                                 out_dir=_target(path, out_dir),
                                                 guard_what_if=True))
            if read is not None:
                read.append(list(found.values()))
        except BlueprintInvalid as exc:
            problems.extend(exc.problems)
    if problems:
        raise BlueprintInvalid(problems)
    return rendered


def _print_render_entry(entry: dict[str, Any], *, check: bool, dry_run: bool) -> None:
    if check:
        if entry["up_to_date"]:
            click.echo(f"{entry['out']}: up to date")
        else:
            click.echo(click.style(f"{entry['out']}: out of date", fg="yellow"))
            for path in entry["differing"]:
                click.echo(f"  {path}")
        return
    verb = "would write" if dry_run else "wrote"
    counts = (f"{len(entry['created'])} new, {len(entry['updated'])} changed, "
              f"{len(entry['removed'])} removed, {entry['unchanged']} unchanged")
    click.echo(f"{entry['blueprint']} (stage {entry['stage']}) -> {entry['out']}: {verb} {counts}")
    if entry["what_if"]:  # rendered with local state on purpose (tfgen/render/whatif.py)
        click.echo(f"  {entry['what_if']}")
    # a crash left a committed write (tfgen/outdir/output.py)
    if entry["interrupted_write_finished"]:
        click.echo("  an interrupted earlier write " + ("is finished first" if dry_run else
                                                        "was finished first"))
    if dry_run:
        for key, mark in (("created", "+"), ("updated", "~"), ("removed", "-")):
            for path in entry[key]:
                click.echo(f"  {mark} {path}")
        for path in entry["conflicts"]:
            click.echo(f"  ! {path}: edited by hand or not written by tfgen — a real render "
                       "stops here unless --force")


@click.command()
@click.argument("blueprints", nargs=-1, type=click.Path(dir_okay=False))
@_stage_option("Validate")
@FORMAT
@click.pass_context
def validate(ctx: click.Context, blueprints: tuple[str, ...], stage: str | None,
             fmt: str) -> None:
    """Check blueprints and list every problem as FILE:LINE:COL: field: message.

    Exit 0 when all are valid, 2 otherwise. Nothing is written.

    \b
    Examples:
      tfgen validate blueprints/shopping-mall.yaml
      tfgen validate --stage cdn blueprints/shopping-mall.yaml
      tfgen validate --format json            # all blueprints, for tools
    """
    ctx.obj["json"] = fmt == "json"
    rendered = _render_all(_blueprints(blueprints), stage, None)
    if fmt == "json":
        _echo_json({"valid": True, "blueprints": [
            {"blueprint": r.source, "stage": r.context.stage.value} for r in rendered]})
    else:
        for item in rendered:
            click.echo(f"{item.source}: valid (stage {item.context.stage.value})")


@click.command()
@FORMAT
def stages(fmt: str) -> None:
    """Show the architecture ladder, one stage per line.

    \b
    Example:
      tfgen stages --format json
    """
    rows: list[dict[str, Any]] = [
        {"number": s.number, "name": s.value, "title": s.info.title, "adds": s.info.adds}
        for s in Stage]
    if fmt == "json":
        _echo_json({"stages": rows})
        return
    for row in rows:
        click.echo(f"{row['number']}  {click.style(str(row['name']).ljust(10), bold=True)}  "
                   f"{row['title']}: {row['adds']}")
