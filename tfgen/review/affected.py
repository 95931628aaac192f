"""Which blueprints render differently than at a git revision: the environments to plan.

"Affected" means: the set of files the blueprint renders to (relative path -> content)
is not the same at REV and now. That is the most honest test, because it is exactly
what Terraform would see: a template change affects every blueprint whose output it
touches, a change to an overlay's base (or to a user-data script, or to tfgen's own code)
affects the overlays that render differently because of it, and a comment-only edit of a
blueprint affects nothing. A blueprint that is new since REV, or that rendered with an
error at REV, is affected; one that no longer renders now is an error (fix it first).

Both sides are rendered the same way: the tree at REV is extracted with `git archive`
into a temporary directory, and each side's blueprints are rendered in memory by a child
Python process started in isolated mode (`python -I`: neither the working directory nor
PYTHONPATH is on its import path), so the installed tfgen renders both and nothing in the
checkout runs. A repository is untrusted input (docs/security.md): a `tfgen/` folder
planted in a pull request must not be executed by CI's `tfgen affected`.

Only with `trust_repo_code` (`tfgen affected --trust-repo-code`, for tfgen's own
development, where a template or code change at REV must count) does each side import
the tfgen that the repository holds at that side (`tfgen/` next to `templates/`).
Nothing is written outside the temporary directory.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tarfile
import tempfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tfgen.errors import GitError, InputError, TfgenError
from tfgen.paths import BLUEPRINTS
from tfgen.project import OUT

#: Run in a child process with the side's own tfgen first on sys.path: renders every
#: blueprint under ./blueprints in memory and prints {source: {"files": {path: sha256}}}
#: (or {"error": message}). Only `tfgen.project.render_blueprint/discover` are used, the
#: API every revision with `tfgen affected` has. setup.cfg maps the package
#: `tfgen.templates` to the top-level `templates/` folder; a plain source tree does not,
#: so the snippet registers it the same way before rendering.
_SNIPPET = r"""
import hashlib, importlib.util, json, sys
from pathlib import Path
code = sys.argv[1]
if code:
    sys.path.insert(0, code)
    templates = Path(code) / "templates"
    if templates.is_dir() and not (Path(code) / "tfgen" / "templates").is_dir():
        import tfgen
        spec = importlib.util.spec_from_file_location(
            "tfgen.templates", templates / "__init__.py",
            submodule_search_locations=[str(templates)])
        module = importlib.util.module_from_spec(spec)
        sys.modules["tfgen.templates"] = module
        spec.loader.exec_module(module)
from tfgen.project import discover, render_blueprint
result = {}
for path in discover(Path.cwd()):
    source = path.relative_to(Path.cwd()).as_posix()
    try:
        rendered = render_blueprint(path)
        result[source] = {"stage": rendered.context.stage.value, "files": {
            k: hashlib.sha256(v.encode("utf-8")).hexdigest() for k, v in rendered.files.items()}}
    except Exception as exc:
        result[source] = {"error": f"{exc.__class__.__name__}: {exc}"}
json.dump(result, sys.stdout)
"""



@dataclass(frozen=True)
class Affected:
    """One blueprint whose rendered files differ from REV, and why."""

    blueprint: str  # as under the project root: blueprints/envs/dev.yaml
    out: str  # out/envs/dev
    stage: str
    reason: str  # "new", "changed files: …", "did not render at REV: …"

    def matrix_entry(self) -> dict[str, str]:
        """The row of a GitHub Actions matrix `include` list."""
        return {"blueprint": self.blueprint, "out": self.out, "stage": self.stage}


@dataclass(frozen=True)
class AffectedReport:
    """The answer: affected blueprints, the unaffected ones, and blueprints gone since REV."""

    since: str
    commit: str
    affected: list[Affected]
    unchanged: list[str]
    removed: list[str]

    def matrix(self) -> dict[str, list[dict[str, str]]]:
        """`{"include": [...]}`: fed to `strategy.matrix` with fromJSON as it is."""
        return {"include": [a.matrix_entry() for a in self.affected]}


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True,
                              text=True, check=False, timeout=120)
    except FileNotFoundError:
        raise GitError("git is not installed; `tfgen affected` needs it") from None
    if done.returncode != 0:
        raise GitError(f"git {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


def _extract(toplevel: Path, commit: str, target: Path) -> None:
    """The tree of `commit` under `target` (`git archive`, extracted safely)."""
    proc = subprocess.Popen(["git", "-C", str(toplevel), "archive", "--format=tar", commit],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None
    with tarfile.open(fileobj=proc.stdout, mode="r|") as archive:
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: no absolute paths, links out
            archive.extractall(target, filter="data")
        else:  # pragma: no cover - older 3.11: our own repository's history
            archive.extractall(target)
    _, err = proc.communicate()
    if proc.returncode != 0:
        raise GitError(f"git archive {commit} failed: {err.decode(errors='replace').strip()}")


def _render_side(project: Path, code: Path | None) -> dict[str, dict[str, object]]:
    """Every blueprint of `project` rendered by `code`'s tfgen (None: the installed one)."""
    if not (project / BLUEPRINTS).is_dir():
        return {}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    # -I: the child's import path holds neither its working directory (the checkout) nor
    # PYTHONPATH; only `code`, when the caller chose to trust the repository's own tfgen.
    done = subprocess.run([sys.executable, "-I", "-c", _SNIPPET, str(code) if code else ""],
                          cwd=project, env=env, capture_output=True, text=True,
                          check=False, timeout=600)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-6:])
        raise TfgenError(f"rendering the blueprints of {project} failed:\n{tail}")
    data: dict[str, dict[str, object]] = json.loads(done.stdout)
    return data


