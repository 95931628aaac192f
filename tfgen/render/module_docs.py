"""README.md of each rendered child module, in terraform-docs' markdown table format.

Read from the module's own rendered `.tf` text, not from a second copy of its variables:
the tables then cannot drift from the code users run (the golden tests snapshot both).
The reader is deliberately small: it handles the `terraform fmt`-clean code tfgen's
templates produce (top-level blocks open at column 0 and close with `}` at column 0,
attributes sit at two spaces) and nothing else; tests/test_module_docs.py checks it
against python-hcl2 on every module.

The layout follows terraform-docs' `markdown table` output (sections Requirements,
Providers, Modules, Resources, Inputs, Outputs; anchors `input_<name>`; underscores and
pipes escaped; multi-line values in `<pre>` with `<br>`), per
https://github.com/terraform-docs/terraform-docs/blob/master/docs/reference/markdown-table.md
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

_BLOCK = re.compile(r'^(variable|output|resource|data) "([^"]+)"(?: "([^"]+)")? \{$')
_ATTR = re.compile(r"^  ([a-z_]+)\s*=\s*(.*)$")
_NESTED = re.compile(r"^  [a-z_]+ \{$")
_REQUIRED_VERSION = re.compile(r'^\s*required_version\s*=\s*"([^"]*)"', re.M)
_PROVIDER = re.compile(
    r'^\s*([a-z0-9_-]+)\s*=\s*\{\s*source\s*=\s*"([^"]+)"\s*version\s*=\s*"([^"]+)"', re.M)

#: What each module is for: the README's opening sentence.
SUMMARIES = {
    "network": "The VPC: public, app and data subnets in every Availability Zone, the internet "
               "gateway, NAT gateways (one, or one per zone), private routing and the S3 "
               "gateway endpoint.",
    "security": "The security group chain: load balancer -> web tier -> internal load balancer "
                "-> app tier -> database, each group admitting only the one before it.",
    "certificate": "An ACM certificate validated through DNS records in a Route 53 zone.",
    "load_balancer": "An application load balancer, its target group and listeners.",
    "tier": "One tier of EC2 instances: launch template (IMDSv2 only, encrypted root volume), "
            "Auto Scaling group with target tracking, and its instance role.",
    "database": "The RDS database: encrypted storage, Multi-AZ standby when asked for, read "
                "replicas, managed master password, logs in CloudWatch.",
    "static_site": "The S3 bucket holding the static front end: private behind CloudFront, or "
                   "a public website endpoint.",
    "cdn": "The CloudFront distribution: static files from S3 through origin access control, "
           "the API path from the load balancer.",
    "dns": "Route 53 alias records for the service (and the load balancer's origin name), "
           "with an optional health check.",
}


def _depth(text: str) -> int:
    """Open brackets minus closed ones, ignoring everything inside string literals."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
    return depth


def _unquote(value: str) -> str:
    """The text of a one-line HCL string literal (the escapes tfgen's templates use)."""
    inner = value.strip()
    if not (inner.startswith('"') and inner.endswith('"')):
        return inner
    return re.sub(r'\\(.)', lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)),
                  inner[1:-1])


def _attributes(body: list[str]) -> dict[str, str]:
    """Top-level attributes of one block body (nested blocks skipped), as HCL source."""
    attrs: dict[str, str] = {}
    i = 0
    while i < len(body):
        line = body[i]
        if _NESTED.match(line):
            while i < len(body) and body[i] != "  }":
                i += 1
        elif match := _ATTR.match(line):
            value = [match.group(2)]
            while _depth("\n".join(value)) > 0 and i + 1 < len(body):
                i += 1
                value.append(body[i])
            attrs[match.group(1)] = "\n".join(value)
        i += 1
    return attrs


@dataclass(frozen=True)
class Input:
    """One `variable` block."""

    name: str
    description: str
    type: str
    default: str | None

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class ModuleDoc:
    """What a module's README tables show, read from its rendered files."""

    required_version: str | None = None
    providers: dict[str, tuple[str, str]] = field(default_factory=dict)
    resources: list[tuple[str, str, str]] = field(default_factory=list)
    inputs: list[Input] = field(default_factory=list)
    outputs: list[tuple[str, str]] = field(default_factory=list)


