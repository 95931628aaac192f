"""Guards for writing into an output tree that may have arrived through `git clone`.

Everything under `out/` is untrusted input (see docs/security.md): a committed symlink,
journal or manifest must not make tfgen read, write or delete outside the tree, or touch
Terraform's own files. This module holds the checks every writer goes through:

* :func:`check_state_dirs` — tfgen's bookkeeping folders (`.tfgen`, `.tfgen/generated`,
  `.tfgen/txn`, …) must be real directories, never symlinks or files;
* :func:`refuse_protected` — a hard deny-list (Terraform state, backups, lock files,
  `.terraform*`) checked in the one place that writes or deletes a file of the tree;
* :func:`sign` / :func:`verify` — a write journal is rolled forward only when it carries
  an HMAC made with a key kept outside the repository (the user's cache dir), i.e. only a
  write this machine (this user) started;
* :func:`output_lock` — one writer per output directory (`fcntl.flock` on it).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import hmac
import os
import secrets
import stat
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from tfgen.errors import OutputConflict
from tfgen.paths import real

STATE_DIR = ".tfgen"
#: tfgen's folders inside an output tree; each must be a real directory when present.
STATE_DIRS = (STATE_DIR, f"{STATE_DIR}/generated", f"{STATE_DIR}/txn", f"{STATE_DIR}/txn/staged",
              f"{STATE_DIR}/plan", f"{STATE_DIR}/applied", f"{STATE_DIR}/terraform")
LOCK_ENV = "TFGEN_LOCK_WAIT"
LOCK_WAIT = 5.0
KEY_ENV = "TFGEN_JOURNAL_KEY_FILE"

#: Never written or deleted by tfgen, whatever a manifest or journal says.
_PROTECTED_SUFFIXES = (".tfstate", ".tfstate.backup", ".tfplan", ".lock.info")
_PROTECTED_NAMES = frozenset({".terraform.lock.hcl", "terraform.tfvars"})

_held: dict[Path, int] = {}


def is_protected(relpath: str) -> bool:
    """Terraform's state, backups, lock files, `.terraform*` data and the user's tfvars."""
    # The parts PurePosixPath(relpath) would give, without building one (called per file, issue 13).
    parts = [part for part in relpath.split("/") if part not in ("", ".")]
    name = parts[-1] if parts else ""
    if any(part.startswith(".terraform") for part in parts):
        return True
    if name in _PROTECTED_NAMES or ".tfstate" in name:
        return True
    return name.endswith(_PROTECTED_SUFFIXES)


def refuse_protected(relpath: str, action: str) -> None:
    """Raise for a path tfgen must never `action` (write/delete)."""
    if is_protected(relpath):
        raise OutputConflict(f"refusing to {action} '{relpath}': Terraform's state, lock and "
                             ".terraform* files are never written or deleted by tfgen (a "
                             "manifest or journal naming it was not written by tfgen)")


def check_state_dirs(directory: Path) -> None:
    """Refuse when one of tfgen's own folders is a symlink or not a directory."""
    for relpath in STATE_DIRS:
        path = directory / relpath
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            continue
        if not stat.S_ISDIR(mode):
            kind = "a symbolic link" if stat.S_ISLNK(mode) else "not a directory"
            raise OutputConflict(f"{path} is {kind}: tfgen keeps its own bookkeeping there "
                                 "and writes only into real directories inside the output "
                                 "tree. Nothing was touched. Remove it (it is never "
                                 "committed) and run again.")


def ensure_state_dir(directory: Path, *, ignore_file: bool = False) -> Path:
    """`.tfgen/` as a real directory; with `ignore_file` also a `.gitignore` of `*` in it.

    The output tree's own `.gitignore` (rendered) already ignores `.tfgen/`; the inner one
    keeps saved plans out of git even where a user replaced that file.
    """
    check_state_dirs(directory)
    folder = directory / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    ignore = folder / ".gitignore"
    if ignore_file and (ignore.is_symlink() or not ignore.is_file()):
        ignore.unlink(missing_ok=True)
        write_private(ignore, "*\n", mode=0o644)
    return folder


