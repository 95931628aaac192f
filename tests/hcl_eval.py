"""A small evaluator of the HCL expressions tfgen renders, for offline tests.

python-hcl2 parses a file's structure but leaves expressions as text; this reads that
text (literals, templates, references, conditionals, `for` expressions and the few
functions the templates use) against known inputs: the root module's variable defaults
and the module calls' arguments. A value Terraform only knows after apply (a resource
attribute, a data source) evaluates to UNKNOWN, which propagates.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any, ClassVar


class _Unknown:
    """A value known only after apply."""

    def __repr__(self) -> str:
        return "UNKNOWN"


UNKNOWN: Any = _Unknown()

_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<num>\d+(\.\d+)?)
  | (?P<op>\.\.\.|=>|==|!=|>=|<=|&&|\|\||[?:.,()\[\]{}=!\-+*/%<>])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
""", re.VERBOSE)


def _string_end(text: str, start: int) -> int:
    """The index just past the closing quote of the string opening at `start`."""
    i, depth = start + 1, 0
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if depth == 0 and c == '"':
            return i + 1
        if text.startswith("${", i) or text.startswith("%{", i):
            depth += 1
            i += 2
            continue
        if depth and c == '"':
            i = _string_end(text, i)
            continue
        if depth and c == "{":
            depth += 1
        elif depth and c == "}":
            depth -= 1
        i += 1
    raise ValueError(f"unterminated string in {text!r}")


def _tokens(text: str) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(text):
        if text[i] == '"':
            end = _string_end(text, i)
            out.append(("str", text[i:end]))
            i = end
            continue
        if text.startswith("<<", i):
            raise ValueError("heredoc")
        m = _TOKEN.match(text, i)
        if m is None:
            raise ValueError(f"cannot read {text[i:]!r}")
        kind = m.lastgroup or ""
        if kind != "ws":
            out.append((kind, m.group()))
        i = m.end()
    return out


def _template_parts(raw: str) -> Iterator[tuple[bool, str]]:
    """A quoted template's parts: (False, literal text) or (True, expression text)."""
    body, i = raw[1:-1], 0
    lit: list[str] = []
    while i < len(body):
        if body.startswith("%{", i):
            raise ValueError("template directive")
        if body.startswith("${", i):
            j, depth = i + 2, 1
            while depth:
                if body[j] == '"':
                    j = _string_end(body, j)
                    continue
                depth += {"{": 1, "}": -1}.get(body[j], 0)
                j += 1
            if lit:
                yield False, "".join(lit)
                lit = []
            yield True, body[i + 2:j - 1]
            i = j
            continue
        if body[i] == "\\":
            lit.append({"n": "\n", "t": "\t", '"': '"', "\\": "\\"}.get(body[i + 1], body[i + 1]))
            i += 2
            continue
        lit.append(body[i])
        i += 1
    if lit:
        yield False, "".join(lit)