def read_module(files: Mapping[str, str]) -> ModuleDoc:
    """Parse the `.tf` files of one module (file name -> text)."""
    doc = ModuleDoc()
    required_version = None
    for name in sorted(files):
        if not name.endswith(".tf"):
            continue
        text = files[name]
        if found := _REQUIRED_VERSION.search(text):
            required_version = found.group(1)
        for provider, source, version in _PROVIDER.findall(text):
            doc.providers[provider] = (source, version)
        lines = text.split("\n")
        for start, line in enumerate(lines):
            match = _BLOCK.match(line)
            if not match:
                continue
            end = lines.index("}", start)
            kind, first, second = match.groups()
            if kind in ("resource", "data"):
                doc.resources.append((kind, first, second))
                continue
            attrs = _attributes(lines[start + 1:end])
            description = _unquote(attrs.get("description", "n/a"))
            if kind == "output":
                doc.outputs.append((first, description))
            else:
                doc.inputs.append(Input(first, description, attrs.get("type", "any"),
                                        attrs.get("default")))
    return ModuleDoc(required_version, doc.providers, doc.resources,
                     sorted(doc.inputs, key=lambda i: i.name), sorted(doc.outputs))


def _escape(text: str) -> str:
    """terraform-docs' escaping: `_`, `|` and `*` outside code spans and links; newlines."""
    parts = re.split(r"(`[^`]*`|https?://\S+)", text)
    out = [part if i % 2 else re.sub(r"([_|*])", r"\\\1", part) for i, part in enumerate(parts)]
    return "".join(out).replace("\n", "<br>")


def _code(value: str) -> str:
    if "\n" in value:
        return "<pre>" + value.replace("\n", "<br>") + "</pre>"
    return f"`{value}`"


def _name(kind: str, name: str) -> str:
    escaped = name.replace("_", "\\_")
    return f'<a name="{kind}_{name}"></a> [{escaped}](#{kind}\\_{escaped})'


def _registry(kind: str, rtype: str, source: str) -> str:
    _provider, _, short = rtype.partition("_")
    folder = "resources" if kind == "resource" else "data-sources"
    return f"https://registry.terraform.io/providers/{source}/latest/docs/{folder}/{short}"


def readme(module: str, doc: ModuleDoc, header: str) -> str:
    """The module's README.md: a short introduction, then terraform-docs' tables."""
    return with_header(readme_body(module, doc), header)


def with_header(body: str, header: str) -> str:
    """A README body under the generated-file header, as an HTML comment."""
    comment = " ".join(line.removeprefix("# ") for line in header.splitlines())
    return f"<!-- {comment} -->\n{body}"


def readme_body(module: str, doc: ModuleDoc) -> str:
    """Everything of the README but its header line: the same for every blueprint whose
    module renders the same (tfgen/render/render.py keeps it per module text)."""
    lines = [f"# Module `{module}`", "",
             SUMMARIES.get(module, ""), "",
             "Run its tests without an AWS account (mocked AWS provider, Terraform >= 1.11) "
             "in this folder: `terraform init && terraform test`.", "",
             "<!-- BEGIN_TF_DOCS -->", "## Requirements", "",
             "| Name | Version |", "|------|---------|"]
    if doc.required_version is not None:
        lines.append(f"| {_name('requirement', 'terraform')} | {doc.required_version} |")
    lines += [f"| {_name('requirement', p)} | {v} |" for p, (_, v) in doc.providers.items()]
    lines += ["", "## Providers", "", "| Name | Version |", "|------|---------|"]
    lines += [f"| {_name('provider', p)} | {v} |" for p, (_, v) in doc.providers.items()]
    lines += ["", "## Modules", "", "No modules.", "", "## Resources", "",
              "| Name | Type |", "|------|------|"]
    sources = {p: s for p, (s, _) in doc.providers.items()}
    for kind in ("resource", "data"):
        for _, rtype, rname in sorted(r for r in doc.resources if r[0] == kind):
            source = sources.get(rtype.partition("_")[0], "hashicorp/aws")
            label = "resource" if kind == "resource" else "data source"
            address = f"{rtype}.{rname}"
            lines.append(f"| [{address}]({_registry(kind, rtype, source)}) | {label} |")
    lines += ["", "## Inputs", "", "| Name | Description | Type | Default | Required |",
              "|------|-------------|------|---------|:--------:|"]
    for item in doc.inputs:
        default = "n/a" if item.default is None else _code(item.default)
        lines.append(f"| {_name('input', item.name)} | {_escape(item.description)} | "
                     f"{_code(item.type)} | {default} | {'yes' if item.required else 'no'} |")
    lines += ["", "## Outputs", "", "| Name | Description |", "|------|-------------|"]
    lines += [f"| {_name('output', name)} | {_escape(text)} |" for name, text in doc.outputs]
    lines += ["<!-- END_TF_DOCS -->", ""]
    return "\n".join(lines)
