"""The blueprint schema used by real clients: check-jsonschema and yaml-language-server.

check-jsonschema (PyPI, the `dev` extra) must accept every example and reject every case
of tests/bad/ whose rule JSON Schema can express; the cases it cannot are listed in
tfgen.blueprint.schema.NOT_EXPRESSIBLE, and that list is checked both ways (the schema accepts
them, `tfgen validate` rejects them). yaml-language-server (npm, installed into .node/ by
`make yaml-language-server`, which `make test` runs) is driven over LSP on stdio: a
completion under `database:` and a diagnostic for an unknown key.

Both need their tool: under TFGEN_REQUIRE_INTEGRATION=1 a missing one fails the run,
otherwise the tests skip with a loud reason. Both together take a few seconds.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

import pytest
from click.testing import CliRunner

from tests.helpers import REPO
from tests.test_bad_blueprints import BAD, CORPUS, _header
from tfgen.blueprint.schema import NOT_EXPRESSIBLE, SCHEMA_FILE
from tfgen.cli import main

pytestmark = pytest.mark.integration

REQUIRE_ENV = "TFGEN_REQUIRE_INTEGRATION"
SCHEMA = REPO / SCHEMA_FILE
TYPO = REPO / "examples" / "typo.yaml"  # broken on purpose: every problem at once
EXAMPLES = sorted([*(REPO / "blueprints").rglob("*.yaml"),
                   *(p for p in (REPO / "examples").glob("*.yaml") if p != TYPO)])
#: check-jsonschema 0.39 itself dies of a RecursionError on a self-referencing alias, so
#: this case runs on its own: it must not be accepted (tfgen refuses it too).
CRASHES_THE_CLIENT = {"recursive-alias"}
YLS = REPO / ".node" / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"


def _missing(what: str) -> None:
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but {what}", pytrace=False)
    pytest.skip(f"SCHEMA CLIENT TEST SKIPPED (set {REQUIRE_ENV}=1 to fail instead): {what}")


def _check_jsonschema() -> str:
    found = Path(sys.executable).parent / "check-jsonschema"
    if found.exists():
        return str(found)
    on_path = shutil.which("check-jsonschema")
    if on_path is None:
        _missing("check-jsonschema is not installed (pip install -e '.[dev]')")
    return str(on_path)


def _run_check(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([_check_jsonschema(), "--schemafile", str(SCHEMA), "-o", "JSON",
                           *map(str, files)], capture_output=True, text=True, timeout=120,
                          check=False)


def _expected_paths(case: Path) -> list[str]:
    """tfgen's field paths for a bad case ('' for a whole-document problem)."""
    out = []
    for line in _header(case)[2]:
        found = re.match(r"\d+:\d+: ([A-Za-z0-9_.\[\]-]+): ", line)
        out.append(found.group(1) if found else "")
    return out


def _related(schema_path: str | None, tfgen_path: str) -> bool:
    """Whether a schema error and a tfgen problem point at the same place (or its parent)."""
    if schema_path is None or not tfgen_path:
        return True  # a YAML parse error, or a problem of the whole document
    mine = schema_path.removeprefix("$").removeprefix(".")
    return mine == tfgen_path or tfgen_path.startswith(mine) or mine.startswith(tfgen_path)


@pytest.fixture(scope="module")
def verdicts() -> dict[Path, list[str | None]]:
    """Examples and bad cases through one check-jsonschema run: file -> error paths
    (None for a YAML parse error); one run keeps the test fast."""
    files = [*EXAMPLES, TYPO, *(c for c in CORPUS if c.stem not in CRASHES_THE_CLIENT)]
    result = _run_check(*files)
    report = json.loads(result.stdout)
    found: dict[Path, list[str | None]] = {f: [] for f in files}
    for error in report["errors"]:
        found[Path(error["filename"])].append(error["path"])
    for error in report["parse_errors"]:
        found[Path(error["filename"])].append(None)
    assert (result.returncode == 0) == (report["status"] == "ok")
    return found


def test_check_jsonschema_accepts_every_example_blueprint(
        verdicts: dict[Path, list[str | None]]) -> None:
    assert {p.name: verdicts[p] for p in EXAMPLES if verdicts[p]} == {}


def test_check_jsonschema_finds_every_problem_of_the_typo_example(
        verdicts: dict[Path, list[str | None]]) -> None:
    """examples/typo.yaml: each of tfgen's seven problems is one of the schema's errors."""
    paths = verdicts[TYPO]
    validate = CliRunner().invoke(main, ["validate", str(TYPO)])
    assert validate.exit_code == 2
    tfgen_paths = re.findall(r"typo\.yaml:\d+:\d+: ([^:]+):", validate.output)
    assert len(tfgen_paths) == 7
    assert [p for p in tfgen_paths if not any(_related(s, p) for s in paths)] == []


@pytest.mark.parametrize("case", CORPUS, ids=[c.stem for c in CORPUS])
def test_bad_case_is_judged_like_tfgen_validate(
        case: Path, verdicts: dict[Path, list[str | None]]) -> None:
    if case.stem in CRASHES_THE_CLIENT:
        result = _run_check(case)
        assert result.returncode != 0
        return
    errors = verdicts[case]
    if case.stem in NOT_EXPRESSIBLE:
        assert errors == [], f"the schema now rejects {case.name}: drop it from NOT_EXPRESSIBLE"
        return
    assert errors, f"the schema accepts {case.name}: express its rule or list it"
    expected = _expected_paths(case)
    assert any(_related(s, t) for s in errors for t in expected), (errors, expected)


