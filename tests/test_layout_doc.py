"""docs/design/layout.md's tree lists exactly the package's modules.

The tree is where a newcomer reads what each module does; a module added, moved or
removed without its line there fails here.
"""

from __future__ import annotations

import re

from tests.helpers import REPO

LAYOUT = REPO / "docs" / "design" / "layout.md"


def _documented() -> set[str]:
    """Module paths (relative to tfgen/) from the tree block that starts with `tfgen/`."""
    text = LAYOUT.read_text(encoding="utf-8")
    block = re.search(r"```\ntfgen/\n(.*?)```", text, re.DOTALL)
    assert block, "docs/design/layout.md: no ``` block starting with `tfgen/`"
    found: set[str] = set()
    folders: dict[int, str] = {}
    for line in block.group(1).splitlines():
        name = line.strip().split(" ")[0]
        depth = (len(line) - len(line.lstrip())) // 2
        parent = "/".join(folders[d] for d in sorted(folders) if d < depth)
        path = f"{parent}/{name}".lstrip("/")
        if name.endswith("/"):
            folders = {d: f for d, f in folders.items() if d < depth}
            folders[depth] = name.rstrip("/")
        elif name.endswith(".py"):
            found.add(path)
    return found


def _modules() -> set[str]:
    package = REPO / "tfgen"
    # a subpackage's __init__.py only names its stage, except the CLI's (the registry)
    return {p.relative_to(package).as_posix() for p in package.rglob("*.py")
            if p.name != "__init__.py" or p.parent in (package, package / "cli")}


def test_the_tree_lists_every_module() -> None:
    documented, actual = _documented(), _modules()
    assert sorted(actual - documented) == [], "add a line for each to docs/design/layout.md"
    assert sorted(documented - actual) == [], "remove these lines from docs/design/layout.md"
