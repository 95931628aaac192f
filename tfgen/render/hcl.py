"""Python values as HCL literals, laid out exactly as `terraform fmt` would.

Only what tfgen needs: strings, numbers, booleans, null, lists and objects. `fmt` aligns
the `=` of consecutive single-line object entries; a multi-line entry stands alone and
breaks the run. Keys are written bare when they are identifiers (not keywords), quoted otherwise.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
INDENT = "  "


def literal(value: Any, level: int = 0) -> str:
    """The HCL expression for `value`, multi-line objects indented at `level`."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        return _object(value, level)
    if isinstance(value, Sequence):
        return _list(value, level)
    raise TypeError(f"cannot write {type(value).__name__} as HCL")


def _number(value: int | float) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return repr(value)


def _string(value: str) -> str:
    # JSON escaping is HCL escaping for these characters; template sequences must not
    # be interpreted, so `${` and `%{` are doubled.
    text = json.dumps(value, ensure_ascii=False)
    return text.replace("${", "$${").replace("%{", "%%{")


#: Words HCL reads as syntax at the start of an object key (`{ for = 1 }` is a broken
#: for-expression; `true`/`false`/`null` are literals), so such keys are quoted.
_KEYWORDS = frozenset({"for", "in", "if", "else", "endfor", "endif", "true", "false", "null"})


def _key(key: str) -> str:
    return key if _IDENT.match(key) and key not in _KEYWORDS else _string(key)


def _list(values: Sequence[Any], level: int) -> str:
    items = [literal(v, level + 1) for v in values]
    one_line = "[" + ", ".join(items) + "]"
    if "\n" not in one_line and len(one_line) <= 80:
        return one_line
    pad = INDENT * (level + 1)
    return "[\n" + "".join(f"{pad}{item},\n" for item in items) + INDENT * level + "]"


def _object(values: Mapping[str, Any], level: int) -> str:
    if not values:
        return "{}"
    pad = INDENT * (level + 1)
    entries = [(_key(str(k)), literal(v, level + 1)) for k, v in values.items()]
    lines: list[str] = []
    run: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(k) for k, _ in run), default=0)
        lines.extend(f"{pad}{k.ljust(width)} = {v}" for k, v in run)
        run.clear()

    for key, text in entries:
        if "\n" in text:
            flush()
            lines.append(f"{pad}{key} = {text}")
        else:
            run.append((key, text))
    flush()
    return "{\n" + "\n".join(lines) + "\n" + INDENT * level + "}"


def assignment(name: str, value: str, width: int) -> str:
    """`name = value` padded as `fmt` pads it: aligned only when the value is one line."""
    if "\n" in value:
        return f"{name} = {value}"
    return f"{name.ljust(width)} = {value}"


def aligned(values: Mapping[str, str]) -> list[str]:
    """The `name = value` lines of one block, aligned as `terraform fmt` aligns them.

    The width is the longest name of the block, so templates place finished lines and
    never compute widths (context.py: templates only place values).
    """
    width = max(map(len, values), default=0)
    return [assignment(name, value, width) for name, value in values.items()]
