"""The tiers' default bootstrap (templates/modules/tier/bootstrap.sh.tftpl.j2) really serves
the health check: Terraform renders it (`templatefile`, as the tier module does), bash
runs it as this non-root user in a temp dir on a free port, and the health path answers
200. Without it a stock Amazon Linux 2023 instance listens on nothing and the Auto
Scaling group replaces it forever (issue 11, point 1)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.helpers import EXAMPLE
from tfgen.blueprint.stages import Stage
from tfgen.deploy.terraform_env import find_terraform
from tfgen.project import render_blueprint

TEMPLATE = "modules/tier/bootstrap.sh.tftpl"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _rendered(tmp: Path, port: int, health: str, env: dict[str, str]) -> str:
    """The user data exactly as the tier module's templatefile() produces it."""
    files = render_blueprint(EXAMPLE, stage=Stage.AWS).files
    (tmp / "bootstrap.sh.tftpl").write_text(files[TEMPLATE], encoding="utf-8")
    args = {"tier": "app", "port": port, "health_path": health, "environment": env}
    quoted = json.dumps(json.dumps(args))
    expr = f'base64encode(templatefile("bootstrap.sh.tftpl", jsondecode({quoted})))'
    out = subprocess.run([str(find_terraform()), "console"], input=expr, capture_output=True,
                         text=True, cwd=tmp, check=True).stdout
    return base64.b64decode(out.strip().strip('"')).decode()


def _get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_default_bootstrap_answers_the_health_check(tmp_path: Path) -> None:
    port = _free_port()
    script = _rendered(tmp_path, port, "/health", {"DB_HOST": "db.example.internal"})
    assert script.startswith("#!/bin/bash\n")
    (tmp_path / "user-data.sh").write_text(script, encoding="utf-8")
    root = tmp_path / "root"
    env = {**os.environ, "BOOTSTRAP_ROOT": str(root), "BOOTSTRAP_FOREGROUND": "1"}
    proc = subprocess.Popen(["bash", str(tmp_path / "user-data.sh")], env=env)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                status, body = _get(f"http://127.0.0.1:{port}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, "the bootstrap exited instead of serving"
                assert time.monotonic() < deadline, "nothing listened on the port"
                time.sleep(0.2)
        assert (status, body) == (200, b"ok\n")
        assert _get(f"http://127.0.0.1:{port}/")[0] == 200
        assert _get(f"http://127.0.0.1:{port}/health?probe=1")[0] == 200
        assert _get(f"http://127.0.0.1:{port}/nope")[0] == 404
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    settings = (root / "etc/tfgen/app.env").read_text(encoding="utf-8")
    assert settings == f"PORT={port}\nHEALTH_PATH=/health\nDB_HOST=db.example.internal\n"


def test_default_bootstrap_renders_the_same_bytes_every_time() -> None:
    first = render_blueprint(EXAMPLE, stage=Stage.AWS).files[TEMPLATE]
    second = render_blueprint(EXAMPLE, stage=Stage.CDN).files[TEMPLATE]
    assert first == second
    assert "{{" not in first and "{%" not in first


def test_every_tier_gets_the_bootstrap_unless_it_brings_user_data() -> None:
    main = render_blueprint(EXAMPLE, stage=Stage.AWS).files["modules/tier/main.tf"]
    assert ('var.user_data != null ? var.user_data : '
            'templatefile("${path.module}/bootstrap.sh.tftpl"') in main
    assert "user_data              = base64encode(local.user_data)" in main
