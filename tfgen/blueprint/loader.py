"""Reading blueprint YAML safely, keeping where every key and value came from.

PyYAML's `safe_load` forgets source positions, silently accepts duplicate keys and
expands alias bombs without limit. We compose the node graph instead (positions are on
the nodes) and build plain Python values ourselves, refusing what a blueprint never
needs: duplicate keys, non-standard tags, merge keys, anything too large or too deep.
"""

from __future__ import annotations

import datetime
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from tfgen.blueprint.hints import indentation_problem
from tfgen.errors import BlueprintInvalid, Problem

#: A blueprint is a page of YAML; anything near this size is a mistake or an attack.
MAX_BYTES = 256 * 1024
#: Nodes built after alias expansion; a "billion laughs" document hits this quickly.
MAX_NODES = 20_000
MAX_DEPTH = 32

PathKey = tuple[str | int, ...]

_MAP_TAG = "tag:yaml.org,2002:map"
_SEQ_TAG = "tag:yaml.org,2002:seq"
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
    #: Source file per path when layered (`extends:`); a path not listed is in `file`.
    files: Mapping[PathKey, str] = field(default_factory=dict)

    def locate(self, path: PathKey, *, key: bool = False) -> tuple[str, Mark]:
        """File and position of `path` (its key when `key`), else of its nearest ancestor."""
        marks = self.key_marks if key else self.value_marks
        for n in range(len(path), -1, -1):
            prefix = path[:n]
            for table in (marks, self.value_marks):
                if prefix in table:
                    return self.files.get(prefix, self.file), table[prefix]
        return self.file, Mark(1, 1)

    def mark_of(self, path: PathKey, *, key: bool = False) -> Mark:
        """Where `path` is (its key when `key`), else its nearest ancestor that exists."""
        return self.locate(path, key=key)[1]

    def problem(self, path: PathKey, message: str, *, key: bool = False) -> Problem:
        """A problem located at `path` in this document (or the layer it came from)."""
        file, mark = self.locate(path, key=key)
        return Problem(file, mark.line, mark.column, dotted(path), message)


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
_BOOL_TAG = "tag:yaml.org,2002:bool"
#: The plain booleans of YAML 1.2's core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_YAML12_BOOLS = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})


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
        if isinstance(node, MappingNode | SequenceNode) and \
                node.tag != (_MAP_TAG if isinstance(node, MappingNode) else _SEQ_TAG):
            # `!!python/object:...` or `!!set` on a collection: never construct it.
            self.fail(_mark(node), path, _tag_message(node.tag))
            return None
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
                self.fail(_mark(key_node), path, "YAML merge keys (<<) are not supported "
                          "— write the values out, or use `extends:` for layering")
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
                self.fail(_mark(key_node), path, f"key {_key_text(key_node)} is not plain "
                          "text — write keys as plain words such as `name:`, or quote them")
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
            self.fail(_mark(node), path, _tag_message(node.tag))
            return None
        # libyaml marks a plain scalar with style "", PyYAML with None: both are plain.
        if node.tag == _BOOL_TAG and not node.style and node.value not in _YAML12_BOOLS:
            # YAML 1.1 (PyYAML) reads yes/no/on/off as booleans; YAML 1.2 (editors,
            # check-jsonschema, yaml-language-server) reads them as strings. Refuse the
            # word so that every reader of a blueprint agrees on what it says.
            self.fail(_mark(node), path, f"'{node.value}' is true/false only in YAML 1.1 — "
                      "write true or false (or quote it if you mean the text)")
            return None
        value = self._constructor.construct_object(node, deep=True)
        if isinstance(value, datetime.date | datetime.datetime):
            return str(node.value)  # a date-looking string is still just a string here
        return value


def _tag_message(tag: str) -> str:
    short = tag.replace("tag:yaml.org,2002:", "!!")
    return (f"YAML tag '{short}' is not allowed in a blueprint — remove it; blueprints "
            "hold only plain text, numbers, true/false, lists and mappings")


