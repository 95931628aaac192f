"""A section typed as far as it goes: the fields that are valid, and the names of the rest.

Cross-field rules (tfgen/blueprint/validate.py) need typed values, but one bad field must not hide
every relational problem of its section: `min_size > max_size` is worth reporting in the
same run as a typo in `port`. So the section is re-validated without its failing fields
(they take their defaults) and each rule skips itself when a field it reads is bad.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


def partial(model: type[M], raw: Any) -> tuple[M | None, frozenset[str]]:
    """(the section without its bad fields, the bad field names); None if it cannot type."""
    if raw is None:
        raw = {}
    if not isinstance(raw, dict):
        return None, frozenset()
    bad: set[str] = set()
    while True:
        try:
            return model.model_validate({k: v for k, v in raw.items() if k not in bad}), \
                frozenset(bad)
        except ValidationError as exc:
            failing = {str(e["loc"][0]) for e in exc.errors() if e["loc"]}
            if not failing or failing <= bad or not failing & set(raw):
                return None, frozenset(bad | failing)
            bad |= failing & set(raw)


def usable(bad: frozenset[str], *fields: str) -> bool:
    """Whether a rule that reads `fields` can run (none of them failed on its own)."""
    return not bad.intersection(fields)
