"""`tfgen render -j N`: the work split over forked processes, in two phases.

Rendering 100 environments is CPU in Python and in the kernel (creating files); on two
CPUs two processes halve it (issue 13: 2.9 s -> 2.0 s wall for two `tfgen render` runs
of 50 environments each against one of 100). Forking after the imports keeps the second
process from paying Python's start-up again.

`tfgen render` promises that an invalid blueprint writes nothing and that a conflict in
any tree refuses the whole batch, so each child first *prepares* its share (renders it
in memory, checks its output folders, plans its writes) and reports; only when every
child prepared cleanly are they all told to *commit* (write). Any problem in any child
stops them all before anything is written. What is still weaker than one process: a
tree changed by someone else between the plan and the write is refused by its own
child under the tree's lock while other children may already have written theirs (each
tree is still exactly old or new; tfgen/outdir/output.py).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any, TypeVar

from tfgen.errors import BlueprintInvalid, Problem, TfgenError

T = TypeVar("T")
#: What a child's prepare returns: its report for the parent, and the write to run later.
Prepared = tuple[T, Callable[[], None]]

_GO, _STOP = "go", "stop"


def run(chunks: Sequence[Sequence[int]], prepare: Callable[[list[int]], Prepared[T]]
        ) -> list[T]:
    """Prepare every chunk in its own forked child; commit all or none; the reports.

    Raises what a child raised: every blueprint problem of every child together (as one
    process would report them), else the first other error in chunk order.
    """
    context = multiprocessing.get_context("fork")
    links: list[Connection] = []
    children = []
    for chunk in chunks:
        parent_end, child_end = context.Pipe()
        # The child closes the parent's ends it inherited (its own, earlier children's):
        # a pipe whose other end stays open anywhere never tells a reader it is closed.
        child = context.Process(target=_child, args=(child_end, [*links, parent_end],
                                                     list(chunk), prepare))
        child.start()
        child_end.close()
        links.append(parent_end)
        children.append(child)
    try:
        first = [_receive(link) for link in links]
        failed = [answer for answer in first if answer[0] != "prepared"]
        for link in links:
            with contextlib.suppress(OSError):  # a child that died reads no verdict
                link.send(_STOP if failed else _GO)
        if failed:
            _raise(failed)
        second = [_receive(link) for link in links]
        failed = [answer for answer in second if answer[0] != "committed"]
        if failed:
            _raise(failed)
        return [answer[1] for answer in first]
    finally:  # closed first: a child still waiting (the parent was interrupted) stops
        for link in links:
            link.close()
        for child in children:
            child.join()


def _child(link: Connection, inherited: list[Connection], chunk: list[int],
           prepare: Callable[[list[int]], Prepared[Any]]) -> None:
    """In the child: prepare, report, wait for the verdict, then commit and report."""
    for other in inherited:
        other.close()
    try:
        report, commit = prepare(chunk)
        answer: tuple[str, Any] = ("prepared", report)
    except BaseException as exc:  # every failure goes to the parent, which reports it
        answer, commit = _portable(exc), _nothing
    if not _tell(link, answer) or _verdict(link) != _GO or commit is _nothing:
        return
    try:
        commit()
        answer = ("committed", None)
    except BaseException as exc:
        answer = _portable(exc)
    _tell(link, answer)


def _nothing() -> None:
    """The commit of a child whose prepare failed."""


def _tell(link: Connection, answer: tuple[str, Any]) -> bool:
    """Send to the parent; False when it is gone (interrupted)."""
    try:
        link.send(answer)
    except OSError:
        return False
    return True


def _verdict(link: Connection) -> str:
    """The parent's go or stop; stop when the parent is gone."""
    try:
        return str(link.recv())
    except (EOFError, OSError):
        return _STOP


def _receive(link: Connection) -> tuple[str, Any]:
    try:
        answer: tuple[str, Any] = link.recv()
    except EOFError:  # the child died without a word (killed)
        return ("crashed", "a render process ended without reporting (was it killed?)")
    return answer


def _portable(exc: BaseException) -> tuple[str, Any]:
    """An exception as it can cross the pipe: blueprint problems as data, a TfgenError
    as itself when it pickles (else its message and exit code), anything else as text."""
    if isinstance(exc, BlueprintInvalid):
        return ("invalid", exc.problems)
    if isinstance(exc, TfgenError):
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            return ("error", (str(exc), exc.exit_code))
        return ("raised", exc)
    return ("crashed", "".join(traceback.format_exception(exc)))


def _raise(failed: list[tuple[str, Any]]) -> None:
    problems: list[Problem] = [p for kind, found in failed if kind == "invalid" for p in found]
    if problems:
        raise BlueprintInvalid(problems)
    kind, detail = failed[0]
    if kind == "raised":
        raise detail
    if kind == "error":
        message, code = detail
        error = TfgenError(message)
        error.exit_code = code
        raise error
    raise RuntimeError(f"a render process failed:\n{detail}")
