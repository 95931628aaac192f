"""Whole-process timings of the tfgen command, side by side with their baselines.

What a user waits for is a whole `tfgen` process, so these time processes, not calls:
wall time and CPU (user + system, from wait4) of each, the median of `rounds` runs. The
cases run interleaved (round 1 of every case, then round 2, ...) so a busy machine slows
baselines and subjects alike; the ratios are what to compare across machines.

Baselines, all measured in the same run:
* the import floor, `python -c 'import jinja2, yaml, click, pydantic'`: tfgen's own
  dependencies, which no tfgen command can avoid (`import pydantic` is lazy, so the
  floor plus `from pydantic import BaseModel` is shown too: any validating command
  pays it), the floor with one one-field pydantic model built and used (the least any
  pydantic validation costs), and the floor with tfgen's validation loaded (pydantic's
  machinery, its plugin discovery and tfgen's models built): a fresh render minus that
  row is the work;
* 1 environment against 100 (bench/envs.py), fresh and as a no-op re-render;
* the file floor: plain Python creating the 100 environments' files (the same paths,
  so the same folders), each staged then renamed into place as any crash-safe writer
  must, with no checks and no syncs (what the disk alone costs);
* the no-op of 100 environments with and without the render index
  (tfgen/outdir/render_index.py; its files are deleted before the "no index" runs).

The "of it kernel" column is the system part of the CPU time: creating, renaming and syncing
files, which tfgen cannot make cheaper than the file floor.

A fresh run renders into a folder that did not exist (a new copy of the project's
blueprints; nothing is deleted between runs), and every run starts after a `sync`, so no
run pays for writing back another's files.

Every process gets the environment without PYTHONDONTWRITEBYTECODE, and one untimed run
first, so bytecode caches exist as they do for an installed tfgen.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from envs import EXAMPLE, make_project

BIN = Path(sys.executable).parent
FLOOR = "import jinja2, yaml, click, pydantic"
#: `import pydantic` is lazy; a command that validates must also load BaseModel itself.
MODEL_FLOOR = "import jinja2, yaml, click; from pydantic import BaseModel"
#: ... and the cheapest validation pydantic can do: one model of one field, built and used
#: once (pydantic loads its schema machinery and plugin loader on the first model built).
ONE_MODEL = ("import jinja2, yaml, click\nfrom pydantic import BaseModel\n"
             "class A(BaseModel):\n    x: int\nA.model_validate({'x': 1})")
#: ... and tfgen's validation loaded: pydantic's machinery and tfgen's models built. What a
#: fresh render costs beyond this row is the work itself (validate, render, write, index).
VALIDATION = "import jinja2, yaml, click, pydantic; import tfgen.blueprint.validate"

FILE_FLOOR = """
import json, os, sys
root, trees = sys.argv[1], json.load(open(sys.argv[2]))
for t, paths in enumerate(trees):
    d = os.path.join(root, str(t)); os.makedirs(os.path.join(d, "s"))
    for i, path in enumerate(paths):
        with open(os.path.join(d, "s", str(i)), "w") as f: f.write("x" * 3000)
    made = set()
    for i, path in enumerate(paths):
        parent = os.path.dirname(os.path.join(d, path))
        if parent not in made: os.makedirs(parent, exist_ok=True); made.add(parent)
        os.replace(os.path.join(d, "s", str(i)), os.path.join(d, path))
