"""Property tests: no mutation of the example blueprint makes tfgen crash.

Each generated blueprint either renders, or fails with BlueprintInvalid whose problems
are all located (line and column >= 1) and say something. Anything else (a KeyError, a
RecursionError, a pydantic error leaking out) is a bug.

How many examples: the `ci` profile runs 500 per property, `dev` 100 (`soak` 10,000, for
a long hunt by hand). The profile is
`$TFGEN_HYPOTHESIS_PROFILE`, else `ci` when `$CI` or `$TFGEN_REQUIRE_INTEGRATION` is
set (as .ci/run does), else `dev`.
"""

from __future__ import annotations

import copy
import os
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.helpers import EXAMPLE, example_data
from tfgen.blueprint.loader import parse_document
from tfgen.blueprint.validate import validate_document
from tfgen.errors import BlueprintInvalid
from tfgen.render.context import build_context
from tfgen.render.render import render

settings.register_profile("ci", max_examples=500, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", max_examples=100, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("soak", max_examples=10_000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
PROFILE = os.environ.get("TFGEN_HYPOTHESIS_PROFILE") or (
    "ci" if os.environ.get("CI") or os.environ.get("TFGEN_REQUIRE_INTEGRATION") else "dev")
RUN = settings(settings.get_profile(PROFILE))

BASE = example_data()


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a key or list item in the example."""
    found = []
    if isinstance(value, dict):
        for key, child in value.items():
            found.append((*prefix, key))
            found.extend(_paths(child, (*prefix, key)))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found.append((*prefix, i))
            found.extend(_paths(child, (*prefix, i)))
    return found


PATHS = _paths(BASE)

SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-10**6, 10**6), st.integers(),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
    st.sampled_from(["", "aws", "cdn", "multi-az", "10.0.0.0/16", "10.0.0.0/33", "db.t3.micro",
                     "ap-northeast-2a", "us-east-1", "ssm:/x", "ami-0123456789abcdef0", "/",
                     "sqlserver-ex", "aurora-mysql", "oracle-se2", "PriceClass_All", "yes",
                     "example.com", "-", "a" * 70]),
)
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)),
    max_leaves=8)


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """The example with a few random edits: delete, replace, shuffle, add, rename."""
    data = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = data
        try:
            for part in path[:-1]:
                parent = parent[part]
            parent[path[-1]]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed or retyped it
        key = path[-1]
        action = draw(st.sampled_from(["delete", "replace", "replace", "shuffle", "add",
                                       "rename"]))
        if action == "delete":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(VALUES)
        elif action == "shuffle" and isinstance(parent[key], list | dict):
            items = list(parent[key].items() if isinstance(parent[key], dict) else parent[key])
            items = draw(st.permutations(items))
            parent[key] = dict(items) if isinstance(parent[key], dict) else list(items)
        elif action == "add" and isinstance(parent, dict):
            parent[draw(st.text(min_size=1, max_size=12))] = draw(VALUES)
        elif action == "rename" and isinstance(parent, dict):
            parent[str(key)[:-1] + draw(st.sampled_from(["", "s", "_", "X"]))] = parent.pop(key)
    return data


def _check(text: str | bytes) -> bool:
    """Render or fail cleanly; True when it rendered."""
    try:
        doc = parse_document(text, "bp.yaml")
        blueprint = validate_document(doc, base_dir=EXAMPLE.parent)
    except BlueprintInvalid as exc:
        assert exc.problems
        for problem in exc.problems:
            assert problem.file == "bp.yaml"
            assert problem.line >= 1 and problem.column >= 1, problem
            assert problem.message.strip(), problem
        return False
    files = render(build_context(blueprint, "blueprints/bp.yaml", base_dir=Path(EXAMPLE.parent)))
    assert "main.tf" in files and all(text.endswith("\n") for text in files.values())
    return True


@RUN
@given(mutated())
def test_mutated_blueprints_render_or_fail_located(data: dict[str, Any]) -> None:
    rendered = _check(yaml.safe_dump(data, sort_keys=False, allow_unicode=True))
    event("rendered" if rendered else "invalid")  # the mix, with --hypothesis-show-statistics


@RUN
@given(st.data())
def test_corrupted_yaml_text_never_crashes(data: st.DataObject) -> None:
    """Byte-level damage: insert, delete or overwrite a few bytes of the example file."""
    raw = bytearray(EXAMPLE.read_bytes())
    for _ in range(data.draw(st.integers(1, 5))):
        at = data.draw(st.integers(0, len(raw)))
        action = data.draw(st.sampled_from(["insert", "delete", "overwrite"]))
        chunk = data.draw(st.one_of(
            st.binary(min_size=1, max_size=4),
            st.sampled_from([b"\t", b":", b"- ", b"[", b"{", b"&a", b"*a", b"!!python/", b"'",
                             b'"', b"\n  ", b"\n", b"#", b"---\n", b"<<: "])))
        if action == "insert":
            raw[at:at] = chunk
        elif action == "delete":
            del raw[at:at + len(chunk)]
        else:
            raw[at:at + len(chunk)] = chunk
    event("rendered" if _check(bytes(raw)) else "invalid")


def test_the_unmutated_example_renders() -> None:
    """The properties above start from a valid blueprint (so both outcomes are reachable)."""
    assert _check(EXAMPLE.read_bytes())