@pytest.mark.parametrize("stem", sorted(NOT_EXPRESSIBLE))
def test_rules_the_schema_cannot_express_are_rejected_by_tfgen(
        stem: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    case = BAD / f"{stem}.yaml"
    assert case.exists(), f"NOT_EXPRESSIBLE names {stem}, which is not a tests/bad/ case"
    _, args, _ = _header(case)
    shutil.copyfile(case, tmp_path / case.name)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate", *args, case.name])
    assert result.exit_code == 2, result.output


# --- yaml-language-server over LSP (JSON-RPC on stdio) --------------------------------


class _Lsp:
    """A minimal LSP client: Content-Length framed JSON-RPC over a child's stdio."""

    def __init__(self, command: list[str], settings: dict[str, Any]) -> None:
        self.proc = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL)
        self.settings = settings
        self.next_id = 0
        self.diagnostics: dict[str, list[dict[str, Any]]] = {}

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        stdin: IO[bytes] | None = self.proc.stdin
        assert stdin is not None
        stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stdin.flush()

    def request(self, method: str, params: dict[str, Any]) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self.send({"id": wanted, "method": method, "params": params})
        for message in self._messages():
            if message.get("id") == wanted and "method" not in message:
                assert "error" not in message, message
                return message.get("result")
        raise AssertionError(f"no answer to {method}")

    def wait_diagnostics(self, uri: str, seconds: float = 20) -> list[dict[str, Any]]:
        deadline = time.monotonic() + seconds
        for _ in self._messages():
            if uri in self.diagnostics or time.monotonic() > deadline:
                break
        return self.diagnostics.get(uri, [])

    def _messages(self) -> Iterator[dict[str, Any]]:
        stdout = self.proc.stdout
        assert stdout is not None
        while True:
            length = 0
            while (line := stdout.readline().decode()) not in ("\r\n", ""):
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
            if not length:
                raise AssertionError("yaml-language-server closed its output")
            message = json.loads(stdout.read(length))
            if message.get("method") == "textDocument/publishDiagnostics":
                self.diagnostics[message["params"]["uri"]] = message["params"]["diagnostics"]
            if "id" in message and "method" in message:  # the server asks us something
                items = message["params"].get("items", [])
                answer = [self.settings["yaml"] for _ in items] if items else None
                self.send({"id": message["id"], "result": answer})
            yield message

    def close(self) -> None:
        self.proc.kill()
        self.proc.wait(timeout=10)


@pytest.fixture()
def lsp(tmp_path: Path) -> Iterator[_Lsp]:
    node = shutil.which("node")
    if node is None:
        _missing("node is not on PATH (make yaml-language-server installs it with apt-get)")
    if not YLS.exists():
        _missing(f"yaml-language-server is not installed at {YLS.relative_to(REPO)} "
                 "(run `make yaml-language-server`)")
    settings = {"yaml": {"validate": True, "completion": True, "hover": True,
                         "schemaStore": {"enable": False}}}  # no network: the modeline only
    client = _Lsp([str(node), str(YLS), "--stdio"], settings)
    try:
        client.request("initialize", {
            "processId": os.getpid(), "rootUri": tmp_path.as_uri(),
            "capabilities": {"workspace": {"configuration": True},
                             "textDocument": {"completion": {}, "publishDiagnostics": {}}}})
        client.send({"method": "initialized", "params": {}})
        client.send({"method": "workspace/didChangeConfiguration", "params": settings})
        yield client
    finally:
        client.close()


def _open(client: _Lsp, root: Path, name: str, text: str) -> str:
    (root / "schema").mkdir(exist_ok=True)
    shutil.copyfile(SCHEMA, root / SCHEMA_FILE)
    (root / "blueprints" / "envs").mkdir(parents=True, exist_ok=True)
    uri = (root / "blueprints" / name).as_uri()
    client.send({"method": "textDocument/didOpen", "params": {"textDocument": {
        "uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
    return uri


def test_yaml_language_server_completes_and_flags_unknown_keys(
        lsp: _Lsp, tmp_path: Path) -> None:
    started = time.monotonic()
    modeline = (REPO / "blueprints" / "shopping-mall.yaml").read_text().splitlines()[0]
    text = f"{modeline}\nname: shop\ndatabase:\n  engine: mysql\n  \nweb:\n  prot: 80\n"
    uri = _open(lsp, tmp_path, "shop.yaml", text)
    completion = lsp.request("textDocument/completion", {
        "textDocument": {"uri": uri}, "position": {"line": 4, "character": 2}})
    items = completion["items"] if isinstance(completion, dict) else completion
    labels = {item["label"] for item in items}
    assert {"instance_class", "multi_az", "read_replicas"} <= labels, labels
    assert "engine" not in labels  # already set in this mapping
    diagnostics = lsp.wait_diagnostics(uri)
    assert [(d["range"]["start"]["line"], d["message"]) for d in diagnostics] == \
        [(6, "Property prot is not allowed.")]
    assert time.monotonic() - started < 30


def test_yaml_language_server_accepts_an_overlay_without_required_keys(
        lsp: _Lsp, tmp_path: Path) -> None:
    overlay = (REPO / "blueprints" / "envs" / "prod.yaml").read_text()
    assert "\nname:" not in overlay and "zone:" not in overlay  # both come from the base
    uri = _open(lsp, tmp_path, "envs/prod.yaml", overlay)
    assert lsp.wait_diagnostics(uri) == []
    broken = _open(lsp, tmp_path, "envs/bad.yaml", overlay.replace("stage: cdn", "stage: k8s"))
    assert [d["range"]["start"]["line"] for d in lsp.wait_diagnostics(broken)] == \
        [overlay.splitlines().index("stage: cdn")]
