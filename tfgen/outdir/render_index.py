"""A no-op re-render that renders nothing: an index of inputs and written files, like git's.

Re-rendering 100 unchanged environments loaded, validated and rendered all of them, then
read and hashed ~7,600 files to find that nothing changed (issue 13). After every write
`tfgen render` keeps `<out>/.tfgen/index.json` (machine-local, never committed):

* `key` — everything besides the input files that decides the output: tfgen's version
  and the bytes of its code and templates (hashed once, then kept in this user's cache
  under their stat data: `tool_stamp`), the dependencies' installed files, the
  Python version, the calendar date validation uses, the blueprint's path, its name in
  generated files, the output directory and `--stage`;
* `inputs` — every file the render read (the `extends:` chain, user-data scripts;
  tfgen/blueprint/inputs.py), by path, resolved path and sha256 of its bytes;
* `files` — each written file's (inode, size, mtime_ns), taken when its content was
  known (when it was staged, or read and hashed): the manifest included;
* what the report needs (stage, file count, what-if note).

A later render trusts the index only when the key matches, every input hashes the same,
no write is pending (`.tfgen/txn`), no emulator override is left, and every file has the
recorded inode, size and mtime with a ctime older than the index itself. A file touched
after the index was written — a hand edit, even one that keeps the size and restores
the mtime — has a newer ctime; one touched in the same clock tick as the index was
written is "racily clean" in git's words and is distrusted too. Anything distrusted
falls back to the full render and comparison by content hash, which then rewrites the
index. The index only ever skips work: it is never read to decide what to write.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import json
import os
import stat
import sys
from dataclasses import dataclass
from datetime import date
from importlib import resources
from pathlib import Path

import tfgen
from tfgen.blueprint import inputs
from tfgen.outdir import outguard
from tfgen.outdir.output_plan import MANIFEST, STATE_DIR, TXN
from tfgen.outdir.override_file import OVERRIDE_FILE
from tfgen.outdir.tree_files import Seen
from tfgen.paths import real

INDEX = f"{STATE_DIR}/index.json"
INDEX_VERSION = 1
#: Installed packages whose code shapes the output (their files are stamped, not hashed).
DEPENDENCIES = ("jinja2", "markupsafe", "yaml", "pydantic", "pydantic_core", "click")


@dataclass(frozen=True)
class Summary:
    """What `tfgen render` reports for a tree it did not need to render."""

    stage: str
    files: int
    what_if: str | None


@functools.cache
def tool_stamp() -> str:
    """tfgen's version, code and templates (by content), its dependencies and Python.

    Hashing every file of tfgen and its templates costs ~20 ms a process, a sixth of a
    no-op render; so the stamp is kept in this user's cache under a signature of those
    files' stat data (size, mtime, ctime, inode: any write changes the ctime, which the
    writer cannot set), which costs ~2 ms to take. Python itself trusts mtime and size
    alone to reuse bytecode. A cache that cannot be read or written is not used.
    """
    signature = _stat_signature()
    cache = outguard.private_cache_file("tool-stamp.json")
    if cache is None:
        return _content_stamp()
    try:
        kept = json.loads(cache.read_text(encoding="utf-8"))
        if kept.get("signature") == signature and isinstance(kept.get("stamp"), str):
            return str(kept["stamp"])
    except (OSError, ValueError, AttributeError):
        pass
    stamp = _content_stamp()
    with contextlib.suppress(OSError):
        outguard.write_private(cache, json.dumps({"signature": signature, "stamp": stamp}),
                               durable=False)
    return stamp


def _content_stamp() -> str:
    digest = hashlib.sha256(f"{tfgen.__version__}\0{sys.version}\0".encode())
    digest.update(package_digest(Path(tfgen.__file__).parent).encode())
    digest.update(package_digest(templates()).encode())
    for name in DEPENDENCIES:
        spec = importlib.util.find_spec(name)  # finds without importing
        origin = spec.origin if spec is not None else None
        info = Path(origin).stat() if origin else None
        digest.update(f"{name}\0{origin}\0{info and (info.st_size, info.st_mtime_ns)}\0"
                      .encode())
    return digest.hexdigest()


def _stat_signature() -> str:
    """What `_content_stamp` reads, by stat data and path only (no file is opened)."""
    digest = hashlib.sha256(f"{tfgen.__version__}\0{sys.version}\0".encode())
    for package in (Path(tfgen.__file__).parent, templates()):
        digest.update(f"{package}\0".encode())
        for root, dirs, names in os.walk(package):
            dirs[:] = sorted(d for d in dirs if d != "__pycache__")
            for name in sorted(names):
                info = os.stat(f"{root}/{name}")  # noqa: PTH116 (a Path per file costs more)
                digest.update(f"{root}/{name}\0{info.st_size}\0{info.st_mtime_ns}\0"
                              f"{info.st_ctime_ns}\0{info.st_ino}\0".encode())
    for name in DEPENDENCIES:
        spec = importlib.util.find_spec(name)
        digest.update(f"{name}\0{spec.origin if spec is not None else None}\0".encode())
    return digest.hexdigest()


def templates() -> Path:
    """tfgen/render/jinja_env.py's `templates_dir` (package data, wherever it is installed),
    found the same way without loading Jinja."""
    return Path(str(resources.files("tfgen.templates")))


def package_digest(package: Path) -> str:
    """sha256 over every file of `package` (code, templates, data) by path and content."""
    digest = hashlib.sha256()
    for root, dirs, names in os.walk(package):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(names):
            path = Path(root) / name
            digest.update(f"{path.relative_to(package).as_posix()}\0".encode())
            digest.update(path.read_bytes())
            digest.update(b"\0")
    return digest.hexdigest()


def today() -> str:
    """The date validation checks engines against (tfgen/blueprint/engines.py `calendar_today`,
    repeated here so a no-op render does not load the engine tables)."""
    return os.environ.get("TFGEN_TODAY") or date.today().isoformat()


def render_key(blueprint: Path, *, source: str, out_dir: Path, own_out: Path,
               out_given: bool, stage: str | None) -> str:
    """Everything besides the input files that decides what a render writes."""
    return hashlib.sha256(json.dumps({
        "tool": tool_stamp(), "today": today(), "blueprint": str(real(blueprint)),
        "source": source, "out": str(real(out_dir)), "own_out": str(real(own_out)),
        "out_given": out_given, "stage": stage}, sort_keys=True).encode()).hexdigest()


def record(directory: Path, key: str, read: list[inputs.Input], files: dict[str, Seen],
           summary: Summary) -> None:
    """Write the index of a tree just written (a cache: atomic, not synced).

    A cache that cannot be written is not an error: the next render is a full one.
    """
    data = {"version": INDEX_VERSION, "key": key, "inputs": sorted(read),
            "files": {p: list(seen[:3]) for p, seen in sorted(files.items())},
            "stage": summary.stage, "count": summary.files, "what_if": summary.what_if}
    folder = outguard.ensure_state_dir(directory)
    target = directory / INDEX
    for left in folder.glob(".index.json.*.tmp"):  # of a run killed while writing it
        left.unlink(missing_ok=True)
    try:
        outguard.write_private(target, json.dumps(data, sort_keys=True), mode=0o644,
                               durable=False)
    except OSError:
        return


def lookup(directory: Path, key: str) -> Summary | None:
    """The summary of an unchanged tree, or None when anything may have changed."""
    try:
        fd = os.open(directory / INDEX, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        written = os.fstat(fd)
        with os.fdopen(fd, "rb", closefd=False) as handle:
            data = json.loads(handle.read()) if stat.S_ISREG(written.st_mode) else None
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)
    if not isinstance(data, dict) or data.get("version") != INDEX_VERSION \
            or data.get("key") != key:
        return None
    try:
        outguard.check_state_dirs(directory)
    except Exception:  # the full render says what is wrong
        return None
    if (directory / TXN).exists() or os.path.lexists(directory / OVERRIDE_FILE):
        return None
    try:
        recorded = [tuple(item) for item in data["inputs"]]
        files = {str(p): tuple(seen) for p, seen in data["files"].items()}
        summary = Summary(str(data["stage"]), int(data["count"]), data["what_if"])
    except (KeyError, TypeError, ValueError):
        return None
    if MANIFEST not in files or not _files_unchanged(directory, files, written.st_mtime_ns):
        return None
    if not inputs.unchanged(recorded):
        return None
    return summary


def _files_unchanged(directory: Path, files: dict[str, tuple[object, ...]],
                     index_mtime: int) -> bool:
    base = os.fspath(directory)  # strings, not Paths: ~7,600 files for 100 environments
    folders: set[str] = set()
    for relpath, seen in files.items():
        try:
            info = os.lstat(f"{base}/{relpath}")
        except OSError:
            return False
        if not stat.S_ISREG(info.st_mode) or info.st_ctime_ns >= index_mtime \
                or (info.st_ino, info.st_size, info.st_mtime_ns) != seen:
            return False
        folder = relpath.rpartition("/")[0]
        while folder and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    for folder in folders:  # a folder swapped for a link is refused by the full render
        try:
            if not stat.S_ISDIR(os.lstat(f"{base}/{folder}").st_mode):
                return False
        except OSError:
            return False
    return True
