"""Move tfgen's flat modules into subpackages along the pipeline (issue 12, item 3).

    python tools/relayout.py [--dry-run]

Re-runnable on any tree of this repository: it `git mv`s every flat module listed in
:data:`MAPPING` into its subpackage, writes each subpackage's `__init__.py`, and rewrites
every reference to a moved module in the repository's tracked text files:

* dotted names: `from tfgen.X import`, `import tfgen.X`, `python -m tfgen.X`, mock targets
  such as "tfgen.X.attr" (anywhere in a file: code, docs, Makefile, YAML);
* `from tfgen import X, Y`: split into one `from tfgen.SUB import X` per moved name;
* paths: `tfgen/X.py` and `"tfgen" / "X.py"`;
* setup.cfg: the new packages under `packages =`;
* a few literal texts that name modules by pattern (:data:`LITERALS`).

Then `ruff check --select I --fix` re-sorts the import blocks it changed.

It refuses to run (exit 2) when tfgen/ holds a flat module that is not in the table: add a
line for it (old name -> new dotted path) and run again. A second run changes nothing:
only the modules a run moves have their references rewritten.
"""

from __future__ import annotations

import argparse
import ast
import io
import re
import shutil
import subprocess
import sys
import tokenize
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "tfgen"

#: Old flat module (tfgen/<name>.py) -> new dotted path. The single source of the move.
MAPPING: dict[str, str] = {
    # blueprint: the YAML a user writes -> a validated Blueprint (no rendering yet)
    "blueprint": "tfgen.blueprint.model",
    "loader": "tfgen.blueprint.loader",
    "layers": "tfgen.blueprint.layers",
    "hints": "tfgen.blueprint.hints",
    "partial": "tfgen.blueprint.partial",
    "validate": "tfgen.blueprint.validate",
    "db_name_checks": "tfgen.blueprint.db_name_checks",
    "name_checks": "tfgen.blueprint.name_checks",
    "size_checks": "tfgen.blueprint.size_checks",
    "zone_checks": "tfgen.blueprint.zone_checks",
    "engines": "tfgen.blueprint.engines",
    "regions": "tfgen.blueprint.regions",
    "region_names": "tfgen.blueprint.region_names",
    "subnets": "tfgen.blueprint.subnets",
    "reserved_words": "tfgen.blueprint.reserved_words",
    "stages": "tfgen.blueprint.stages",
    "userdata": "tfgen.blueprint.userdata",
    "schema": "tfgen.blueprint.schema",
    "reference": "tfgen.blueprint.reference",
    # render: Blueprint -> render context -> the text of every generated file
    "context": "tfgen.render.context",
    "render": "tfgen.render.render",
    "jinja_env": "tfgen.render.jinja_env",
    "hcl": "tfgen.render.hcl",
    "module_facts": "tfgen.render.module_facts",
    "module_docs": "tfgen.render.module_docs",
    "module_tests": "tfgen.render.module_tests",
    "state_backend": "tfgen.render.state_backend",
    "whatif": "tfgen.render.whatif",
    "diagram": "tfgen.render.diagram",
    "diagram_emit": "tfgen.render.diagram_emit",
    # outdir: generated text -> files in out/, crash-safe, guarded against hand edits
    "output": "tfgen.outdir.output",
    "output_plan": "tfgen.outdir.output_plan",
    "durable": "tfgen.outdir.durable",
    "outdir": "tfgen.outdir.outdir",
    "outguard": "tfgen.outdir.outguard",
    "exclusive": "tfgen.outdir.exclusive",
    "textdiff": "tfgen.outdir.textdiff",
    # review: what a change does (resources, risks, cost, the plan) before anything runs
    "diff": "tfgen.review.diff",
    "diff_model": "tfgen.review.diff_model",
    "diff_report": "tfgen.review.diff_report",
    "risks": "tfgen.review.risks",
    "forcenew": "tfgen.review.forcenew",
    "inventory": "tfgen.review.inventory",
    "inventory_edge": "tfgen.review.inventory_edge",
    "inventory_model": "tfgen.review.inventory_model",
    "narrative": "tfgen.review.narrative",
    "plan_json": "tfgen.review.plan_json",
    "plan_file": "tfgen.review.plan_file",
    "plan_review": "tfgen.review.plan_review",
    "consent": "tfgen.review.consent",
    "cost": "tfgen.review.cost",
    "cost_report": "tfgen.review.cost_report",
    "prices": "tfgen.review.prices",
    "md_fit": "tfgen.review.md_fit",
    "affected": "tfgen.review.affected",
    "effective": "tfgen.review.effective",
    "explain": "tfgen.review.explain",
    # deploy: terraform init/plan/apply/destroy, for real or against an emulator
    "terraform": "tfgen.deploy.terraform",
    "workflow": "tfgen.deploy.workflow",
    "replan": "tfgen.deploy.replan",
    "rehearsal": "tfgen.deploy.rehearsal",
    "emulator": "tfgen.deploy.emulator",
    "moto_server": "tfgen.deploy.moto_server",
    "moto_gaps": "tfgen.deploy.moto_gaps",
    # cli: parses, presents, exits. cli.py becomes the package itself, so the console
    # entry point `tfgen = tfgen.cli:run` is unchanged.
    # Modules that arrived after the move was written (merged from parallel branches).
    "cli_blueprint": "tfgen.cli.blueprint",
    "edition_checks": "tfgen.blueprint.edition_checks",
    "inputs": "tfgen.blueprint.inputs",
    "pydantic_problems": "tfgen.blueprint.pydantic_problems",
    "render_index": "tfgen.outdir.render_index",
    "saved_plan": "tfgen.deploy.saved_plan",
    "snapshot": "tfgen.deploy.snapshot",
    "terraform_env": "tfgen.deploy.terraform_env",
    "tf_runner": "tfgen.deploy.tf_runner",
    "cli": "tfgen.cli",
    "cli_apply": "tfgen.cli.apply",
    "cli_diagram": "tfgen.cli.diagram",
    "cli_diff": "tfgen.cli.diff",
    "cli_multi": "tfgen.cli.multi",
    "cli_rehearse": "tfgen.cli.rehearse",
    "cli_render": "tfgen.cli.render",
    "cli_schema": "tfgen.cli.schema",
}