def _own_code(toplevel: Path) -> Path | None:
    """The repository's own tfgen, when it holds one (this project does)."""
    return toplevel if (toplevel / "tfgen" / "__init__.py").is_file() else None


def _reason(old: dict[str, object] | None, new: dict[str, object]) -> str | None:
    if old is None:
        return "new since the revision"
    if "error" in old:
        return f"did not render at the revision ({old['error']})"
    before = old.get("files")
    after = new.get("files")
    assert isinstance(before, dict) and isinstance(after, dict)
    changed = sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))
    if not changed:
        return None
    shown = ", ".join(changed[:5]) + (f", … {len(changed) - 5} more" if len(changed) > 5
                                      else "")
    return f"{len(changed)} rendered file(s) differ: {shown}"


def affected(root: Path, since: str = "HEAD", *, trust_repo_code: bool = False
             ) -> AffectedReport:
    """The blueprints of the project at `root` whose rendered output differs from `since`.

    "Now" is the working tree as it is on disk (uncommitted edits included). Paths in the
    answer are relative to `root` (the directory holding blueprints/).
    """
    root = root.resolve()
    if not (root / BLUEPRINTS).is_dir():
        raise InputError(f"no {BLUEPRINTS}/ directory in {root}: run from the project root")
    toplevel = Path(_git(root, "rev-parse", "--show-toplevel")).resolve()
    try:
        commit = _git(root, "rev-parse", "--verify", "--quiet", f"{since}^{{commit}}")
    except GitError:
        raise GitError(f"unknown git revision {since!r} (a shallow clone may lack it: "
                       "fetch with depth 0)") from None
    prefix = root.relative_to(toplevel)
    with tempfile.TemporaryDirectory(prefix="tfgen-affected-") as tmp:
        old_top = Path(tmp)
        _extract(toplevel, commit, old_top)
        with ThreadPoolExecutor(max_workers=2) as pool:  # two child processes, side by side
            old_job = pool.submit(_render_side, old_top / prefix,
                                  _own_code(old_top) if trust_repo_code else None)
            new_job = pool.submit(_render_side, root,
                                  _own_code(toplevel) if trust_repo_code else None)
            new_side = new_job.result()
            try:
                old_side = old_job.result()
            except TfgenError as exc:  # REV's tfgen is broken: plan everything
                old_side = {s: {"error": str(exc).splitlines()[-1]} for s in new_side}
    broken = {s: v["error"] for s, v in new_side.items() if "error" in v}
    if broken:
        raise InputError("these blueprints do not render now; fix them first (`tfgen "
                         "validate`):\n" + "\n".join(f"  {s}: {e}" for s, e in
                                                     sorted(broken.items())))
    found: list[Affected] = []
    unchanged: list[str] = []
    for source, now in sorted(new_side.items()):
        why = _reason(old_side.get(source), now)
        if why is None:
            unchanged.append(source)
            continue
        out = Path(OUT) / Path(source).relative_to(BLUEPRINTS).with_suffix("")
        found.append(Affected(source, out.as_posix(), str(now["stage"]), why))
    removed = sorted(set(old_side) - set(new_side))
    return AffectedReport(since, commit, found, unchanged, removed)


__all__ = ["Affected", "AffectedReport", "GitError", "affected"]
