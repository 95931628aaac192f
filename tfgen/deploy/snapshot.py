"""The applied snapshot: the blueprint of the last successful apply, kept in out/.

Split from tfgen/deploy/workflow.py. `plan` stores the blueprint it was made from next to the
saved plan; `apply` promotes it to `.tfgen/applied/blueprint.json`, so the next `plan`
is reviewed as a blueprint diff (previously applied -> current). Snapshots are written
0600 and atomically (tfgen.outdir.outguard); nothing here prints.
"""

from __future__ import annotations

import datetime
import json
import tempfile
from pathlib import Path
from typing import Any

from tfgen.blueprint.model import Blueprint
from tfgen.deploy.saved_plan import PLAN_DIR
from tfgen.outdir import outguard
from tfgen.project import Rendered
from tfgen.render.context import build_context
from tfgen.review.diff import Loaded, Side
from tfgen.review.inventory import inventory

#: The blueprint a saved plan was made from (in saved_plan.PLAN_DIR); promoted to
#: APPLIED_DIR by apply.
SNAPSHOT_FILE = "blueprint.json"
APPLIED_DIR = ".tfgen/applied"
SNAPSHOT_VERSION = 1


def ignore_tfgen_dir(out_dir: Path) -> None:
    """Everything under .tfgen/ is machine state (plans hold resource attributes): no git."""
    outguard.ensure_state_dir(out_dir, ignore_file=True)


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Atomically and 0600 (a snapshot can hold sensitive values): never half a snapshot."""
    outguard.write_private(path, json.dumps(data, indent=2, sort_keys=True) + "\n")


def snapshot_data(rendered: Rendered, fingerprint_: str) -> dict[str, Any]:
    """What `diff` needs to rebuild a side without the original files.

    The merged, validated blueprint (defaults filled in, any --stage applied) and the
    contents of its user-data scripts, which the render context reads from disk.
    """
    return {
        "version": SNAPSHOT_VERSION,
        "source": rendered.source,
        "stage": rendered.context.stage.value,
        "fingerprint": fingerprint_,
        "blueprint": rendered.blueprint.model_dump(mode="json"),
        "user_data": {f.tier: f.content for f in rendered.context.files},
    }


def applied_snapshot_path(out_dir: Path) -> Path:
    """Where the snapshot of the last successful apply is kept."""
    return out_dir / APPLIED_DIR / SNAPSHOT_FILE


def promote_snapshot(out_dir: Path, fingerprint: str) -> bool:
    """After a successful apply: the plan's blueprint becomes the applied snapshot."""
    pending = out_dir / PLAN_DIR / SNAPSHOT_FILE
    try:
        data = json.loads(pending.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False  # a plan made by an older tfgen: keep whatever snapshot there is
    if not isinstance(data, dict) or data.get("fingerprint") != fingerprint:
        return False
    data["applied"] = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    ignore_tfgen_dir(out_dir)
    write_json(applied_snapshot_path(out_dir), data)
    return True


def load_snapshot(data: dict[str, Any]) -> Loaded:
    """Rebuild a diff side from a snapshot (ValueError/KeyError/TypeError when malformed)."""
    if data.get("version") != SNAPSHOT_VERSION:
        raise ValueError(f"snapshot version {data.get('version')!r}, expected "
                         f"{SNAPSHOT_VERSION}")
    blueprint = Blueprint.model_validate(data["blueprint"])
    source = str(data["source"])
    scripts: dict[str, str] = data.get("user_data") or {}
    with tempfile.TemporaryDirectory(prefix="tfgen-applied-") as tmp:
        # The context reads user-data scripts from disk: give it the stored contents.
        update: dict[str, Any] = {}
        for key in ("web", "app"):
            tier = getattr(blueprint, key)
            if tier.user_data is not None and key in scripts:
                script = Path(tmp) / f"{key}-user-data.sh"
                script.write_text(scripts[key], encoding="utf-8")
                update[key] = tier.model_copy(update={"user_data": script.name})
        for_context = blueprint.model_copy(update=update) if update else blueprint
        context = build_context(for_context, source, base_dir=Path(tmp))
    label = f"applied {source}"
    side = Side(label, source, context.stage)
    return Loaded(side, label, blueprint, context, inventory(context))


def read_applied(out_dir: Path) -> Loaded | None:
    """The side of the last successful apply in `out_dir`, or None if nothing was applied."""
    path = applied_snapshot_path(out_dir)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    data = json.loads(text)
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return load_snapshot(data)

