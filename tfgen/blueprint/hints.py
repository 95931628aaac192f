"""Hints for two common shapes of mistake that the generic messages get wrong.

1. Indentation. A key de-indented out of its section, followed by one that is still
   indented, makes PyYAML say "mapping values are not allowed here", whose usual cause
   (a missing space after `key:`) is not this one. Reading the two lines tells which it is.
2. A key in the wrong section. `nat:` at the top level is "unknown" there, but the model
   has `network.nat`: saying where it belongs beats listing the top-level keys.
"""

from __future__ import annotations

import re
from typing import Any, get_args

import yaml
from pydantic import BaseModel

from tfgen.errors import Problem

_KEY_LINE = re.compile(r"^( *)([A-Za-z0-9_.-]+):(?:\s|$)")


def _key_lines(text: str) -> list[tuple[int, int, str, bool] | None]:
    """Per line: (line number, indent, key, opens a section) for `key:` lines, else None.

    Blank and comment-only lines are None too; callers skip them.
    """
    out: list[tuple[int, int, str, bool] | None] = []
    for number, line in enumerate(text.splitlines(), start=1):
        match = _KEY_LINE.match(line)
        if match is None:
            out.append(None)
            continue
        rest = line[match.end():].split(" #", 1)[0].strip()
        out.append((number, len(match.group(1)), match.group(2), not rest))
    return out


def _is_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def indentation_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem | None:
    """A located indentation message for the YAML errors that indentation causes, or None.

    Only two PyYAML errors qualify: "mapping values are not allowed" on a key indented
    more than the `key: value` before it, and "expected <block end>" on a key indented
    less than its sibling but more than its section.
    """
    mark = exc.problem_mark
    what = exc.problem or ""
    if mark is None:
        return None
    lines = text.splitlines()
    keys = _key_lines(text)
    index = mark.line
    entry = keys[index] if index < len(keys) else None
    if entry is None:
        return None
    _, indent, key, _ = entry
    before = [keys[i] for i in range(index - 1, -1, -1) if not _is_blank(lines[i])]
    if not before or before[0] is None:
        return None
    prev_line, prev_indent, prev_key, prev_opens = before[0]
    section = next((k for k in before[1:] if k is not None and k[1] < prev_indent
                    and k[3]), None) if prev_indent else None
    at = f"{key} at line {index + 1}"
    if "mapping values are not allowed" in what and indent > prev_indent and not prev_opens:
        opener = next((k for k in before[1:] if k is not None and k[1] <= prev_indent
                       and k[3]), None)
        hint = "keys of one section must start in the same column"
        if opener is not None and opener[1] == prev_indent:
            hint += (f"; if both belong under `{opener[2]}:` (line {opener[0]}), indent "
                     f"{prev_key} like {key}")
        message = (f"indentation: {at} is indented more than the key before it "
                   f"({prev_key}, line {prev_line}) — {hint}")
        return Problem(file, index + 1, indent + 1, "", message)
    if "expected <block end>" in what and section is not None and \
            section[1] < indent < prev_indent:
        message = (f"indentation: {at} is indented less than the key before it "
                   f"({prev_key}, line {prev_line}) but more than its section "
                   f"`{section[2]}:` — line it up with {prev_key} (inside the section) or "
                   f"with {section[2]} (outside it)")
        return Problem(file, index + 1, indent + 1, "", message)
    return None


def _models(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation can hold directly (Optional included)."""
    candidates = [annotation, *get_args(annotation)]
    return [a for a in candidates if isinstance(a, type) and issubclass(a, BaseModel)]


def fields_named(root: type[BaseModel], key: str, prefix: tuple[str, ...] = ()
                 ) -> list[tuple[str, ...]]:
    """Every path in the model (through nested sections) whose last field is `key`."""
    found: list[tuple[str, ...]] = []
    for name, field in root.model_fields.items():
        path = (*prefix, name)
        if name == key:
            found.append(path)
        for model in _models(field.annotation):
            found.extend(fields_named(model, key, path))
    return found


def elsewhere_hint(root: type[BaseModel], loc: tuple[str | int, ...]) -> str | None:
    """" — did you mean network.nat?" for an unknown key that exists in another section."""
    key = str(loc[-1])
    here = tuple(str(p) for p in loc[:-1])
    paths = [p for p in fields_named(root, key) if p[:-1] != here]
    if not paths:
        return None
    names = [".".join(p) if len(p) > 1 else f"the top-level {p[0]}" for p in paths]
    where = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
    if len(paths) == 1 and len(paths[0]) > 1:
        parent = paths[0][-2]
        return f" — did you mean {where}? Move it under `{parent}:`, indented"
    return f" — did you mean {where}?"