def _key_text(node: Node) -> str:
    if isinstance(node, ScalarNode):
        return f"'{node.value}'"
    return "(a list)" if isinstance(node, SequenceNode) else "(a mapping)"


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


def _too_big(file: str, size: int) -> BlueprintInvalid:
    return BlueprintInvalid([Problem(file, 1, 1, "",
                                     f"file is {size} bytes; a blueprint may be at most "
                                     f"{MAX_BYTES} bytes — is this the right file?")])


#: Hints for PyYAML's terse syntax errors, by a fragment of its message.
_SYNTAX_HINTS = (
    ("mapping values are not allowed", "put a space after each `key:` and quote values "
                                       "that contain ': '"),
    ("could not find expected ':'", "write each entry as `key: value`"),
    ("expected <block end>", "indent the keys of one section by the same number of spaces"),
    ("expected a single document", "a blueprint is one YAML document — remove the `---` line"),
    ("found undefined alias", "define the anchor (`&name`) before using `*name`"),
    ("unexpected end of stream", "close the quote or bracket opened earlier"),
    ("expected ',' or ']'", "close the list with ']' and quote items that contain ':' or ','"),
    ("expected ',' or '}'", "close the mapping with '}' and quote values that contain ':' "
                            "or ','"),
    ("found unknown escape character", "use single quotes, or escape the backslash as \\\\"),
)


def _syntax_problem(exc: yaml.MarkedYAMLError, file: str) -> Problem:
    """PyYAML's error as `LINE:COL: YAML syntax error: what — hint`, located at the problem."""
    mark = exc.problem_mark or exc.context_mark
    if exc.context_mark is not None and "simple key" in (exc.context or ""):
        mark = exc.context_mark  # the key missing its ':' is where the mistake is
    line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
    what = (exc.problem or exc.context or "invalid YAML").strip()
    if "single document" in (exc.context or ""):
        return Problem(file, line, column, "", "YAML syntax error: a second document starts "
                       "here — a blueprint is one YAML document; remove the `---` line")
    if exc.context and exc.problem and exc.context_mark is not None:
        started = exc.context_mark.line + 1
        what += f" ({exc.context.strip()} at line {started})" if started != line \
            else f" ({exc.context.strip()})"
    hint = next((h for frag, h in _SYNTAX_HINTS if frag in what),
                "check the indentation and quoting here")
    return Problem(file, line, column, "", f"YAML syntax error: {what} — {hint}")


def _reader_problem(exc: yaml.reader.ReaderError, text: str, file: str) -> Problem:
    """A character YAML refuses (control characters), located in the text."""
    before = text[: exc.position]
    line = before.count("\n") + 1
    column = exc.position - (before.rfind("\n") + 1) + 1
    char = exc.character if isinstance(exc.character, str) else chr(exc.character)
    return Problem(file, line, column, "",
                   f"character U+{ord(char):04X} is not allowed in YAML — remove it or "
                   "retype the line")


#: libyaml's parser, when PyYAML was built with it: ~10x faster than the pure-Python one,
#: which dominated rendering many environments (issue 13).
_FAST: Any = getattr(yaml, "CSafeLoader", None)
#: Characters PyYAML's pure-Python reader refuses; such text takes the pure-Python path.
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE


def _compose(text: str) -> Node | None:
    """The node graph of `text`: libyaml for a well-formed file, PyYAML's parser otherwise.

    Only a document libyaml parses without complaint is taken from it; anything it
    refuses is parsed again by the pure-Python parser, so every error message and
    position stays the one PyYAML gives (tests/test_loader_fast.py compares both paths).
    """
    if _FAST is not None and not _NON_PRINTABLE.search(text):
        try:
            _prescan(text, _FAST)
            return yaml.compose(text, Loader=_FAST)
        except (yaml.YAMLError, _TooLarge):
            pass
    _prescan(text, yaml.SafeLoader)
    return yaml.compose(text, Loader=yaml.SafeLoader)