#: Flat modules that stay at the top: shared by every layer, or a public path that must
#: not move (`tfgen affected --trust-repo-code` imports `tfgen.project` from any revision).
STAYS = {"__init__", "errors", "project"}

#: Each subpackage's `__init__.py`: which stage of the pipeline it is. No imports.
PACKAGES: dict[str, str] = {
    "blueprint": "Stage 1 of the pipeline: a YAML blueprint (with its overlays) becomes a\n"
                 "validated Blueprint.\n\nEverything here reads the user's input; nothing "
                 "renders or writes.",
    "render": "Stage 2 of the pipeline: a Blueprint becomes a render context, then the\n"
              "text of every generated file.\n\nThe context decides every value; the "
              "templates (top-level `templates/`)\nonly place them.",
    "outdir": "Stage 3 of the pipeline: generated text becomes files in an output directory.\n"
              "\nCrash-safe writes, the manifest, hand-edit detection and the output lock.",
    "review": "Stage 4 of the pipeline: what a change does, before anything runs.\n\nThe diff "
              "of two blueprints, the inventory, risks, cost and the review of a\nsaved plan.",
    "deploy": "Stage 5 of the pipeline: terraform init/plan/apply/destroy, for real or\n"
              "against an emulator.",
}

#: Texts that name modules by a pattern, not by a full name: (file, old, new).
LITERALS: list[tuple[str, str, str]] = [
    ("tests/test_cli_lazy.py", 'm.startswith("tfgen.cli_")', 'm.startswith("tfgen.cli.")'),
    ("tfgen/cli.py", "`tfgen/cli_*.py` module", "`tfgen/cli/*.py` module"),
    ("tfgen/cli.py", "(with the `cli_*` modules it", "(with the `tfgen.cli.*` modules it"),
    ("tfgen/cli.py", '"tfgen.cli_tools"', '"tfgen.cli.tools"'),
    # code lines the longer names push past LIMIT (prose is re-wrapped by rewrap())
    ("tests/test_cli_lazy.py",
     '    for review in ("tfgen.cli_apply", "tfgen.cli_diff", "tfgen.workflow", "tfgen.diff",\n'
     '                   "tfgen.diff_report", "tfgen.plan_review", "tfgen.risks"):\n',
     '    for review in ("tfgen.cli_apply", "tfgen.cli_diff", "tfgen.workflow",\n'
     '                   "tfgen.diff", "tfgen.diff_report", "tfgen.plan_review",\n'
     '                   "tfgen.risks"):\n'),
    ("tests/test_schema.py",
     '"run `python -m tfgen.schema` (or `tfgen schema -o schema/blueprint.schema.json`) " \\\n',
     '"run `python -m tfgen.schema` " \\\n'
     '        "(or `tfgen schema -o schema/blueprint.schema.json`) " \\\n'),
]

