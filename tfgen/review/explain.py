"""`tfgen explain`: where did this value come from?

The question people ask most of layered configuration. For each field of the merged,
validated blueprint we report its value and its origin: the file and line that set it
(the overlay or one of its bases), or "(default)" when no layer sets it. For an overridden
value the layers it overrode are listed too, nearest first.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from tfgen.blueprint.layers import load_chain, merge
from tfgen.blueprint.loader import Document, PathKey, dotted
from tfgen.blueprint.model import Blueprint
from tfgen.blueprint.validate import validate_document
from tfgen.errors import InputError
from tfgen.review.effective import effective_defaults


@dataclass(frozen=True)
class Origin:
    """A place in a source file."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Entry:
    """One field: its merged value, where it was set (None = default), what it overrode.

    `decided_by`: for a default left null, what decided the effective `value` instead.
    """

    path: str
    value: Any
    origin: Origin | None
    overridden: tuple[tuple[Origin, Any], ...] = field(default=())
    decided_by: str | None = None


def parse_field(text: str) -> PathKey:
    """`database.instance_class`, `availability_zones[0]` or `availability_zones.0`."""
    parts: list[str | int] = []
    for token in re.findall(r"[^.\[\]]+|\[\d+\]", text.strip()):
        if token.startswith("["):
            parts.append(int(token[1:-1]))
        elif token.isdigit():
            parts.append(int(token))
        else:
            parts.append(token)
    if not parts:
        raise InputError(f"'{text}' is not a field path (e.g. database.instance_class)")
    return tuple(parts)


def _leaves(value: Any, path: PathKey) -> list[tuple[PathKey, Any]]:
    if isinstance(value, dict) and value:
        return [leaf for key, item in value.items() for leaf in _leaves(item, (*path, key))]
    if isinstance(value, list) and value and any(isinstance(v, dict | list) for v in value):
        return [leaf for i, item in enumerate(value) for leaf in _leaves(item, (*path, i))]
    return [(path, value)]


def _lookup(value: Any, path: PathKey) -> Any:
    for part in path:
        in_dict = isinstance(value, dict) and isinstance(part, str) and part in value
        in_list = isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value)
        if in_dict or in_list:
            value = value[part]
        else:
            raise KeyError(part)
    return value


def _origin(doc: Document, path: PathKey) -> Origin | None:
    """Where `path` itself (not an ancestor) is set in `doc`, if it is."""
    for n in range(len(path), 0, -1):  # a value inside a list is set by the list
        prefix = path[:n]
        if prefix in doc.value_marks:
            if n < len(path) and not _is_list_parent(doc, prefix):
                return None
            file, mark = doc.locate(prefix)
            return Origin(file, mark.line, mark.column)
    return None


def _is_list_parent(doc: Document, prefix: PathKey) -> bool:
    try:
        return isinstance(_lookup(doc.data, prefix), list)
    except KeyError:
        return False


def explain(path: Path, field_path: str | None = None, *,
            display: str | None = None) -> list[Entry]:
    """Every field under `field_path` (all fields when None) of the merged blueprint."""
    chain = load_chain(path, display)
    merged = merge(chain) if len(chain) > 1 else chain[0]
    blueprint = validate_document(merged, base_dir=path.parent)
    data = blueprint.model_dump(mode="json", exclude={"extends"})
    target: PathKey = parse_field(field_path) if field_path else ()
    try:
        value = _lookup(data, target)
    except KeyError:
        raise InputError(_unknown(field_path or "", data, target)) from None
    entries = []
    for leaf, leaf_value in _leaves(value, target):
        overridden = []
        for doc in reversed(chain[:-1] if len(chain) > 1 else []):
            own = _origin(doc, leaf)
            if own is not None:
                overridden.append((own, _lookup(doc.data, leaf)))
        origin = _origin(merged, leaf)
        if origin is not None and overridden and overridden[0][0] == origin:
            overridden = overridden[1:]  # the value merged in from that base is not "overridden"
        entries.append(Entry(dotted(leaf), leaf_value, origin, tuple(overridden)))
    return _resolve_nulls(entries, blueprint, path.parent)


def _resolve_nulls(entries: list[Entry], blueprint: Blueprint, base_dir: Path) -> list[Entry]:
    """Replace `null (default)` with the value the stage, engine or a derivation decides."""
    if not any(e.origin is None and e.value is None for e in entries):
        return entries
    decided = effective_defaults(blueprint, base_dir)
    return [replace(e, value=decided[e.path][0], decided_by=decided[e.path][1])
            if e.origin is None and e.value is None and e.path in decided else e
            for e in entries]


def _unknown(text: str, data: dict[str, Any], target: PathKey) -> str:
    holder: Any = data
    missing: str | int = target[-1]
    for part in target:
        try:
            holder = _lookup(holder, (part,))
        except KeyError:
            missing = part
            break
    known = sorted(holder) if isinstance(holder, dict) else []
    close = difflib.get_close_matches(str(missing), known, n=1, cutoff=0.6)
    hint = f" — did you mean '{close[0]}'?" if close else (
        f" — fields here: {', '.join(known)}" if known else "")
    return f"'{text}' is not a field of this blueprint{hint}"
