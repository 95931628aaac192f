"""Blueprints as layers: `extends:` another blueprint and override only what differs.

Environments share almost everything; an overlay such as `blueprints/envs/dev.yaml`
names its base (`extends: ../shopping-mall.yaml`, relative to the overlay) and lists
only its differences. Merge rules, kept deliberately small (docs/environments.md):

- mappings merge key by key, recursively;
- scalars and lists replace the base's value whole (a list is one value);
- `null` replaces too, which is how an overlay removes an optional section
  (`dns: null` = no DNS);
- chains are allowed (a base may extend another); a cycle or a missing base is an
  error located at the `extends` key that causes it;
- every base lives inside the project of the blueprint named first (resolved: `..` and
  symbolic links may not leave it), as user-data scripts must: a blueprint from a clone
  could otherwise merge a file of this machine (`extends: ~/.kube/config`) and its values
  would show in messages, a CI log or `out/` (docs/security.md).

The result is one :class:`~tfgen.blueprint.loader.Document` whose every path still knows its
file and line, so validation errors and `tfgen explain` name the layer a value came from.
"""

from __future__ import annotations

import os
import posixpath
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from tfgen.blueprint import inputs
from tfgen.blueprint.loader import Document, Mark, PathKey, read_document
from tfgen.errors import BlueprintInvalid, Problem
from tfgen.paths import outside_project, project_of, real

EXTENDS = "extends"
#: A chain longer than this is a mistake, not a design.
MAX_CHAIN = 16


def load_chain(path: Path, display: str | None = None) -> list[Document]:
    """The documents of `path`'s `extends` chain, base first, `path` itself last."""
    chain: list[Document] = []
    seen: list[Path] = []
    current, shown = path, display or str(path)
    leaves = outside_project(path)
    if leaves is not None:
        raise BlueprintInvalid([Problem(shown, 1, 1, "", f"leads to {leaves[0]}, outside the "
                                        f"project {leaves[1]} — a blueprint in a project must "
                                        "live inside it (is a symbolic link pointing away?)")])
    project = project_of(path.parent)
    while True:
        resolved = real(current)
        inputs.note(current)  # a render's input (tfgen/outdir/render_index.py)
        doc = read_document(current, shown)
        seen.append(resolved)
        chain.append(doc)
        target = doc.data.get(EXTENDS)
        if target is None:
            break
        if not isinstance(target, str) or not target.strip():
            raise BlueprintInvalid([doc.problem((EXTENDS,), "extends takes the path of a base "
                                                "blueprint, relative to this file")])
        if Path(target).is_absolute():
            raise BlueprintInvalid([doc.problem(
                (EXTENDS,), f"'{target}' is an absolute path — extends takes the path of a "
                "base blueprint relative to this file, inside the project", key=True)])
        base = current.parent / target
        base_shown = _display(shown, target)
        resolved = real(base)
        if not resolved.is_relative_to(project):
            raise BlueprintInvalid([doc.problem(
                (EXTENDS,), f"base blueprint '{target}' leads to {resolved}, outside the "
                f"project {project} — a base must live inside the project", key=True)])
        if resolved in seen:
            names = [d.file for d in chain] + [base_shown]
            raise BlueprintInvalid([doc.problem((EXTENDS,), "extends cycle: "
                                                + " -> ".join(names), key=True)])
        if not base.is_file():
            raise BlueprintInvalid([doc.problem(
                (EXTENDS,), f"base blueprint '{target}' not found (looked for {base_shown}; "
                "the path is relative to this file)", key=True)])
        if len(chain) >= MAX_CHAIN:
            raise BlueprintInvalid([doc.problem((EXTENDS,), f"more than {MAX_CHAIN} layers "
                                                "of extends", key=True)])
        current, shown = base, base_shown
    chain.reverse()
    return chain


def _display(child_shown: str, target: str) -> str:
    """How to name a base file: like its child was named, with the relative path applied."""
    joined = posixpath.join(posixpath.dirname(child_shown.replace(os.sep, "/")), target)
    return posixpath.normpath(joined)


def merge(chain: list[Document]) -> Document:
    """Fold a chain (base first) into one document; `extends` keys are consumed."""
    merged = _strip(chain[0])
    for doc in chain[1:]:
        merged = _merge_two(merged, _strip(doc))
    return merged


def load_layers(path: Path, display: str | None = None) -> Document:
    """Read `path` and every base it extends, merged (a plain file is returned as read)."""
    chain = load_chain(path, display)
    return merge(chain) if len(chain) > 1 else chain[0]


def _strip(doc: Document) -> Document:
    data = {k: v for k, v in doc.data.items() if k != EXTENDS}
    return Document(doc.file, data, doc.value_marks, doc.key_marks, doc.files)


class _Acc:
    """Collects the marks (and source file) of every path of the merged tree."""

    def __init__(self) -> None:
        self.value_marks: dict[PathKey, Mark] = {}
        self.key_marks: dict[PathKey, Mark] = {}
        self.files: dict[PathKey, str] = {}

    def take_node(self, doc: Document, path: PathKey) -> None:
        if path in doc.value_marks:
            self.value_marks[path] = doc.value_marks[path]
        if path in doc.key_marks:
            self.key_marks[path] = doc.key_marks[path]
        self.files[path] = doc.files.get(path, doc.file)

    def take_tree(self, doc: Document, path: PathKey, value: Any) -> None:
        for sub in _paths(value, path):
            self.take_node(doc, sub)


def _paths(value: Any, path: PathKey) -> Iterator[PathKey]:
    yield path
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _paths(item, (*path, index))


def _merge_two(base: Document, over: Document) -> Document:
    acc = _Acc()
    data = _merge_value(base.data, over.data, (), base, over, acc)
    return Document(over.file, data, acc.value_marks, acc.key_marks, acc.files)


def _merge_value(base: Any, over: Any, path: PathKey, base_doc: Document,
                 over_doc: Document, acc: _Acc) -> Any:
    if not (isinstance(base, dict) and isinstance(over, dict)):
        acc.take_tree(over_doc, path, over)
        return over
    acc.take_node(over_doc, path)
    out: dict[str, Any] = {}
    for key, value in base.items():  # the base's key order, then the overlay's new keys
        if key in over:
            out[key] = _merge_value(value, over[key], (*path, key), base_doc, over_doc, acc)
        else:
            out[key] = value
            acc.take_tree(base_doc, (*path, key), value)
    for key, value in over.items():
        if key not in base:
            out[key] = value
            acc.take_tree(over_doc, (*path, key), value)
    return out
