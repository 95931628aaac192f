"""`tfgen plan` / `apply` / `destroy` for real: terraform, hashicorp/aws, moto, S3 state.

One environment is applied once and shared by the assertions (an apply against moto
takes a minute or two): the dev overlay with an S3 backend whose bucket is created by
`tfgen bootstrap-state`'s module, everything through `--emulator`. In order:

1. bootstrap the state bucket; `tfgen plan` dev at stage aws;
2. `tfgen apply` refuses a hand-edited out/ and a plan older than the rendered files;
3. apply A runs; while it holds the S3 lock file, apply B fails clearly; A completes
   and the state in the bucket holds everything (nothing lost, lock released);
4. `tfgen plan --stage multi-az`: the database is changed in place, nothing replaced;
5. re-rendering after that plan makes apply refuse (the plan is not what out/ holds);
6. `tfgen destroy` empties the state.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import REPO, example_base, interruptible
from tests.integration.harness import MOTO_ACCESS_KEY, MOTO_SECRET_KEY, prepare_workdir
from tfgen.deploy.terraform import Terraform
from tfgen.deploy.terraform_env import TerraformEnv
from tfgen.errors import EXIT_CONSENT, EXIT_INVALID, EXIT_MISMATCH
from tfgen.outdir.override_file import OVERRIDE_FILE
from tfgen.project import render_blueprint
from tfgen.review.inventory import inventory

BUCKET = "tfgen-it-state"
STATE_KEY = "shopping-mall/dev/terraform.tfstate"
CLI = [sys.executable, "-c", "from tfgen.cli import run; run()"]


@pytest.fixture
def moto_iam(monkeypatch: pytest.MonkeyPatch) -> None:
    """The tier modules attach AWS-managed policies; moto loads them only when asked.

    Set before `moto_endpoint` resets moto, so the new IAM backend loads them.
    """
    monkeypatch.setenv("MOTO_IAM_LOAD_MANAGED_POLICIES", "true")


def _env(tf_env: TerraformEnv, terraform_bin: Path) -> dict[str, str]:
    env = dict(os.environ)
    assert tf_env.cli_config_file is not None
    env.update({"TF_CLI_CONFIG_FILE": str(tf_env.cli_config_file),
                "TFGEN_TERRAFORM": str(terraform_bin), **tf_env.extra})
    return env


def _tfgen(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*CLI, *args], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=900, check=False)


def _s3(endpoint: str) -> Any:
    import boto3  # type: ignore[import-untyped]

    return boto3.client("s3", endpoint_url=endpoint, region_name="ap-northeast-2",
                        aws_access_key_id=MOTO_ACCESS_KEY, aws_secret_access_key=MOTO_SECRET_KEY)


def _keys(endpoint: str) -> set[str]:
    listed = _s3(endpoint).list_objects_v2(Bucket=BUCKET)
    return {o["Key"] for o in listed.get("Contents", [])}


def _state(endpoint: str) -> dict[str, Any]:
    body = _s3(endpoint).get_object(Bucket=BUCKET, Key=STATE_KEY)["Body"].read()
    data: dict[str, Any] = json.loads(body)
    return data


def _managed(state: dict[str, Any]) -> set[str]:
    out = set()
    for r in state.get("resources", []):
        if r["mode"] != "managed":
            continue
        for inst in r["instances"]:
            key = inst.get("index_key")
            suffix = "" if key is None else (f'["{key}"]' if isinstance(key, str) else f"[{key}]")
            out.add(f"{r.get('module', '') + '.' if r.get('module') else ''}"
                    f"{r['type']}.{r['name']}{suffix}")
    return out


@pytest.mark.integration
def test_plan_apply_lock_multi_az_destroy(tmp_path: Path, terraform_bin: Path,
                                          tf_env: TerraformEnv, moto_iam: None,
                                          moto_endpoint: str) -> None:
    timings: dict[str, float] = {}
    env = _env(tf_env, terraform_bin)
    project = tmp_path / "project"
    overlay = project / "blueprints" / "dev-shared.yaml"
    overlay.parent.mkdir(parents=True)
    base = example_base(overlay.parent)
    overlay.write_text(f"extends: {base}\nbackend:\n  bucket: {BUCKET}\n", encoding="utf-8")
    out = project / "out" / "dev-shared"
    other_cwd = tmp_path / "elsewhere"  # the commands work from any directory
    other_cwd.mkdir()

    # 1. bootstrap-state renders the bucket module; apply it (moto) with the test harness.
    start = time.monotonic()
    # (run from tmp_path: bootstrap-state writes only under the current directory)
    result = _tfgen(["bootstrap-state", str(overlay), "--out", str(tmp_path / "boot")], env,
                    tmp_path)
    assert result.returncode == 0, result.stderr
    boot = prepare_workdir(tmp_path / "boot", tmp_path / "boot-run", moto_endpoint)
    tf = Terraform(terraform_bin, boot, tf_env, timeout=600)
    tf.init()
    tf.plan(boot / "boot.tfplan")
    tf.apply(boot / "boot.tfplan")
    s3 = _s3(moto_endpoint)
    assert s3.get_bucket_versioning(Bucket=BUCKET)["Status"] == "Enabled"
    policy = json.loads(s3.get_bucket_policy(Bucket=BUCKET)["Policy"])
    assert policy["Statement"][0]["Condition"]["Bool"]["aws:SecureTransport"] == "false"
    # moto enforces it: this emulator speaks plain HTTP, so the bucket refuses everyone.
    from botocore.exceptions import ClientError  # type: ignore[import-untyped]

    with pytest.raises(ClientError, match=r"Forbidden|AccessDenied"):
        s3.head_object(Bucket=BUCKET, Key="probe")
    s3.delete_bucket_policy(Bucket=BUCKET)  # rehearsal only: let plain-HTTP state in
    timings["bootstrap"] = time.monotonic() - start

    start = time.monotonic()
    result = _tfgen(["plan", str(overlay), "--emulator", moto_endpoint], env, other_cwd)
    timings["plan"] = time.monotonic() - start
    assert result.returncode == 0, result.stderr + result.stdout
    assert "Saved plan:" in result.stdout
    assert "No applied snapshot yet" in result.stdout  # first plan: reviewed against nothing
    assert (out / "backend.tf").is_file() and not (out / OVERRIDE_FILE).exists()
    record = json.loads((out / ".tfgen" / "plan" / "plan.json").read_text())
    planned = {c["address"] for c in record["changes"] if c["action"] == "create"}
    assert "module.database.aws_db_instance.this[0]" in planned

    # 2. Refusals: hand edit; plan older than the rendered files. Nothing is applied.
    main_tf = out / "main.tf"
    original = main_tf.read_text()
    main_tf.write_text(original + "\n# quick fix\n")
    result = _tfgen(["apply", str(overlay), "--auto-approve"], env, other_cwd)
    assert result.returncode == 2 and "edited by hand" in result.stderr, result.stderr
    main_tf.write_text(original)
    plan_time = (out / ".tfgen" / "plan" / "tfplan").stat().st_mtime
    os.utime(main_tf, (plan_time + 60, plan_time + 60))
    result = _tfgen(["apply", str(overlay), "--auto-approve"], env, other_cwd)
    assert result.returncode == 2 and "older than the rendered files" in result.stderr
    os.utime(main_tf, (plan_time - 60, plan_time - 60))
    assert STATE_KEY not in _keys(moto_endpoint)

    # 3. Apply A; while it holds the S3 lock file, apply B is refused; A completes.
    start = time.monotonic()
    first = subprocess.Popen([*CLI, "apply", str(overlay), "--auto-approve"], env=env,
                             cwd=other_cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    deadline = time.monotonic() + 120
    while f"{STATE_KEY}.tflock" not in _keys(moto_endpoint):
        assert first.poll() is None, first.communicate()
        assert time.monotonic() < deadline, "apply A never took the S3 lock"
        time.sleep(0.5)
    # In the same output directory tfgen's own lock refuses first (issue 10)...
    same = _tfgen(["apply", str(overlay), "--auto-approve"], env, other_cwd)
    assert same.returncode != 0 and "another tfgen command is writing" in same.stderr
    # ...a teammate's checkout (another output directory, the same S3 state) meets
    # Terraform's state lock.
    teammate = tmp_path / "teammate"  # same depth as project: the `extends:` path holds
    shutil.copytree(project / "blueprints", teammate / "blueprints")
    second = _tfgen(["plan", str(teammate / "blueprints" / "dev-shared.yaml"), "--emulator",
                     moto_endpoint], env, other_cwd)
    assert second.returncode != 0
    assert "state is locked" in second.stderr and "Nothing was changed" in second.stderr
    assert first.poll() is None, "the lock test needs apply A still running"
    stdout, stderr = first.communicate(timeout=900)
    timings["apply"] = time.monotonic() - start
    assert first.returncode == 0, stderr[-3000:]
    assert "Apply complete!" in stdout  # terraform's own output came through
    keys = _keys(moto_endpoint)
    assert STATE_KEY in keys and f"{STATE_KEY}.tflock" not in keys
    assert planned <= _managed(_state(moto_endpoint))
    assert not (out / OVERRIDE_FILE).exists()
    assert (out / ".tfgen" / "applied" / "blueprint.json").is_file()

    # 4. The same environment at multi-az: the database changes in place, nothing else.
    start = time.monotonic()
    result = _tfgen(["plan", str(overlay), "--stage", "multi-az", "--emulator",
                     moto_endpoint, "--format", "json"], env, other_cwd)
    timings["plan_multi_az"] = time.monotonic() - start
    assert result.returncode == 0, result.stderr
    planned_multi_az = json.loads(result.stdout)
    changes = {c["address"]: c["action"] for c in planned_multi_az["changes"]}
    assert changes.get("module.database.aws_db_instance.this[0]") == "update", changes
    assert set(changes.values()) == {"update"}, changes
    # The review: applied snapshot (aws) -> multi-az, checked against the real plan.
    review = planned_multi_az["review"]
    assert planned_multi_az["first_apply"] is False and review is not None
    assert {"path": "stage", "old": "aws", "new": "multi-az"} in review["blueprint_changes"]
    db = [r for r in review["resources"]
          if r["address"] == "module.database.aws_db_instance.this[0]"]
    assert db and db[0]["action"] == "change" and db[0]["plan"] == "confirmed", review
    print("multi-az review vs plan:", review["plan"])

    # 5. Out/ re-rendered after that plan: apply refuses, the plan is not what out/ holds.
    result = _tfgen(["render", str(overlay), "--stage", "aws"], env, project)
    assert result.returncode == 0, result.stderr
    result = _tfgen(["apply", str(overlay), "--auto-approve"], env, other_cwd)
    assert result.returncode == 2 and "changed after the saved plan" in result.stderr

    # 6. Destroy (dev: no deletion protection; no typed confirmation needed for "dev").
    start = time.monotonic()
    result = _tfgen(["destroy", str(overlay), "--auto-approve", "--emulator", moto_endpoint],
                    env, other_cwd)
    timings["destroy"] = time.monotonic() - start
    assert result.returncode == 0, result.stderr[-3000:]
    assert _managed(_state(moto_endpoint)) == set()
    print("timings (s):", {k: round(v, 1) for k, v in timings.items()})


def test_prod_destroy_needs_the_typed_name(tmp_path: Path) -> None:
    """Nothing runs terraform here: the confirmation refuses first."""
    overlay = tmp_path / "blueprints" / "prod-open.yaml"
    overlay.parent.mkdir(parents=True)
    base = example_base(overlay.parent, "envs/prod.yaml")
    overlay.write_text(f"extends: {base}\ndeletion_protection: false\n", encoding="utf-8")
    out = tmp_path / "out"
    assert _tfgen(["render", str(overlay), "--out", str(out)], dict(os.environ),
                  tmp_path).returncode == 0
    env = {**os.environ, "TFGEN_TERRAFORM": "/nonexistent/terraform"}
    result = subprocess.run([*CLI, "destroy", str(overlay), "--out", str(out),
                             "--auto-approve"], env=env, input="prd\n", capture_output=True,
                            text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "Type the environment name (prod)" in result.stdout + result.stderr
    assert "nothing was destroyed" in result.stderr


# --- fast tests with a stand-in terraform: exit codes and Ctrl-C, no provider needed -----

FAKE_TERRAFORM = """\
#!{python}
import json, os, signal, sys, time
args = sys.argv[1:]
if args[0] == "plan":
    out = next(a for a in args if a.startswith("-out="))[5:]
    open(out, "w").write("fake plan")
    print("Plan: 1 to add", flush=True)
    sys.exit(2)