"""


@dataclass
class Case:
    """One command, run `rounds` times; `prepare` runs untimed before each run."""

    name: str
    command: list[str]
    cwd: Path
    prepare: Callable[[], None] = lambda: None
    walls: list[float] = field(default_factory=list)
    cpus: list[float] = field(default_factory=list)
    systems: list[float] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(self.walls)

    @property
    def cpu(self) -> float:
        return statistics.median(self.cpus)

    @property
    def system(self) -> float:
        """Kernel time (files created, renamed, synced): what the disk costs."""
        return statistics.median(self.systems)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["NO_COLOR"] = "1"
    return env


def _run(case: Case, env: dict[str, str]) -> tuple[float, float, float]:
    case.prepare()
    os.sync()  # untimed: no run pays for writing back another's files (tfgen syncs; floors not)
    start = time.perf_counter()
    proc = subprocess.Popen(case.command, cwd=case.cwd, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    proc.returncode = code
    errors = proc.stderr.read().decode() if proc.stderr else ""
    if code != 0:
        raise RuntimeError(f"{case.name}: exit {code}\n{errors}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_stime


#: Numbers the fresh copies of every case (two cases may copy the same project).
_COPIES = itertools.count()


def _fresh(case: Case, source: Path) -> Callable[[], None]:
    """Before each run, a new copy of `source`'s blueprints to render into (its `out/` does
    not exist yet). Nothing is deleted between runs: on this machine's disk, creating files
    right after deleting thousands that were just written costs 2-3x the kernel time, and
    no user's fresh render follows that (measured: 100 environments took 3.6 s after
    deleting an old tree and 7.2 s after deleting a just-written one)."""
    def prepare() -> None:
        target = source.parent / f"{source.name}-{next(_COPIES)}"
        shutil.copytree(source / "blueprints", target / "blueprints")
        case.cwd = target
    return prepare


def _fresh_floor(case: Case, root: Path, listing: Path) -> Callable[[], None]:
    """The file floor's own new folder each run, as `_fresh` does for tfgen."""
    rounds = iter(range(1_000_000))

    def prepare() -> None:
        case.command[-2:] = [str(root / f"raw-{next(rounds)}"), str(listing)]
    return prepare


def _drop_indexes(out: Path) -> Callable[[], None]:
    def drop() -> None:
        for index in out.rglob("index.json"):
            if index.parent.name == ".tfgen":
                index.unlink()
    return drop


def measure(rounds: int = 7, count: int = 100) -> list[dict[str, object]]:
    """Time every case `rounds` times, interleaved; rows for the table, with ratios."""
    tfgen = str(BIN / "tfgen")
    python = sys.executable
    env = _env()
    with tempfile.TemporaryDirectory(prefix="tfgen-bench-") as tmp:
        root = Path(tmp)
        example_dir = root / "example"
        (example_dir / "blueprints").mkdir(parents=True)
        shutil.copyfile(EXAMPLE, example_dir / "blueprints" / EXAMPLE.name)
        many = root / "many"
        envs = [str(p.relative_to(many)) for p in make_project(many, count)]
        one = root / "one"
        make_project(one, 1)
        cases = {
            "floor": Case("import floor", [python, "-c", FLOOR], root),
            "models": Case("floor + pydantic.BaseModel", [python, "-c", MODEL_FLOOR], root),
            "one_model": Case("floor + one pydantic model validated",
                              [python, "-c", ONE_MODEL], root),
            "validation": Case("floor + tfgen's validation loaded", [python, "-c", VALIDATION],
                               root),
            "version": Case("tfgen --version", [tfgen, "--version"], root),
            "render": Case("tfgen render example (fresh)",
                           [tfgen, "render", "blueprints/shopping-mall.yaml", "--out", "fresh"],
                           example_dir),
            "noop": Case("tfgen render example (no-op)",
                         [tfgen, "render", "blueprints/shopping-mall.yaml", "--out", "kept"],
                         example_dir),
            "one": Case("1 environment (fresh)", [tfgen, "render", "blueprints/envs/a00.yaml"],
                        one),
            "many": Case(f"{count} environments (fresh)", [tfgen, "render", *envs], many),
            "many_j2": Case(f"{count} environments (fresh, -j 2)",
                            [tfgen, "render", "-j", "2", *envs], many),
            "one_noop": Case("1 environment (no-op)",
                             [tfgen, "render", "blueprints/envs/a00.yaml"], one),
            "many_noop": Case(f"{count} environments (no-op)", [tfgen, "render", *envs], many),
            # The same without the render index (tfgen/outdir/render_index.py): every tree is
            # rendered and compared by content, as when the index is distrusted.
            "many_full": Case(f"{count} environments (no-op, no index)",
                              [tfgen, "render", *envs], many, _drop_indexes(many / "out")),
            "files": Case(f"file floor ({count} trees)", [], root),
        }
        for key, source in (("render", example_dir), ("one", one), ("many", many),
                            ("many_j2", many)):
            cases[key].prepare = _fresh(cases[key], source)
        _run(cases["many"], env)  # untimed; which files do the environments have?
        written = cases["many"].cwd / "out" / "envs"
        trees = [sorted(str(p.relative_to(tree)) for p in tree.rglob("*")
                        if p.is_file() and ".tfgen" not in p.relative_to(tree).parts)
                 for tree in sorted(written.iterdir())]
        listing = root / "trees.json"
        listing.write_text(json.dumps(trees), encoding="utf-8")
        cases["files"].command = [python, "-c", FILE_FLOOR, "", ""]
        cases["files"].prepare = _fresh_floor(cases["files"], root, listing)
        for case in cases.values():  # untimed: bytecode caches, and the no-op's first write
            _run(case, env)
        for _ in range(rounds):  # interleaved; the no-ops use the tree of the untimed run
            for case in cases.values():
                wall, cpu, system = _run(case, env)
                case.walls.append(wall)
                case.cpus.append(cpu)
                case.systems.append(system)
    return _rows(cases, count)