def _str(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def _unknown_in(*values: Any) -> bool:
    return any(v is UNKNOWN for v in values)


def _merge(*maps: Any) -> Any:
    if _unknown_in(*maps):
        return UNKNOWN
    out: dict[str, Any] = {}
    for m in maps:
        if m is not None:
            out.update(m)
    return out


def _sorted_keys(m: Any) -> Any:
    return UNKNOWN if m is UNKNOWN else sorted(m)


FUNCTIONS: dict[str, Callable[..., Any]] = {
    "merge": _merge,
    "keys": _sorted_keys,
    "values": lambda m: UNKNOWN if m is UNKNOWN else [m[k] for k in sorted(m)],
    "length": lambda c: UNKNOWN if c is UNKNOWN else len(c),
    "contains": lambda c, v: UNKNOWN if _unknown_in(c, v) else v in c,
    "range": lambda *a: UNKNOWN if _unknown_in(*a) else list(range(*a)),
    "max": lambda *a: UNKNOWN if _unknown_in(*a) else max(a),
    "min": lambda *a: UNKNOWN if _unknown_in(*a) else min(a),
    "toset": lambda c: UNKNOWN if c is UNKNOWN else sorted(set(c), key=str),
    "tolist": lambda c: c,
    "tostring": lambda v: UNKNOWN if v is UNKNOWN else _str(v),
    "upper": lambda s: UNKNOWN if s is UNKNOWN else s.upper(),
    "lower": lambda s: UNKNOWN if s is UNKNOWN else s.lower(),
    "concat": lambda *a: UNKNOWN if _unknown_in(*a) else [x for part in a for x in part],
    "flatten": lambda c: UNKNOWN if c is UNKNOWN else [
        y for x in c for y in (x if isinstance(x, list) else [x])],
    "distinct": lambda c: UNKNOWN if c is UNKNOWN else list(dict.fromkeys(c)),
    "startswith": lambda s, p: UNKNOWN if _unknown_in(s, p) else s.startswith(p),
    "replace": lambda s, a, b: UNKNOWN if _unknown_in(s, a, b) else s.replace(a, b),
}


#: Resource types whose `id` is one of their arguments (the provider docs' "Attribute
#: Reference": aws_s3_bucket's id is the bucket name).
ID_ARGUMENT = {"aws_s3_bucket": "bucket"}


class Scope:
    """Names an expression can see: `var`, `local` (lazily), `each`, `count`, loop names."""

    def __init__(self, variables: dict[str, Callable[[], Any]],
                 locals_: dict[str, Any], resources: dict[str, dict[str, Any]] | None = None,
                 data: dict[str, Any] | None = None) -> None:
        self._vars = variables
        self._locals_src = locals_
        self._locals: dict[str, Any] = {}
        self.bound: dict[str, Any] = {}
        #: "type.name" -> body of the module's resources (an argument they set is known).
        self.resources = resources or {}
        #: "data.type.name.attribute" -> its value, for data sources the test knows.
        self.data = data or {}

    def attribute(self, resource: str, name: str, index: Any = None) -> Any:
        """A resource's own argument, as Terraform knows it at plan (`id` of a bucket is
        its name); a counted resource's needs its index."""
        body = self.resources.get(resource)
        if body is None or "for_each" in body or ("count" in body) != (index is not None):
            return UNKNOWN
        name = ID_ARGUMENT.get(resource.split(".")[0], name) if name == "id" else name
        if name not in body:
            return UNKNOWN
        scope = self if index is None else self.with_names({"count.index": index})
        return evaluate(body[name], scope)

    def var(self, name: str) -> Any:
        return self._vars[name]() if name in self._vars else UNKNOWN

    def local(self, name: str) -> Any:
        if name not in self._locals:
            self._locals[name] = UNKNOWN  # a cycle reads as unknown
            self._locals[name] = evaluate(self._locals_src[name], self)
        return self._locals[name]

    def with_names(self, names: dict[str, Any]) -> Scope:
        child = Scope(self._vars, self._locals_src, self.resources, self.data)
        child._locals = self._locals
        child.bound = {**self.bound, **names}
        return child


def evaluate(value: Any, scope: Scope) -> Any:
    """The value of what python-hcl2 gives for an attribute (an expression as text)."""
    if isinstance(value, list):
        return [evaluate(v, scope) for v in value]
    if isinstance(value, dict):
        return {k.strip('"'): evaluate(v, scope) for k, v in value.items()
                if not k.startswith("__")}
    if not isinstance(value, str):
        return value
    text = value
    if text.startswith("${") and text.endswith("}"):
        text = text[2:-1]
    try:
        return _Parser(_tokens(text), scope).parse()
    except ValueError:
        return UNKNOWN


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], scope: Scope) -> None:
        self.t = tokens
        self.i = 0
        self.scope = scope
        self.skip = 0  # > 0 while reading a branch whose value is not wanted

    def parse(self) -> Any:
        v = self.expr()
        if self.i != len(self.t):
            raise ValueError(f"trailing {self.t[self.i:]}")
        return v

    def peek(self, k: int = 0) -> str:
        return self.t[self.i + k][1] if self.i + k < len(self.t) else ""

    def take(self, want: str | None = None) -> tuple[str, str]:
        if self.i >= len(self.t):
            raise ValueError("unexpected end")
        tok = self.t[self.i]
        if want is not None and tok[1] != want:
            raise ValueError(f"expected {want}, got {tok[1]}")
        self.i += 1
        return tok

    def expr(self) -> Any:
        cond = self.binary(0)
        if self.peek() != "?":
            return cond
        self.take("?")
        yes = self.expr()
        self.take(":")
        no = self.expr()
        return UNKNOWN if cond is UNKNOWN else (yes if cond else no)

    _LEVELS: ClassVar[list[tuple[str, ...]]] = [
        ("||",), ("&&",), ("==", "!="), (">", "<", ">=", "<="), ("+", "-"), ("*", "/", "%")]

    def binary(self, level: int) -> Any:
        if level == len(self._LEVELS):
            return self.unary()
        left = self.binary(level + 1)
        while self.peek() in self._LEVELS[level] and self.t[self.i][0] == "op":
            op = self.take()[1]
            right = self.binary(level + 1)
            left = self._apply(op, left, right)
        return left

    @staticmethod
    def _apply(op: str, a: Any, b: Any) -> Any:
        if op in ("==", "!="):
            if _unknown_in(a, b):
                return UNKNOWN
            return (a == b) == (op == "==")
        if _unknown_in(a, b):
            return UNKNOWN
        ops: dict[str, Callable[[Any, Any], Any]] = {
            "||": lambda x, y: x or y, "&&": lambda x, y: x and y,
            ">": lambda x, y: x > y, "<": lambda x, y: x < y, ">=": lambda x, y: x >= y,
            "<=": lambda x, y: x <= y, "+": lambda x, y: x + y, "-": lambda x, y: x - y,
            "*": lambda x, y: x * y, "/": lambda x, y: x / y, "%": lambda x, y: x % y}
        return ops[op](a, b)

    def unary(self) -> Any:
        if self.peek() == "!":
            self.take()
            v = self.unary()
            return UNKNOWN if v is UNKNOWN else not v
        if self.peek() == "-":
            self.take()
            v = self.unary()
            return UNKNOWN if v is UNKNOWN else -v
        return self.postfix(self.primary())

    def postfix(self, v: Any) -> Any:
        while True:
            if self.peek() == "." and self.t[self.i + 1][0] in ("ident", "num"):
                self.take()
                key = self.take()[1]
                v = self._index(v, int(key) if key.isdigit() else key)
            elif self.peek() == "[" and self.peek(1) == "*":
                raise ValueError("splat")
            elif self.peek() == "[":
                self.take()
                key = self.expr()
                self.take("]")
                v = self._index(v, key)
            else:
                return v

    @staticmethod
    def _index(v: Any, key: Any) -> Any:
        if v is UNKNOWN or key is UNKNOWN or v is None:
            return UNKNOWN
        try:
            return v[key]
        except (KeyError, IndexError, TypeError):
            return UNKNOWN

    def primary(self) -> Any:
        kind, text = self.take()
        if kind == "num":
            return float(text) if "." in text else int(text)
        if kind == "str":
            return self.template(text)
        if text == "(":
            v = self.expr()
            self.take(")")
            return v
        if text == "[":
            return self.sequence()
        if text == "{":
            return self.mapping()
        if kind != "ident":
            raise ValueError(f"unexpected {text}")
        if text in ("true", "false"):
            return text == "true"
        if text == "null":
            return None
        if self.peek() == "(":
            return self.call(text)
        return self.reference(text)

    def template(self, raw: str) -> Any:
        out = []
        for is_expr, part in _template_parts(raw):
            if not is_expr:
                out.append(part)
                continue
            v = _Parser(_tokens(part), self.scope).parse()
            if v is UNKNOWN:
                return UNKNOWN
            out.append(_str(v))
        return "".join(out)

    def reference(self, root: str) -> Any:
        if root in self.scope.bound:
            return self.scope.bound[root]
        if root in ("var", "local") and self.peek() == "." and self.peek(1):
            self.take(".")
            name = self.take()[1]
            return self.scope.var(name) if root == "var" else self.scope.local(name)
        if root in ("each", "count"):
            self.take(".")
            return self.scope.bound.get(f"{root}.{self.take()[1]}", UNKNOWN)
        # A resource, data source, module output, path.*: known after apply (or elsewhere).
        path = [root]
        while self.peek() == "." and self.t[self.i + 1][0] == "ident":
            path.append(self.t[self.i + 1][1])
            self.i += 2
        if root == "data" and len(path) >= 4:
            return self.scope.data.get(".".join(path[:4]), UNKNOWN)
        if len(path) == 3:
            return self.scope.attribute(".".join(path[:2]), path[2])
        if len(path) == 2 and self.peek() == "[" and self.peek(2) == "]" \
                and self.peek(3) == "." and self.t[self.i + 1][0] == "num":
            index = int(self.t[self.i + 1][1])
            self.i += 4
            return self.scope.attribute(".".join(path), self.take()[1], index)
        return UNKNOWN

    def call(self, name: str) -> Any:
        self.take("(")
        args: list[Any] = []
        expand = False
        while self.peek() != ")":
            args.append(self.expr())
            if self.peek() == "...":
                self.take()
                expand = True
            if self.peek() == ",":
                self.take()
        self.take(")")
        if name == "try":
            return next((a for a in args if a is not UNKNOWN), UNKNOWN)
        if expand:
            if args[-1] is UNKNOWN:
                return UNKNOWN
            args = [*args[:-1], *args[-1]]
        fn = FUNCTIONS.get(name)
        return UNKNOWN if fn is None else fn(*args)

    def _for_head(self) -> tuple[list[str], Any]:
        self.take("for")
        names = [self.take()[1]]
        if self.peek() == ",":
            self.take()
            names.append(self.take()[1])
        self.take("in")
        coll = self.expr()
        self.take(":")
        return names, coll

    def _items(self, names: list[str], coll: Any) -> Iterator[Scope]:
        pairs = sorted(coll.items()) if isinstance(coll, dict) else list(enumerate(coll))
        for k, v in pairs:
            bound = {names[0]: v} if len(names) == 1 else {names[0]: k, names[1]: v}
            yield self.scope.with_names(bound)

    def _body(self, closing: str, keyed: bool) -> list[tuple[int, int, int, int]]:
        """Token spans of the key, value and `if` condition of a `for` body."""
        start = self.i
        depth, marks = 0, {}
        while depth or self.peek() != closing:
            tok = self.take()[1]
            if tok in "([{" and self.t[self.i - 1][0] == "op":
                depth += 1
            elif tok in ")]}" and self.t[self.i - 1][0] == "op":
                depth -= 1
            elif depth == 0 and tok in ("=>", "if") and tok not in marks:
                marks[tok] = self.i - 1
        end = self.i
        arrow = marks.get("=>") if keyed else None
        cond = marks.get("if", end)
        return [(start, arrow if arrow is not None else start, cond, end)]

    def _sub(self, lo: int, hi: int, scope: Scope) -> Any:
        return _Parser(self.t[lo:hi], scope).parse()

    def sequence(self) -> Any:
        if self.peek() == "for":
            names, coll = self._for_head()
            (start, _, cond, end), = self._body("]", keyed=False)
            self.take("]")
            if coll is UNKNOWN:
                return UNKNOWN
            out = []
            for scope in self._items(names, coll):
                keep = True if cond == end else self._sub(cond + 1, end, scope)
                if keep is UNKNOWN:
                    return UNKNOWN
                if keep:
                    out.append(self._sub(start, cond, scope))
            return out
        items = []
        while self.peek() != "]":
            items.append(self.expr())
            if self.peek() == ",":
                self.take()
        self.take("]")
        return items

    def mapping(self) -> Any:
        if self.peek() == "for":
            names, coll = self._for_head()
            (start, arrow, cond, end), = self._body("}", keyed=True)
            self.take("}")
            if coll is UNKNOWN:
                return UNKNOWN
            out = {}
            for scope in self._items(names, coll):
                keep = True if cond == end else self._sub(cond + 1, end, scope)
                if keep is UNKNOWN:
                    return UNKNOWN
                if keep:
                    key = self._sub(start, arrow, scope)
                    if key is UNKNOWN:
                        return UNKNOWN
                    out[key] = self._sub(arrow + 1, cond, scope)
            return out
        out = {}
        while self.peek() != "}":
            kind, key = self.take()
            if kind == "str":
                key = self.template(key)
            elif key == "(":
                key = self.expr()
                self.take(")")
            if self.peek() not in ("=", ":"):
                raise ValueError("object key without value")
            self.take()
            out[key] = self.expr()
            if self.peek() == ",":
                self.take()
        self.take("}")
        return out