if args[0] == "show":  # $FAKE_CHANGES: address=action,... (default: the VPC is created)
    # the no-op re-plan (tfgen.deploy.replan) plans $FAKE_NOOP_CHANGES; $FAKE_PROTECTED: addresses
    # whose deletion protection is on
    noop = any(a.endswith("noop.tfplan") for a in args)
    pairs = os.environ.get("FAKE_NOOP_CHANGES", "") if noop else \
        os.environ.get("FAKE_CHANGES", "module.network.aws_vpc.this=create")
    protected = os.environ.get("FAKE_PROTECTED", "").split(",")
    changes = [dict(address=a, mode="managed", type=a.split("[")[0].split(".")[-2],
                    change=dict(actions=act.split("+"),
                                before=dict(deletion_protection=a in protected)))
               for a, act in (p.rsplit("=", 1) for p in pairs.split(",") if p)]
    print(json.dumps(dict(format_version="1.2", resource_changes=changes)))
    sys.exit(0)
if args[0] == "apply" and "{mode}" == "ok":
    print("Apply complete! Resources: 1 added, 0 changed, 0 destroyed.", flush=True)
    sys.exit(0)
if args[0] == "apply":
    def stop(signum, frame):
        print("Interrupt received. Gracefully shutting down...", flush=True)
        time.sleep(0.3)
        print("Releasing state lock. This may take a few moments...", flush=True)
        sys.exit(1)
    signal.signal(signal.SIGINT, stop)
    print("applying", flush=True)
    if "{mode}" == "fail":
        print("Error: something broke", file=sys.stderr, flush=True)
        sys.exit(7)
    time.sleep(30)
    sys.exit(0)