def discard(path: Path) -> None:
    """Remove one of tfgen's own files (a saved plan, its record, the emulator override).

    Nothing there is fine; a link goes, not what it points at. A folder at that name was
    not made by tfgen (a copied tree can hold anything): it is named, not crashed on, and
    never removed with what is inside it.
    """
    try:
        path.unlink()
    except FileNotFoundError:
        pass
    except (IsADirectoryError, PermissionError) as exc:  # (Linux says EISDIR, macOS EPERM)
        if not path.is_dir() or path.is_symlink():
            raise
        raise OutputConflict(f"{path} is a folder where tfgen keeps a file; tfgen does not "
                             "delete folders it did not make — move it away and run again. "
                             "Nothing was changed.") from exc


def write_private(path: Path, text: str, *, mode: int = 0o600, durable: bool = True) -> None:
    """Write `path` atomically and durably with exactly `mode` (umask-independent; 0600
    by default): the data is fsynced before the rename and the folder after it, as
    tfgen.outdir.output does for rendered files, so a power cut leaves the old file or the new
    one (a saved plan's record never names a plan that is not on disk).

    `durable=False` is for caches (the render index): still atomic and never through a
    planted symlink, but not synced, since losing one only costs a full render."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, mode)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    if not durable:
        return
    folder = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


# --- journal authenticity ------------------------------------------------------------------

def _user_cache() -> Path:
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "tfgen"


def _key_path() -> Path:
    explicit = os.environ.get(KEY_ENV)
    if explicit:
        return Path(explicit)
    return _user_cache() / "journal.key"


def private_cache_file(name: str) -> Path | None:
    """`name` in this user's tfgen cache folder (beside the journal key), or None when
    that folder cannot be made or is not private to this user (owned by another user, or
    writable by group or others): a cache there could be planted, so none is used."""
    folder = _user_cache()
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        info = folder.lstat()
    except OSError:
        return None
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o022:
        return None
    return folder / name


def _key() -> bytes:
    """This user's journal key, created (0600) on first use; never inside a repository.

    Where the cache dir cannot be written (a read-only HOME in CI), a per-user folder in
    the system temp dir holds it instead.
    """
    try:
        return _read_or_create(_key_path())
    except PermissionError:
        fallback = Path(tempfile.gettempdir()) / f"tfgen-{os.getuid()}" / "journal.key"
        return _read_or_create(fallback)


def _read_or_create(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        pass
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder = path.parent.stat()
    if folder.st_uid != os.getuid() or folder.st_mode & 0o022:
        raise OutputConflict(f"{path.parent}: not a private folder of this user; tfgen keeps "
                             f"its journal key there (set {KEY_ENV} to a private file)")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes()  # another tfgen created it first
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_bytes(32))
    return path.read_bytes()


def sign(payload: str) -> str:
    """HMAC-SHA256 of a journal body with this user's key."""
    return hmac.new(_key(), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def verify(payload: str, mac: object) -> bool:
    """Whether `mac` was made by :func:`sign` on this machine for `payload`."""
    return isinstance(mac, str) and hmac.compare_digest(sign(payload), mac)


# --- one writer at a time ------------------------------------------------------------------

def _wait() -> float:
    try:
        return float(os.environ.get(LOCK_ENV, LOCK_WAIT))
    except ValueError:
        return LOCK_WAIT


@contextlib.contextmanager
def output_lock(directory: Path) -> Iterator[None]:
    """Hold the exclusive lock on `directory` (re-entrant within one process).

    The lock is `flock` on the output directory itself, not on a lock file: nothing is
    created (a refused write leaves the tree byte-identical) and there is no lock file a
    clone could plant as a symlink. A second tfgen waits up to TFGEN_LOCK_WAIT seconds
    (default 5), then gives up with a clear message.
    """
    key = real(directory)
    if key in _held:
        yield
        return
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    deadline = time.monotonic() + _wait()
    try:
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise OutputConflict(
                        f"{directory}: another tfgen command is writing this output "
                        f"directory; waited {_wait():g}s for it. Run again when it has "
                        "finished. Nothing was written.") from None
                time.sleep(0.05)
        _held[key] = fd
        try:
            yield
        finally:
            del _held[key]
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
