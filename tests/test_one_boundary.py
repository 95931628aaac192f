"""One error boundary: exceptions declared in one place, only the CLI prints or exits.

Issue 12. Read from the source (ast) and from the imported modules, so a new module that
prints, exits or declares its own exception fails here, not in review:

- the library (every tfgen module outside tfgen/cli/) never prints,
  prompts or exits;
- every exception class tfgen declares lives in tfgen/errors.py and is a TfgenError with
  an integer exit code (the two exceptions below are named, with the reason);
- no command catches a TfgenError to print and exit itself: tfgen/cli/__init__.py's group is
  the one place that turns errors into messages and exit codes.
"""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from tests.helpers import REPO
from tfgen import errors
from tfgen.errors import TfgenError

PACKAGE = REPO / "tfgen"

#: Exceptions that are not TfgenErrors declared in errors.py, each with its reason.
NOT_TFGEN_ERRORS = {
    # Must unwind exactly like Ctrl-C (a KeyboardInterrupt), which no `except Exception`
    # and no `except TfgenError` may swallow; it is declared in errors.py all the same.
    "tfgen.errors.Terminated": "SIGTERM/SIGHUP handled as Ctrl-C",
    # A private control-flow signal inside the YAML reader: raised and caught within
    # tfgen/blueprint/loader.py, turned into a located Problem before anything leaves the module.
    "tfgen.blueprint.loader._TooLarge": "caught within loader.py, becomes a Problem",
}

#: Calls that print, prompt or end the process: the CLI's business only.
PRESENTING = {"print", "exit", "quit", "input", "breakpoint"}
PRESENTING_ATTRS = {("sys", "exit"), ("os", "_exit"), ("click", "echo"),
                    ("click", "secho"), ("click", "prompt"), ("click", "confirm"),
                    ("click", "pause"), ("click", "edit"), ("click", "launch")}


def _is_cli(path: Path) -> bool:
    """The CLI is the subpackage tfgen/cli/ (the only layer that prints or exits)."""
    return path.relative_to(PACKAGE).parts[0] == "cli"