def _rows(cases: dict[str, Case], count: int) -> list[dict[str, object]]:
    c = cases

    def row(key: str, base: str | None, target: str = "") -> dict[str, object]:
        case = c[key]
        ratio_wall = case.wall / c[base].wall if base else None
        ratio_cpu = case.cpu / c[base].cpu if base else None
        return {"case": case.name, "wall_ms": case.wall * 1000, "cpu_ms": case.cpu * 1000,
                "system_ms": case.system * 1000,
                "baseline": c[base].name if base else "", "wall_ratio": ratio_wall,
                "cpu_ratio": ratio_cpu, "target": target}

    rows = [row("floor", None), row("version", "floor", "wall <= 1.3x floor"),
            row("models", "floor", "(what validating needs)"),
            row("one_model", "floor", "(any pydantic validation)"),
            row("validation", "floor", "(pydantic and tfgen's models built)"),
            row("render", "floor", "wall <= 1.5x floor"),
            # The render's own work (validate, render, write, index) beyond loading what any
            # validating command loads: the target restated without pydantic's start-up.
            row("render", "validation", "(the render's own work)"), row("noop", "floor"),
            row("one", "floor"), row("many", "one", "<= 2 s wall"),
            row("many", "files", "(disk alone)"), row("files", None),
            row("many_j2", "many", "<= 2 s wall"),
            row("one_noop", "floor"), row("many_noop", "one_noop", "<= 0.8 s wall"),
            row("many_full", "many_noop", "(without the render index)")]
    for fresh, base, label in (("many", "one", "fresh"), ("many_noop", "one_noop", "no-op")):
        rows.append({"case": f"marginal cost per environment ({label})",
                     "wall_ms": (c[fresh].wall - c[base].wall) * 1000 / (count - 1),
                     "cpu_ms": (c[fresh].cpu - c[base].cpu) * 1000 / (count - 1),
                     "system_ms": (c[fresh].system - c[base].system) * 1000 / (count - 1),
                     "baseline": "", "wall_ratio": None, "cpu_ratio": None,
                     "target": f"({c[fresh].name} - {c[base].name}) / {count - 1}"})
    return rows


def table(rows: list[dict[str, object]]) -> str:
    """The rows as a Markdown table (the README quotes it)."""
    def ratio(value: object) -> str:
        return f"{value:.2f}x" if isinstance(value, float) else ""

    lines = ["| case | wall ms | CPU ms | of it kernel | baseline | wall ratio | CPU ratio "
             "| target |", "|---|---:|---:|---:|---|---:|---:|---|"]
    for r in rows:
        lines.append(f"| {r['case']} | {r['wall_ms']:.0f} | {r['cpu_ms']:.0f} | "
                     f"{r['system_ms']:.0f} | "
                     f"{r['baseline']} | {ratio(r['wall_ratio'])} | {ratio(r['cpu_ratio'])} | "
                     f"{r['target']} |")
    return "\n".join(lines)
