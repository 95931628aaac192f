"""Pydantic's validation errors, translated into located, helpful problems.

Split from tfgen/blueprint/validate.py (which runs the checks): each pydantic error becomes a
`FILE:LINE:COL: field.path: message` Problem, with "did you mean" for unknown keys, the
expected shape for pattern errors, and the value shown the way the user typed it.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel, ValidationError

from tfgen.blueprint import hints
from tfgen.blueprint.loader import Document, PathKey
from tfgen.errors import Problem


def _model_at(model: type[BaseModel], loc: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model class that holds the field at `loc` (for "did you mean")."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        else:
            args = [a for a in getattr(current, "__args__", ()) if a is not type(None)]
            current = args[-1] if args else None
        args = [a for a in getattr(current, "__args__", ()) if a is not type(None)]
        if args and not (isinstance(current, type) and issubclass(current, BaseModel)):
            models = [a for a in args if isinstance(a, type) and issubclass(a, BaseModel)]
            current = models[0] if models else current
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


#: What a field looks like, for "required field is missing — add `key: example`".
_EXAMPLES = {"name": "shopping-mall", "zone": "example.com", "bucket": "my-tfstate-bucket",
             "public": "10.0.0.0/24", "app": "10.0.16.0/24", "data": "10.0.32.0/24"}

#: Plain words for the regular expressions in blueprint.py, by field name.
_PATTERN_HINTS = {
    "instance_type": "use an EC2 instance type such as t3.small",
    "instance_class": "use an RDS instance class such as db.t3.medium",
    "db_name": "start with a letter and use only letters, digits and _ (at most 63)",
    "username": "start with a letter and use only letters, digits and _ (at most 16)",
    "index_document": "use a file name such as index.html, with no / and no spaces",
    "error_document": "use a file name such as error.html, without a leading / or spaces",
    "key": "use only letters, digits and !_.*'()/-",
    "dynamodb_table": "use 3 to 255 letters, digits, '_', '.' or '-'",
}

_TYPE_NAMES = {"int_type": "a whole number", "float_type": "a number",
               "bool_type": "true or false", "dict_type": "a mapping", "list_type": "a list",
               "model_type": "a mapping", "model_attributes_type": "a mapping",
               "string_type": "text"}


def translate(exc: ValidationError, doc: Document, root: type[BaseModel]) -> Iterator[Problem]:
    """Each pydantic error as `path: what is wrong — what would be right`, located."""
    for err in exc.errors(include_url=False):
        loc: PathKey = tuple(p for p in err["loc"] if isinstance(p, str | int))
        kind = err["type"]
        if kind == "extra_forbidden":
            key = str(loc[-1])
            holder = _model_at(root, loc[:-1])
            known = sorted(holder.model_fields) if holder else []
            close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            elsewhere = hints.elsewhere_hint(root, loc)  # `nat:` -> network.nat
            hint = elsewhere if elsewhere else f" — did you mean '{close[0]}'?" if close else (
                f" — known keys: {', '.join(known)}" if known else " — remove it")
            yield doc.problem(loc, f"unknown key '{key}'{hint}", key=True)
        else:
            yield doc.problem(loc, _message(kind, err, loc))


def _message(kind: str, err: Any, loc: PathKey) -> str:
    """The text of one pydantic error (other than unknown keys), with a hint."""
    value = err.get("input")
    ctx = err.get("ctx") or {}
    field = str(loc[-1]) if loc and isinstance(loc[-1], str) else ""
    if kind == "missing":
        example = _EXAMPLES.get(field)
        return (f"required field '{field}' is missing — add `{field}: {example}`" if example
                else f"required field '{field}' is missing — add `{field}:`")
    if kind in _TYPE_NAMES:
        return f"expected {_TYPE_NAMES[kind]}, got {_describe(value)} — {_type_hint(kind, value)}"
    if kind == "literal_error":
        choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
        close = difflib.get_close_matches(str(value), choices, n=1, cutoff=0.6)
        hint = f"did you mean '{close[0]}'?" if close else \
            "use one of " + ", ".join(f"'{c}'" for c in choices)
        return f"{_describe(value)} is not allowed — {hint}"
    if isinstance(value, float) and math.isnan(value):
        return "nan is not a number — write a number such as 50"
    bounds = {"greater_than_equal": ("too small", "at least", "ge"),
              "greater_than": ("too small", "more than", "gt"),
              "less_than_equal": ("too large", "at most", "le"),
              "less_than": ("too large", "less than", "lt")}
    if kind in bounds:
        what, how, key = bounds[kind]
        limit = ctx.get(key)
        if isinstance(limit, float) and limit.is_integer():
            limit = int(limit)
        return f"{_describe(value)} is {what} — use {how} {limit}"
    if kind in ("too_short", "too_long"):
        count = ctx.get("actual_length", len(value) if isinstance(value, list | dict) else 0)
        items = f"{count} item{'s' if count != 1 else ''}"
        if kind == "too_short":
            return f"has {items} — give at least {ctx.get('min_length')}"
        return f"has {items} — give at most {ctx.get('max_length')}"
    if kind == "string_too_short":
        return (f"{_describe(value)} is too short — use at least {ctx.get('min_length')} "
                "characters")
    if kind == "string_too_long":
        return (f"{_describe(value)} is {len(str(value))} characters — use at most "
                f"{ctx.get('max_length')}")
    if kind == "string_pattern_mismatch":
        hint = _PATTERN_HINTS.get(field, f"it must match {ctx.get('pattern')}")
        return f"{_describe(value)} is not valid here — {hint}"
    message = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
    return message.replace("Input should be", "must be")


def _type_hint(kind: str, value: Any) -> str:
    """What to write instead of a value of the wrong type."""
    if kind in ("int_type", "float_type"):
        if isinstance(value, str) and value.strip().lstrip("-").replace(".", "", 1).isdigit():
            return f"remove the quotes: {value.strip()}"
        if isinstance(value, float) and value.is_integer():
            return f"write {int(value)}"
        return "write a number such as 2" if kind == "int_type" else \
            "write a number such as 50"
    if kind == "bool_type":
        return "write true or false, without quotes"
    if kind == "string_type":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return f'quote it: "{value}"'
        if isinstance(value, bool):
            return "quote it (YAML reads yes/no/on/off unquoted as true/false)"
        return "write a single value, not a list or mapping" \
            if isinstance(value, list | dict) else "write a value after the colon"
    if kind == "list_type":
        return "write one `- item` per line, or [a, b]"
    if value is None:
        return "indent its keys under it, or delete the empty section"
    return "indent `key: value` lines under it"


def _describe(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"'{value}'" if len(value) < 60 else f"'{value[:57]}...'"
    return str(value)

