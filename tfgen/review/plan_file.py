"""Reading the plan a user hands to `tfgen diff --plan`: JSON, said clearly when it is not.

The usual mistake is passing the binary file `terraform plan -out=FILE` saved instead of
`terraform show -json FILE`. That file is a zip archive (checked with Terraform 1.11.4:
it starts with `PK\\x03\\x04` and holds `tfplan`, `tfstate`, `tfconfig/…`), and a JSON
parser only says "Expecting value: line 1 column 1" about it.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path
from typing import Any

from tfgen.errors import InputError

_ZIP_MAGIC = b"PK\x03\x04"


def load_plan_json(path: Path, shown: str) -> Any:
    """The parsed `terraform show -json` document at `path`; InputError (exit 2) otherwise."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"--plan {shown}: cannot read it ({exc.strerror or exc})") from None
    if data.startswith(_ZIP_MAGIC):
        saved = _is_saved_plan(path)
        what = "a binary plan file saved by `terraform plan -out`" if saved else "a zip archive"
        raise InputError(f"{shown}: --plan takes JSON, and this is {what}. Convert it "
                         f"first: terraform show -json {shown} > plan.json, then pass "
                         "--plan plan.json")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{shown}: --plan takes JSON, and this is a binary file (byte "
                         f"{exc.start} is not UTF-8) — pass the output of "
                         "`terraform show -json PLANFILE`") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{shown}:{exc.lineno}:{exc.colno}: --plan takes the JSON of "
                         f"`terraform show -json PLANFILE`; this is not JSON ({exc.msg})"
                         ) from None


def _is_saved_plan(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "tfplan" in archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