print("ok", flush=True)
"""


def _creates_everything(blueprint: Path) -> str:
    """$FAKE_CHANGES for a first plan that creates exactly what the blueprint renders."""
    rendered = render_blueprint(blueprint)
    return ",".join(f"{a}=create" for a in sorted(inventory(rendered.context)))


def _fake(tmp_path: Path, mode: str) -> dict[str, str]:
    """A stand-in terraform whose first plan creates the whole dev environment."""
    fake = tmp_path / "terraform"
    fake.write_text(FAKE_TERRAFORM.format(python=sys.executable, mode=mode), encoding="utf-8")
    fake.chmod(0o755)
    return {**os.environ, "TFGEN_TERRAFORM": str(fake),
            "FAKE_CHANGES": _creates_everything(REPO / "blueprints" / "envs" / "dev.yaml")}


def _planned_dev(tmp_path: Path, env: dict[str, str]) -> list[str]:
    out = tmp_path / "out"
    args = [str(REPO / "blueprints" / "envs" / "dev.yaml"), "--out", str(out)]
    result = _tfgen(["plan", *args], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "module.network.aws_vpc.this" in result.stdout
    return args


def test_apply_exits_with_terraforms_exit_code(tmp_path: Path) -> None:
    env = _fake(tmp_path, "fail")
    args = _planned_dev(tmp_path, env)
    result = _tfgen(["apply", *args, "--auto-approve"], env, tmp_path)
    assert result.returncode == 7, result.stderr
    assert "applying" in result.stdout and "exit code 7" in result.stderr
    assert (tmp_path / "out" / ".tfgen" / "plan" / "tfplan").is_file()  # kept for a retry


def test_apply_asks_and_no_means_nothing_runs(tmp_path: Path) -> None:
    env = _fake(tmp_path, "fail")
    args = _planned_dev(tmp_path, env)
    result = subprocess.run([*CLI, "apply", *args], env=env, cwd=tmp_path, input="n\n",
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 1 and "nothing was applied" in result.stderr
    assert "applying" not in result.stdout


def test_ctrl_c_is_forwarded_and_terraform_stops_gracefully(tmp_path: Path) -> None:
    env = _fake(tmp_path, "slow")
    args = _planned_dev(tmp_path, env)
    proc = subprocess.Popen([*CLI, "apply", *args, "--auto-approve"], env=env, cwd=tmp_path,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=interruptible)  # three runs from `&` lost it
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("applying"):
            break
    proc.send_signal(signal.SIGINT)
    # Longer than the stand-in's own 30 s apply: a lost signal then shows as a missing
    # graceful shutdown below, not as a timeout a loaded CI machine can also cause (a run
    # with the suite and more on 2 CPUs timed out at 20 s; alone it takes 8 s).
    stdout, stderr = proc.communicate(timeout=60)
    assert "Gracefully shutting down" in stdout and "Releasing state lock" in stdout
    assert proc.returncode == 1, stderr  # terraform's exit code
    assert "stopped gracefully" in stderr


# --- the plan as a blueprint diff review (stand-in terraform) ------------------------------

DB = "module.database.aws_db_instance.this[0]"


def _overlay(tmp_path: Path, extra: str = "") -> Path:
    overlay = tmp_path / "blueprints" / "dev-review.yaml"
    overlay.parent.mkdir(parents=True, exist_ok=True)
    base = example_base(overlay.parent)
    overlay.write_text(f"extends: {base}\n{extra}", encoding="utf-8")
    return overlay


def _plan_json(args: list[str], env: dict[str, str], cwd: Path) -> dict[str, Any]:
    result = _tfgen(["plan", *args, "--format", "json"], env, cwd)
    assert result.returncode == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_first_plan_has_no_snapshot_and_is_reviewed_against_nothing(tmp_path: Path) -> None:
    env = _fake(tmp_path, "ok")
    args = [str(_overlay(tmp_path)), "--out", str(tmp_path / "out")]
    result = _tfgen(["plan", *args], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "No applied snapshot yet" in result.stdout
    assert "nothing applied yet (stage aws) → " in result.stdout
    assert "+ module.network.aws_vpc.this  (added) [plan: confirmed]" in result.stdout
    assert "Saved plan:" in result.stdout
    # the cost of a first apply: everything is new, nothing applied costs nothing
    assert "Monthly cost (estimate)\n  $0.00 → $" in result.stdout
    data = _plan_json(args, env, tmp_path)
    review = data["review"]
    assert review["cost"]["before"]["total"] == 0
    assert review["cost"]["delta"] == review["cost"]["after"]["total"] > 0
    assert data["first_apply"] is True and review["old"]["resources"] == 0
    assert review["summary"]["add"] == review["new"]["resources"] > 40
    assert {r["action"] for r in review["resources"]} == {"add"}
    assert review["plan"]["confirmed"] == review["summary"]["add"]  # the stand-in creates all
    assert review["plan"]["not_in_plan"] == 0 and review["plan"]["exact"] is True
    assert review["blueprint_changes"] == []
    # a plan that creates only the VPC: every other prediction is "not in plan": exit 4
    env["FAKE_CHANGES"] = "module.network.aws_vpc.this=create"
    result = _tfgen(["plan", *args, "--format", "json"], env, tmp_path)
    assert result.returncode == EXIT_MISMATCH, result.stderr
    data = json.loads(result.stdout)
    assert data["review_matches_plan"] is False and data["exit_code"] == EXIT_MISMATCH
    assert data["review"]["plan"]["confirmed"] == 1
    assert data["review"]["plan"]["unexpected"] == review["summary"]["add"] - 1
    assert not (tmp_path / "out" / ".tfgen" / "applied").exists()


def test_apply_records_what_was_applied(tmp_path: Path) -> None:
    env = _fake(tmp_path, "ok")
    out = tmp_path / "out"
    args = [str(_overlay(tmp_path)), "--out", str(out)]
    assert _tfgen(["plan", *args], env, tmp_path).returncode == 0
    result = _tfgen(["apply", *args, "--auto-approve"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    snapshot = json.loads((out / ".tfgen" / "applied" / "blueprint.json").read_text())
    assert snapshot["stage"] == "aws" and snapshot["source"].endswith("dev-review.yaml")
    assert snapshot["blueprint"]["database"]["instance_class"] == "db.t3.micro"  # merged
    assert snapshot["blueprint"]["environment"] == "dev"
    record = json.loads((out / ".tfgen" / "plan" / "plan.json").read_text())
    assert snapshot["fingerprint"] == record["fingerprint"] and snapshot["applied"]
    assert (out / ".tfgen" / ".gitignore").read_text() == "*\n"
    # destroy: nothing is deployed any more, so the snapshot goes
    result = _tfgen(["destroy", *args, "--auto-approve"], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert not (out / ".tfgen" / "applied" / "blueprint.json").exists()


def test_failed_apply_keeps_the_previous_snapshot(tmp_path: Path) -> None:
    out = tmp_path / "out"
    overlay = _overlay(tmp_path)
    args = [str(overlay), "--out", str(out)]
    ok = _fake(tmp_path, "ok")
    assert _tfgen(["plan", *args], ok, tmp_path).returncode == 0
    assert _tfgen(["apply", *args, "--auto-approve"], ok, tmp_path).returncode == 0
    applied = (out / ".tfgen" / "applied" / "blueprint.json").read_text()
    _overlay(tmp_path, "database:\n  instance_class: db.t3.small\n")
    fail = _fake(tmp_path, "fail")
    fail["FAKE_CHANGES"] = f"{DB}=update"
    assert _tfgen(["plan", *args], fail, tmp_path).returncode == 0
    assert _tfgen(["apply", *args, "--auto-approve"], fail, tmp_path).returncode == 7
    assert (out / ".tfgen" / "applied" / "blueprint.json").read_text() == applied


def test_plan_after_a_blueprint_change_reviews_it_against_the_plan(tmp_path: Path) -> None:
    out = tmp_path / "out"
    overlay = _overlay(tmp_path)
    args = [str(overlay), "--out", str(out)]
    env = _fake(tmp_path, "ok")
    assert _tfgen(["plan", *args], env, tmp_path).returncode == 0
    assert _tfgen(["apply", *args, "--auto-approve"], env, tmp_path).returncode == 0
    _overlay(tmp_path, "database:\n  instance_class: db.t3.small\n")
    # Terraform's plan: the database in place, plus a change the prediction cannot know.
    env["FAKE_CHANGES"] = f"{DB}=update,module.network.aws_eip.nat[0]=delete+create"
    result = _tfgen(["plan", *args], env, tmp_path)
    assert result.returncode == EXIT_MISMATCH, result.stderr  # the EIP was not predicted
    text = result.stdout
    assert "No applied snapshot" not in text
    assert "applied blueprints/dev-review.yaml (stage aws) → blueprints/dev-review.yaml" in text
    assert 'database.instance_class: "db.t3.micro" → "db.t3.small"' in text
    assert f"~ {DB}  (changed in place) [plan: confirmed]" in text
    assert 'instance_class: "db.t3.micro" → "db.t3.small"' in text
    assert "missed: -/+ module.network.aws_eip.nat[0] (replaced)" in text
    assert "Terraform: Plan: 0 to create, 1 to update, 1 to replace, 0 to delete." in text

    result = _tfgen(["plan", *args, "--format", "json"], env, tmp_path)
    assert result.returncode == EXIT_MISMATCH, result.stderr
    review = json.loads(result.stdout)["review"]
    assert review["blueprint_changes"] == [{"path": "database.instance_class",
                                            "old": "db.t3.micro", "new": "db.t3.small"}]
    assert [(r["address"], r["action"], r.get("plan")) for r in review["resources"]] == \
        [(DB, "change", "confirmed")]
    plan = review["plan"]
    assert (plan["confirmed"], plan["differs"], plan["not_in_plan"]) == (1, 0, 0)
    assert plan["missed"] == [{"address": "module.network.aws_eip.nat[0]", "action": "replace"}]
    assert plan["noise"]["count"] == 0 and plan["exact"] is False
    assert any(r["kind"] == "disruption" and r["subject"] == DB for r in review["risks"])

    result = _tfgen(["plan", *args, "--format", "markdown"], env, tmp_path)
    assert result.returncode == EXIT_MISMATCH, result.stderr
    assert result.stdout.startswith("### tfgen diff: applied blueprints/dev-review.yaml")
    assert "Against the plan: 1 confirmed" in result.stdout
    assert "Saved plan:" in result.stderr and "Saved plan:" not in result.stdout


def test_an_unusable_snapshot_falls_back_to_terraforms_summary(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [str(_overlay(tmp_path)), "--out", str(out)]
    env = _fake(tmp_path, "ok")
    assert _tfgen(["plan", *args], env, tmp_path).returncode == 0
    assert _tfgen(["apply", *args, "--auto-approve"], env, tmp_path).returncode == 0
    snapshot = out / ".tfgen" / "applied" / "blueprint.json"
    data = json.loads(snapshot.read_text())
    data["blueprint"]["database"]["instance_class"] = 42  # not a valid blueprint any more
    snapshot.write_text(json.dumps(data))
    env["FAKE_CHANGES"] = "module.network.aws_vpc.this=create"
    result = _tfgen(["plan", *args], env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no blueprint review: the applied snapshot" in result.stdout
    assert "+ module.network.aws_vpc.this" in result.stdout
    assert "Plan: 1 to create, 0 to update, 0 to replace, 0 to delete." in result.stdout


# --- consent for stateful destroys and the no-op re-plan, through click's runner ----------

BUCKET_ADDRESS = "module.static_site.aws_s3_bucket.this"


def _cli(args: list[str], env: dict[str, str]) -> Any:
    from click.testing import CliRunner

    from tfgen.cli import main

    return CliRunner(env=env).invoke(main, args, catch_exceptions=False)


def test_stateful_destroy_needs_consent_recorded_and_rechecked(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [str(_overlay(tmp_path)), "--out", str(out)]
    env = _fake(tmp_path, "ok")
    assert _cli(["plan", *args], env).exit_code == 0
    assert _cli(["apply", *args, "--auto-approve"], env).exit_code == 0
    # Terraform (unpredicted by an unchanged blueprint) wants to destroy the bucket
    env["FAKE_CHANGES"] = f"{BUCKET_ADDRESS}=delete"
    result = _cli(["plan", *args], env)
    assert result.exit_code == EXIT_CONSENT, result.output
    assert f"--allow-destroy '{BUCKET_ADDRESS}'" in result.output
    assert "Saved for review only" in result.output
    record = json.loads((out / ".tfgen" / "plan" / "plan.json").read_text())
    assert record["applicable"] is False and record["allowed_destroys"] == []
    assert record["stateful_destroys"][0]["address"] == BUCKET_ADDRESS
    refused = _cli(["apply", *args, "--auto-approve"], env)
    assert refused.exit_code == EXIT_CONSENT and "Nothing was applied" in refused.output
    typo = _cli(["plan", *args, "--allow-destroy", BUCKET_ADDRESS, "--allow-destroy", "module.x.y"],
                env)
    assert typo.exit_code == EXIT_INVALID and "does not destroy" in typo.output
    result = _cli(["plan", *args, "--allow-destroy", BUCKET_ADDRESS, "--format", "json"], env)
    data = json.loads(result.stdout)
    assert data["consent"]["applicable"] is True and data["allowed_destroys"] == [BUCKET_ADDRESS]
    assert data["exit_code"] == result.exit_code == EXIT_MISMATCH  # not predicted: loud
    assert _cli(["apply", *args, "--auto-approve"], env).exit_code == 0
    # protected: consent is not enough
    env["FAKE_PROTECTED"] = BUCKET_ADDRESS
    result = _cli(["plan", *args, "--allow-destroy", BUCKET_ADDRESS], env)
    assert result.exit_code == EXIT_CONSENT and "deletion_protection: false" in result.output


def test_noise_in_the_noop_replan_is_named_and_exits_zero(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = [str(_overlay(tmp_path)), "--out", str(out)]
    env = _fake(tmp_path, "ok")
    assert _cli(["plan", *args], env).exit_code == 0
    assert _cli(["apply", *args, "--auto-approve"], env).exit_code == 0
    noise = ",".join(f"module.security.aws_security_group.this[{i}]=update" for i in range(2))
    env.update(FAKE_CHANGES=noise, FAKE_NOOP_CHANGES=noise)
    result = _cli(["plan", *args, "--emulator", "http://127.0.0.1:9"], env)
    assert result.exit_code == 0, result.output
    assert ("2 changes also appear in a no-op re-plan: emulator read-back, not caused by "
            "this step") in result.output
    assert "0 missed" in result.output
    data = json.loads(_cli(["plan", *args, "--format", "json"], env).stdout)
    assert data["review"]["plan"]["noise"]["source"] == "drift"
    assert data["review_matches_plan"] is True and data["exit_code"] == 0
