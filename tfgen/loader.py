"""Reading blueprint YAML safely, keeping where every key and value came from.

PyYAML's `safe_load` forgets source positions, silently accepts duplicate keys and
expands alias bombs without limit. We compose the node graph instead (positions are on
the nodes) and build plain Python values ourselves, refusing what a blueprint never
needs: duplicate keys, non-standard tags, merge keys, anything too large or too deep.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tfgen.errors import BlueprintInvalid, Problem

#: A blueprint is a page of YAML; anything near this size is a mistake or an attack.
MAX_BYTES = 256 * 1024
#: Nodes built after alias expansion; a "billion laughs" document hits this quickly.
MAX_NODES = 20_000
MAX_DEPTH = 32

PathKey = tuple[str | int, ...]

_SCALAR_TAGS = {
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:timestamp",
}


@dataclass(frozen=True)
class Mark:
    """A 1-based line and column in a source file."""

    line: int
    column: int


@dataclass(frozen=True)
class Document:
    """A loaded YAML mapping with the source position of every key and value."""

    file: str
    data: dict[str, Any]
    value_marks: Mapping[PathKey, Mark] = field(default_factory=dict)
    key_marks: Mapping[PathKey, Mark] = field(default_factory=dict)

    def mark_of(self, path: PathKey, *, key: bool = False) -> Mark:
        """Where `path` is (its key when `key`), else its nearest ancestor that exists."""
        marks = self.key_marks if key else self.value_marks
        for n in range(len(path), -1, -1):
            prefix = path[:n]
            if prefix in marks:
                return marks[prefix]
            if prefix in self.value_marks:
                return self.value_marks[prefix]
        return Mark(1, 1)

    def problem(self, path: PathKey, message: str, *, key: bool = False) -> Problem:
        """A problem located at `path` in this document."""
        mark = self.mark_of(path, key=key)
        return Problem(self.file, mark.line, mark.column, dotted(path), message)


def dotted(path: PathKey) -> str:
    """`("web", "min_size")` -> `web.min_size`; list indexes as `[0]`."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _mark(node: Node) -> Mark:
    return Mark(node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    """Turns a composed node graph into plain values, recording positions and problems."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self.value_marks: dict[PathKey, Mark] = {}
        self.key_marks: dict[PathKey, Mark] = {}
        self.nodes = 0
        self._constructor = yaml.SafeLoader("")

    def fail(self, mark: Mark, path: PathKey, message: str) -> None:
        self.problems.append(Problem(self.file, mark.line, mark.column, dotted(path), message))

    def build(self, node: Node, path: PathKey, depth: int = 0) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise _TooLarge(_mark(node))
        if depth > MAX_DEPTH:
            raise _TooLarge(_mark(node), deep=True)
        self.value_marks.setdefault(path, _mark(node))
        if isinstance(node, MappingNode):
            return self._mapping(node, path, depth)
        if isinstance(node, SequenceNode):
            return [self.build(item, (*path, i), depth + 1) for i, item in enumerate(node.value)]
        assert isinstance(node, ScalarNode)
        return self._scalar(node, path)

    def _mapping(self, node: MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                self.fail(_mark(key_node), path, "YAML merge keys (<<) are not supported; "
                          "write the values out, or use `extends:` for layering")
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                self.fail(_mark(key_node), path, "keys must be plain strings")
                continue
            key = str(key_node.value)
            if key in first_seen:
                self.fail(_mark(key_node), (*path, key),
                          f"duplicate key '{key}' (first defined at line "
                          f"{first_seen[key].line}) — remove one of them")
                continue
            first_seen[key] = _mark(key_node)
            self.key_marks[(*path, key)] = _mark(key_node)
            out[key] = self.build(value_node, (*path, key), depth + 1)
        return out

    def _scalar(self, node: ScalarNode, path: PathKey) -> Any:
        if node.tag not in _SCALAR_TAGS:
            self.fail(_mark(node), path, f"YAML tag '{node.tag}' is not allowed in a blueprint")
            return None
        value = self._constructor.construct_object(node, deep=True)
        if isinstance(value, datetime.date | datetime.datetime):
            return str(node.value)  # a date-looking string is still just a string here
        return value


class _TooLarge(Exception):
    def __init__(self, mark: Mark, *, deep: bool = False) -> None:
        super().__init__()
        self.mark = mark
        self.deep = deep


def _decode(raw: bytes, file: str) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise BlueprintInvalid([Problem(
            file, line, column, "",
            f"byte 0x{raw[exc.start]:02x} is not valid UTF-8 — save the file as UTF-8",
        )]) from None


def _tab_problems(text: str, file: str) -> list[Problem]:
    """YAML forbids tabs in indentation; PyYAML's own message for it is cryptic."""
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent:
            problems.append(Problem(file, number, indent.index("\t") + 1, "",
                                    "tab used for indentation — YAML needs spaces"))
    return problems


def parse_document(text_or_bytes: str | bytes, file: str) -> Document:
    """Parse blueprint source (already read) into a :class:`Document`, or raise."""
    raw = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes
    if len(raw) > MAX_BYTES:
        raise BlueprintInvalid([Problem(file, 1, 1, "",
                                        f"file is {len(raw)} bytes; a blueprint may be at "
                                        f"most {MAX_BYTES} bytes")])
    text = _decode(raw, file)
    if text.startswith("\ufeff"):
        text = text[1:]
    if not text.strip() or all(
        not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
    ):
        raise BlueprintInvalid([Problem(file, 1, 1, "",
                                        "the file is empty — a blueprint needs at least "
                                        "`name:`")])
    tabs = _tab_problems(text, file)
    if tabs:
        raise BlueprintInvalid(tabs)
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = " ".join(filter(None, [exc.context, exc.problem]))
        raise BlueprintInvalid([Problem(file, line, column, "",
                                        f"YAML syntax error: {what}")]) from None
    except yaml.YAMLError as exc:
        raise BlueprintInvalid([Problem(file, 1, 1, "", f"YAML error: {exc}")]) from None
    if root is None:
        raise BlueprintInvalid([Problem(file, 1, 1, "", "the file is empty")])
    if not isinstance(root, MappingNode):
        m = _mark(root)
        kind = "a list" if isinstance(root, SequenceNode) else "a single value"
        raise BlueprintInvalid([Problem(file, m.line, m.column, "",
                                        f"the top level is {kind}; a blueprint is a mapping "
                                        "of keys such as `name:` and `stage:`")])
    builder = _Builder(file)
    try:
        data = builder.build(root, ())
    except _TooLarge as exc:
        what = (f"nesting deeper than {MAX_DEPTH} levels" if exc.deep
                else f"more than {MAX_NODES} values after expanding aliases")
        raise BlueprintInvalid([Problem(file, exc.mark.line, exc.mark.column, "",
                                        f"document too complex: {what} (alias bomb?)")]) from None
    if builder.problems:
        raise BlueprintInvalid(builder.problems)
    return Document(file, data, builder.value_marks, builder.key_marks)


def read_document(path: Path, display: str | None = None) -> Document:
    """Read and parse the blueprint file at `path`."""
    file = display or str(path)
    try:
        if path.stat().st_size > MAX_BYTES:
            raise BlueprintInvalid([Problem(file, 1, 1, "",
                                            f"file is {path.stat().st_size} bytes; a "
                                            f"blueprint may be at most {MAX_BYTES} bytes")])
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BlueprintInvalid([Problem(file, 1, 1, "", "no such file")]) from None
    except IsADirectoryError:
        raise BlueprintInvalid([Problem(file, 1, 1, "",
                                        "is a directory, not a blueprint file")]) from None
    except OSError as exc:
        raise BlueprintInvalid([Problem(file, 1, 1, "",
                                        f"cannot read: {exc.strerror}")]) from None
    return parse_document(raw, file)