#: ruff.toml's line-length: longer module paths can push a line past it.
LIMIT = 100

TEXT_SUFFIXES = {".py", ".md", ".cfg", ".toml", ".yaml", ".yml", ".txt", ".sh", ".j2", ".ini",
                 ".json", ".hcl", ".tf", ""}
#: Never rewritten: this script (it names the old modules) and the layout note (it is
#: written in the new names, which the dotted rewrite would extend once more).
SKIP = {"tools/relayout.py", "docs/design/layout.md"}


def fail(message: str) -> None:
    sys.stderr.write(f"relayout: {message}\n")
    raise SystemExit(2)


def git(*args: str) -> str:
    return subprocess.run(["git", *args], cwd=ROOT, check=True, capture_output=True,
                          text=True).stdout


def target_path(dotted: str, name: str) -> Path:
    parts = dotted.split(".")
    if name == "cli" and dotted == "tfgen.cli":
        return ROOT / "tfgen" / "cli" / "__init__.py"
    return ROOT.joinpath(*parts[:-1], f"{parts[-1]}.py")


def check_table() -> list[str]:
    """The flat modules still to move; exit 2 when one is unknown."""
    flat = sorted(p.stem for p in PACKAGE.glob("*.py"))
    unknown = [m for m in flat if m not in MAPPING and m not in STAYS]
    if unknown:
        fail("tfgen/ holds flat modules that are not in MAPPING (tools/relayout.py): "
             + ", ".join(f"tfgen/{m}.py" for m in unknown)
             + ". Add a line for each (old name -> new dotted path) and run again.")
    return [m for m in flat if m in MAPPING]


def rel(dotted: str) -> str:
    """tfgen.cli -> tfgen/cli/__init__.py, tfgen.render.hcl -> tfgen/render/hcl.py."""
    if dotted == "tfgen.cli":
        return "tfgen/cli/__init__.py"
    return dotted.replace(".", "/") + ".py"


