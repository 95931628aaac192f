"""Child-module READMEs (tfgen/render/module_docs.py) against an independent HCL parser.

The README tables are read from the rendered `.tf` text by a small line-based reader;
python-hcl2 parses the same files here, so a variable or output the reader misses, a
wrong Required column or a lost description fails this test. Issue 14.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import hcl2
import pytest

from tests.helpers import EXAMPLE, write_blueprint
from tfgen.blueprint.stages import Stage
from tfgen.project import render_blueprint
from tfgen.render.module_docs import read_module, readme


def _modules(stage: Stage) -> dict[str, dict[str, str]]:
    files = render_blueprint(EXAMPLE, stage=stage).files
    modules: dict[str, dict[str, str]] = {}
    for path, text in files.items():
        if path.startswith("modules/"):
            _, module, rel = path.split("/", 2)
            modules.setdefault(module, {})[rel] = text
    return modules


def _plain(value: Any) -> Any:
    """python-hcl2 >= 7 keeps the quotes of strings and labels: drop them."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:  # a template with nested quotes: not compared here
            return value
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _blocks(files: dict[str, str], kind: str) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    for name, text in files.items():
        if name.endswith(".tf"):
            for block in _plain(hcl2.loads(text)).get(kind, []):
                found.update(block)
    return found


@pytest.mark.parametrize("module", sorted(_modules(Stage.CDN)))
def test_readme_lists_every_variable_and_output(module: str) -> None:
    files = _modules(Stage.CDN)[module]
    doc = read_module(files)
    variables, outputs = _blocks(files, "variable"), _blocks(files, "output")
    assert [i.name for i in doc.inputs] == sorted(variables)
    assert [name for name, _ in doc.outputs] == sorted(outputs)
    for item in doc.inputs:
        assert item.required == ("default" not in variables[item.name]), item.name
        assert item.description == variables[item.name]["description"], item.name
    for name, description in doc.outputs:
        assert description == outputs[name]["description"], name
    managed = {f"{rtype}.{rname}" for name, text in files.items() if name.endswith(".tf")
               for block in _plain(hcl2.loads(text)).get("resource", [])
               for rtype, named in block.items() for rname in named}
    assert {f"{t}.{n}" for kind, t, n in doc.resources if kind == "resource"} == managed
    text = files["README.md"]
    assert text == readme(module, doc, render_blueprint(EXAMPLE).context.header)
    for section in ("## Requirements", "## Providers", "## Inputs", "## Outputs"):
        assert f"\n{section}\n" in text


def test_readme_table_rows_are_terraform_docs_shaped() -> None:
    text = _modules(Stage.CDN)["network"]["README.md"]
    assert "| Name | Description | Type | Default | Required |\n" \
           "|------|-------------|------|---------|:--------:|\n" in text
    assert ('| <a name="input_single_nat_gateway"></a> [single\\_nat\\_gateway]'
            '(#input\\_single\\_nat\\_gateway) |') in text
    assert re.search(r'\| <a name="input_tags"></a> \[tags\]\(#input\\_tags\) \| .* \| '
                     r'`map\(string\)` \| `\{\}` \| no \|', text)
    assert re.search(r"\| <a name=\"input_azs\"></a> .* \| <pre>map\(object\(\{<br>    "
                     r"public_cidr = string<br>.*\}\)\)</pre> \| n/a \| yes \|", text)
    assert ("| [aws_nat_gateway.this](https://registry.terraform.io/providers/hashicorp/aws/"
            "latest/docs/resources/nat_gateway) | resource |") in text
    assert '| <a name="requirement_aws"></a> [aws](#requirement\\_aws) | >= 5.100, < 7 |' in text


def test_every_module_ships_a_test_with_the_rendered_values() -> None:
    files = render_blueprint(EXAMPLE, stage=Stage.MULTI_AZ).files
    modules = {p.split("/")[1] for p in files if p.startswith("modules/")}
    for module in modules:
        test = files[f"modules/{module}/tests/{module}.tftest.hcl"]
        assert 'mock_provider "aws"' in test and "\nvariables {\n" in test, module
    network = _plain(hcl2.loads(files["modules/network/tests/network.tftest.hcl"]))
    values = render_blueprint(EXAMPLE, stage=Stage.MULTI_AZ).context.values["network"]
    assert network["variables"][0]["azs"] == values["azs"]
    assert network["variables"][0]["single_nat_gateway"] is values["single_nat_gateway"]
    database = _plain(hcl2.loads(files["modules/database/tests/database.tftest.hcl"]))
    assert database["variables"][0]["multi_az"] is True


def test_readme_cache_never_serves_another_modules_doc(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """READMEs come from a per-process cache of parsed modules (issue 13): every variant,
    rendered after the others from a file of another name (another header), is byte for
    byte what a cold render gives. A cache keyed too loosely would hand one variant's
    module doc to another (SQL Server's orderable lookup to MySQL, or back)."""
    from tests.variants import VARIANTS, variant_data
    from tfgen.render import render as render_module

    datas = {name: variant_data(name) for name in VARIANTS}
    datas["sqlserver"] = {**variant_data("aws"), "database": {
        "engine": "sqlserver-se", "instance_class": "db.m5.large", "db_name": None}}
    cold, warm = {}, {}
    for name, data in datas.items():
        monkeypatch.setattr(render_module, "_BODIES", {})
        cold[name] = render_blueprint(write_blueprint(tmp_path / "cold", data, f"{name}.yaml"))
    monkeypatch.setattr(render_module, "_BODIES", {})
    for name, data in [*datas.items(), *reversed(datas.items())]:  # the cache fills as it goes
        warm[name] = render_blueprint(write_blueprint(tmp_path / "warm", data,
                                                      f"{name}.yaml"))
        assert [*warm[name].files.values()] == [*cold[name].files.values()], name
    readmes = {c.files["modules/database/README.md"].split("\n", 2)[2] for c in cold.values()}
    assert len(readmes) > 1  # the variants' docs differ: a loose key would be caught
    assert len(render_module._BODIES) < sum(len(c.files) for c in cold.values())