def _prescan(text: str, loader: Any = yaml.SafeLoader) -> None:
    """Walk the parse events (no recursion) to refuse deep or huge documents early.

    PyYAML's composer recurses once per nesting level, so `[[[[...` would exhaust the
    stack before :class:`_Builder` could count anything.
    """
    depth = 0
    count = 0
    for event in yaml.parse(text, Loader=loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise _TooLarge(_event_mark(event), deep=True)
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
        if isinstance(event, yaml.NodeEvent):
            count += 1
            if count > MAX_NODES:
                raise _TooLarge(_event_mark(event))


def _event_mark(event: yaml.Event) -> Mark:
    mark = event.start_mark
    return Mark(mark.line + 1, mark.column + 1) if mark is not None else Mark(1, 1)


def _complexity_problem(exc: _TooLarge, file: str) -> Problem:
    what = (f"nested deeper than {MAX_DEPTH} levels — a blueprint needs only a few levels"
            if exc.deep else
            f"more than {MAX_NODES} values after expanding aliases (an alias bomb?) — write "
            "the values out, a blueprint needs a few hundred at most")
    return Problem(file, exc.mark.line, exc.mark.column, "", f"document too complex: {what}")


def parse_document(text_or_bytes: str | bytes, file: str) -> Document:
    """Parse blueprint source (already read) into a :class:`Document`, or raise."""
    raw = text_or_bytes.encode("utf-8") if isinstance(text_or_bytes, str) else text_or_bytes
    if len(raw) > MAX_BYTES:
        raise _too_big(file, len(raw))
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
        root = _compose(text)
    except _TooLarge as exc:
        raise BlueprintInvalid([_complexity_problem(exc, file)]) from None
    except yaml.MarkedYAMLError as exc:
        # Indentation mistakes get their own message (tfgen/blueprint/hints.py), others the generic.
        raise BlueprintInvalid([indentation_problem(exc, text, file)
                                or _syntax_problem(exc, file)]) from None
    except yaml.reader.ReaderError as exc:
        raise BlueprintInvalid([_reader_problem(exc, text, file)]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - every PyYAML error is one of the above
        raise BlueprintInvalid([Problem(file, 1, 1, "", f"YAML error: {exc} — check the "
                                        "file is a YAML mapping")]) from None
    if root is None:
        raise BlueprintInvalid([Problem(file, 1, 1, "", "the file holds no values — a "
                                        "blueprint needs at least `name:`")])
    if not isinstance(root, MappingNode):
        m = _mark(root)
        kind = "a list" if isinstance(root, SequenceNode) else "a single value"
        raise BlueprintInvalid([Problem(file, m.line, m.column, "",
                                        f"the top level is {kind} — a blueprint is a mapping "
                                        "of keys such as `name:` and `stage:`")])
    builder = _Builder(file)
    try:
        data = builder.build(root, ())
    except _TooLarge as exc:
        raise BlueprintInvalid([_complexity_problem(exc, file)]) from None
    if builder.problems:
        raise BlueprintInvalid(builder.problems)
    return Document(file, data, builder.value_marks, builder.key_marks)


def read_document(path: Path, display: str | None = None) -> Document:
    """Read and parse the blueprint file at `path` (at most MAX_BYTES are ever read)."""
    file = display or str(path)
    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise BlueprintInvalid([Problem(file, 1, 1, "", "is a directory — name a "
                                            "blueprint .yaml file")])
        if not stat.S_ISREG(info.st_mode):
            raise BlueprintInvalid([Problem(file, 1, 1, "", "is not a regular file — name a "
                                            "blueprint .yaml file")])
        if info.st_size > MAX_BYTES:
            raise _too_big(file, info.st_size)
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)  # the file may grow after stat()
    except FileNotFoundError:
        raise BlueprintInvalid([Problem(file, 1, 1, "", "no such file — check the path "
                                        "(blueprints usually live in blueprints/)")]) from None
    except OSError as exc:
        raise BlueprintInvalid([Problem(file, 1, 1, "",
                                        f"cannot read: {exc.strerror} — check the file's "
                                        "permissions")]) from None
    return parse_document(raw, file)