def _modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _name(path: Path) -> str:
    return ".".join(path.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__")


def _presenting(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for every print/exit/echo call and `raise SystemExit` in `tree`."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id in PRESENTING:
                found.append((node.lineno, f"{func.id}()"))
            elif isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) \
                    and (func.value.id, func.attr) in PRESENTING_ATTRS:
                found.append((node.lineno, f"{func.value.id}.{func.attr}()"))
        elif isinstance(node, ast.Raise) and node.exc is not None:
            target = node.exc.func if isinstance(node.exc, ast.Call) else node.exc
            if isinstance(target, ast.Name) and target.id == "SystemExit":
                found.append((node.lineno, "raise SystemExit"))
    return found


def test_the_library_never_prints_prompts_or_exits() -> None:
    offences = [f"{path.relative_to(REPO)}:{line}: {what}"
                for path in _modules() if not _is_cli(path)
                for line, what in _presenting(ast.parse(path.read_text(encoding="utf-8")))]
    assert offences == []


def test_the_scan_sees_printing_and_exiting() -> None:
    tree = ast.parse("import sys, click\nprint(1)\nclick.echo('x')\nsys.exit(2)\n"
                     "def f():\n    raise SystemExit(3)\nclick.style('fine')\n")
    assert [what for _, what in _presenting(tree)] == [
        "print()", "click.echo()", "sys.exit()", "raise SystemExit"]


def _exception_classes() -> dict[str, type[BaseException]]:
    """Every exception class defined at the top level of a tfgen module, by dotted name."""
    found: dict[str, type[BaseException]] = {}
    for path in _modules():
        module = importlib.import_module(_name(path))
        for attr, value in vars(module).items():
            if inspect.isclass(value) and issubclass(value, BaseException) \
                    and value.__module__ == module.__name__:
                found[f"{module.__name__}.{attr}"] = value
    return found


def test_every_exception_is_declared_in_errors_py() -> None:
    elsewhere = sorted(name for name in _exception_classes()
                       if not name.startswith("tfgen.errors.") and name not in NOT_TFGEN_ERRORS)
    assert elsewhere == []


def test_no_exception_class_hides_inside_a_function() -> None:
    """Classes nested in functions escape the import-based scan: none may be exceptions."""
    names = {cls.__name__ for cls in _exception_classes().values()} | {
        "Exception", "BaseException", "ValueError", "RuntimeError", "KeyboardInterrupt"}
    nested = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                for inner in ast.walk(node):
                    if isinstance(inner, ast.ClassDef) and any(
                            isinstance(b, ast.Name) and b.id in names for b in inner.bases):
                        nested.append(f"{path.relative_to(REPO)}:{inner.lineno} {inner.name}")
    assert nested == []


@pytest.mark.parametrize("name", sorted(n for n in vars(errors) if inspect.isclass(vars(errors)[n])
                                        and issubclass(vars(errors)[n], BaseException)))
def test_every_error_is_a_tfgen_error_with_an_exit_code(name: str) -> None:
    cls = vars(errors)[name]
    if f"tfgen.errors.{name}" in NOT_TFGEN_ERRORS:
        assert not issubclass(cls, TfgenError)
        return
    assert issubclass(cls, TfgenError)
    assert isinstance(cls.exit_code, int) and cls.exit_code > 0


def test_the_allow_list_names_real_exceptions() -> None:
    classes = _exception_classes()
    assert set(NOT_TFGEN_ERRORS) <= set(classes)


def test_terraform_exit_codes_travel_with_the_error() -> None:
    """ApplyFailed and TerraformInterrupted exit with Terraform's code (1 when it gave 0)."""
    assert errors.ApplyFailed("boom", 7).exit_code == 7
    assert errors.ApplyFailed("boom", 0).exit_code == errors.EXIT_FAILURE
    assert errors.TerraformInterrupted(["terraform", "apply"], 130, "").exit_code == 130
    assert errors.TerraformFailed(["terraform", "plan"], 9, "").exit_code == \
        errors.EXIT_FAILURE  # a bare TerraformFailed is tfgen's runtime failure


def _catches_and_exits(tree: ast.AST, known: set[str]) -> list[tuple[int, str]]:
    """Handlers of a TfgenError (sub)class that print/exit themselves: a second boundary."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.ExceptHandler) or node.type is None:
            continue
        types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
        caught = [t.id for t in types if isinstance(t, ast.Name) and t.id in known]
        if not caught:
            continue
        body = ast.Module(body=node.body, type_ignores=[])
        exits = [what for _, what in _presenting(body) if "exit" in what.lower()] + [
            "ctx.exit()" for n in ast.walk(body) if isinstance(n, ast.Call)
            and isinstance(n.func, ast.Attribute) and n.func.attr == "exit"]
        if exits:
            found.append((node.lineno, f"except {', '.join(caught)}: {exits[0]}"))
    return found


def test_commands_leave_errors_to_the_one_boundary() -> None:
    known = {name for name, cls in vars(errors).items()
             if inspect.isclass(cls) and issubclass(cls, TfgenError)}
    offences = [f"{path.relative_to(REPO)}:{line}: {what}"
                for path in _modules() if _is_cli(path) and path != PACKAGE / "cli" / "__init__.py"
                for line, what in _catches_and_exits(
                    ast.parse(path.read_text(encoding="utf-8")), known)]
    assert offences == []


def test_the_boundary_scan_sees_a_second_boundary() -> None:
    tree = ast.parse("try:\n    run()\nexcept ApplyFailed as exc:\n    click.echo(exc)\n"
                     "    raise SystemExit(exc.returncode)\n"
                     "try:\n    run()\nexcept (OSError, StalePlan):\n    ctx.exit(2)\n"
                     "try:\n    run()\nexcept TfgenError as exc:\n    errors.append(exc)\n")
    assert _catches_and_exits(tree, {"ApplyFailed", "StalePlan", "TfgenError"}) == [
        (3, "except ApplyFailed: raise SystemExit"), (8, "except StalePlan: ctx.exit()")]


def test_the_boundary_says_interrupted_not_failed() -> None:
    from tfgen.cli import error_message

    stopped = errors.TerraformInterrupted(["terraform", "apply"], 1, "")
    assert error_message(stopped) == ("interrupted: Terraform stopped gracefully and "
                                      "released the state lock.")
    stopped.add_note("moto was stopped")
    assert error_message(stopped).endswith("state lock; moto was stopped.")
    assert "error: " in error_message(errors.StalePlan("plan again"))