def rewriter(moved: list[str]) -> Callable[[str], str]:
    """A function text -> text rewriting every reference to the modules in `moved`."""
    names = sorted(moved, key=len, reverse=True)
    alt = "|".join(map(re.escape, names))
    dotted = re.compile(rf"(?<![\w.])tfgen\.({alt})(?!\w)")
    path = re.compile(rf"(?<![\w.-])tfgen/({alt})\.py(?!\w)")
    segment = re.compile(rf"([\"'])tfgen\1(\s*/\s*)([\"'])({alt})\.py\3")
    from_tfgen = re.compile(r"^([ \t]*)from tfgen import (\([^)]*\)|[^\n]*?)([ \t]*#[^\n]*)?$",
                            re.MULTILINE)

    def split_from(m: re.Match[str]) -> str:
        indent, body, comment = m.group(1), m.group(2), m.group(3) or ""
        if "#" in body:  # a comment inside the parentheses: not split, the caller is told
            print(f"relayout: rewrite by hand: {m.group(0)!r}")
            return m.group(0)
        items = [i.strip() for i in body.strip("()").replace("\n", " ").split(",") if i.strip()]
        keep: list[str] = []
        lines: list[str] = []
        for item in items:
            name, _, alias = (p.strip() for p in item.partition(" as "))
            if name not in moved:
                keep.append(item)
                continue
            package, _, leaf = MAPPING[name].rpartition(".")
            if name == "cli":
                package, leaf = "tfgen", "cli"
            bound = alias or name
            lines.append(f"{indent}from {package} import {leaf}"
                         + ("" if bound == leaf else f" as {bound}"))
        if not lines:
            return m.group(0)
        if keep:
            lines.insert(0, f"{indent}from tfgen import {', '.join(keep)}")
        lines[0] += comment
        return "\n".join(lines)

    def rewrite(text: str) -> str:
        # Dotted names first: `from tfgen import render` becomes `from tfgen.render import
        # render` only afterwards, and must not be read again as the module tfgen.render.
        text = dotted.sub(lambda m: MAPPING[m.group(1)], text)
        text = path.sub(lambda m: rel(MAPPING[m.group(1)]), text)
        text = segment.sub(
            lambda m: "{q}tfgen{q}{sep}".format(q=m.group(1), sep=m.group(2))
            + m.group(2).join(f"{m.group(3)}{p}{m.group(3)}"
                              for p in rel(MAPPING[m.group(4)]).split("/")[1:]),
            text)
        return from_tfgen.sub(split_from, text)

    return rewrite


def _prose(text: str) -> tuple[dict[int, tuple[int, int]], set[int], dict[int, int]]:
    """0-based lines: docstring line -> (first, last) line of its docstring; comment-only
    lines; code lines that end in a comment -> the comment's column."""
    docs: dict[int, tuple[int, int]] = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef) \
                and node.body and isinstance(node.body[0], ast.Expr) \
                and isinstance(node.body[0].value, ast.Constant) \
                and isinstance(node.body[0].value.value, str):
            first, last = node.body[0].lineno - 1, (node.body[0].end_lineno or 0) - 1
            docs.update(dict.fromkeys(range(first, last + 1), (first, last)))
    alone: set[int] = set()
    trailing: dict[int, int] = {}
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.COMMENT:
            row = tok.start[0] - 1
            if tok.line[:tok.start[1]].strip():
                trailing[row] = tok.start[1]
            else:
                alone.add(row)
    return docs, alone, trailing


_BULLET = re.compile(r"\s*([-*]|\d+\.|>>>|\.\.\.)\s")
_QUOTES = (" ", '"' * 3, "'" * 3)


def _split(line: str, start: int) -> tuple[str, str] | None:
    """The line cut at its last space that leaves at most LIMIT characters (after `start`)."""
    cut = line.rfind(" ", start, LIMIT + 1)
    if cut <= start or not line[:cut].strip():
        return None
    return line[:cut].rstrip(), line[cut + 1:].lstrip()


def _fix_one(lines: list[str], text: str) -> bool:
    """Re-wrap the first too-long prose line the rewrite made: its overflow moves to the
    start of the next line of the same paragraph, or onto a new line. False: none left."""
    docs, alone, trailing = _prose(text)
    for i, line in enumerate(lines):
        if len(line) <= LIMIT or "tfgen" not in line or "noqa" in line:
            continue
        indent = line[:len(line) - len(line.lstrip())]
        if i in trailing and i not in docs:  # code  # comment -> the comment above the code
            code, comment = line[:trailing[i]], line[trailing[i]:]
            lines[i:i + 1] = [f"{indent}{comment}", code.rstrip()]
            return True
        if i in alone:
            prefix = re.match(r"[ \t]*#+:? ?", line)
            if prefix is None:
                continue
            lead = prefix.group(0)
        elif i in docs:
            lead = indent
        else:
            continue
        opening = i in docs and docs[i][0] == i  # the opening quotes stay on this line
        parts = _split(line, len(lead) + (3 if opening else 0))
        if parts is None:
            continue
        head, tail = parts
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        rest = nxt[len(lead):]
        if i in alone:
            same = i + 1 in alone and nxt.startswith(lead) and bool(rest.strip())
        else:
            same = docs.get(i + 1) == docs[i] and i != docs[i][1] and nxt.startswith(lead) \
                and bool(rest.strip()) and not rest.startswith(_QUOTES)
        if same and not _BULLET.match(rest):
            lines[i:i + 2] = [head, f"{lead}{tail} {rest}"]
        else:
            lines[i:i + 1] = [head, f"{lead}{tail}"]
        return True
    return False


def rewrap(text: str) -> str:
    """Every prose line (comment, docstring) the longer paths pushed past LIMIT, re-wrapped."""
    lines = text.split("\n")
    for _ in range(200):
        if not _fix_one(lines, "\n".join(lines)):
            break
    return "\n".join(lines)


def tracked_text_files() -> list[Path]:
    out = []
    for name in git("ls-files", "-z").split("\0"):
        if not name or name in SKIP:
            continue
        path = ROOT / name
        if path.suffix not in TEXT_SUFFIXES and path.name not in {"Makefile", "run"}:
            continue
        if path.is_file() and not path.is_symlink():
            out.append(path)
    return out


def add_packages(text: str) -> str:
    """setup.cfg: every subpackage under `packages =`, right after `tfgen`."""
    wanted = [f"    tfgen.{p}" for p in sorted([*PACKAGES, "cli"])]
    lines = text.split("\n")
    at = lines.index("    tfgen") + 1
    missing = [w for w in wanted if w not in lines]
    return "\n".join([*lines[:at], *missing, *lines[at:]])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dry-run", action="store_true", help="list the moves only")
    args = parser.parse_args()
    todo = check_table()
    for name in todo:
        print(f"tfgen/{name}.py -> {rel(MAPPING[name])}")
    if args.dry_run:
        return 0
    changed: set[Path] = set()
    if todo:
        rewrite = rewriter(todo)
        for path in tracked_text_files():
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            name = path.relative_to(ROOT).as_posix()
            new = text
            for where, old, repl in LITERALS:
                if where == name:
                    new = new.replace(old, repl)
            new = rewrite(new)
            if path.suffix == ".py" and new != text:
                new = rewrap(new)
            if new != text:
                path.write_text(new, encoding="utf-8")
                changed.add(path)
        for name in todo:
            src = PACKAGE / f"{name}.py"
            dst = ROOT / rel(MAPPING[name])
            dst.parent.mkdir(exist_ok=True)
            git("mv", str(src.relative_to(ROOT)), str(dst.relative_to(ROOT)))
            if src in changed:
                changed.discard(src)
                changed.add(dst)
    for package, doc in PACKAGES.items():
        init = PACKAGE / package / "__init__.py"
        text = f'"""{doc}\n"""\n'
        if init.parent.is_dir() and (not init.exists() or init.read_text(encoding="utf-8")
                                     != text):
            init.write_text(text, encoding="utf-8")
            changed.add(init)
            git("add", str(init.relative_to(ROOT)))
    setup = ROOT / "setup.cfg"
    text = setup.read_text(encoding="utf-8")
    if add_packages(text) != text:
        setup.write_text(add_packages(text), encoding="utf-8")
    python = [str(p) for p in changed if p.suffix == ".py"]
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")
    if python and ruff:
        # Longer module paths change the order and wrapping of import blocks.
        subprocess.run([ruff, "check", "--quiet", "--select", "I", "--fix", *python],
                       cwd=ROOT, check=False)
    elif python:
        print("relayout: ruff not found; run `ruff check --select I --fix` yourself")
    for path in sorted(PACKAGE.rglob("*.py")):
        if "__file__" in path.read_text(encoding="utf-8"):
            print(f"relayout: check the depth of the __file__ lookup in {path}")
    for path in sorted(changed):
        for n, line in enumerate(path.read_text(encoding="utf-8").split("\n"), 1):
            if path.suffix == ".py" and len(line) > LIMIT and "tfgen" in line \
                    and "noqa" not in line:
                print(f"relayout: {path.relative_to(ROOT)}:{n}: longer than {LIMIT}; "
                      "wrap it by hand (or add a LITERALS line)")
    print(f"relayout: {len(todo)} modules moved, {len(changed)} files rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
