"""`tfgen plan --emulator moto`: tfgen starts moto itself, plans against it, stops it.

Through the real CLI in a child process, with the real terraform and provider (mirror).
The blueprint has a domain, so the plan's hosted-zone lookup proves moto was started with
the zone created; stage `aws` keeps the plan small. A second test sends SIGTERM while
moto runs and checks it is stopped with tfgen.
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers import example_data, write_blueprint
from tfgen.deploy.terraform_env import TerraformEnv

pytestmark = pytest.mark.integration

CLI = [sys.executable, "-c", "from tfgen.cli import run; run()"]
SERVING = re.compile(r"moto is serving at http://127\.0\.0\.1:(\d+)")


def _env(tf_env: TerraformEnv, terraform_bin: Path) -> dict[str, str]:
    assert tf_env.cli_config_file is not None
    return {**os.environ, "TF_CLI_CONFIG_FILE": str(tf_env.cli_config_file),
            "TFGEN_TERRAFORM": str(terraform_bin), **tf_env.extra}


def _closed(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex(("127.0.0.1", port)) != 0


def _blueprint(tmp_path: Path) -> Path:
    data = example_data()
    data["stage"] = "aws"
    assert data["dns"]["zone"] == "example.com"
    return write_blueprint(tmp_path, data, "mall.yaml")


def test_plan_with_the_word_moto_starts_and_stops_moto(
        tmp_path: Path, tf_env: TerraformEnv, terraform_bin: Path) -> None:
    started = time.monotonic()
    done = subprocess.run([*CLI, "plan", str(_blueprint(tmp_path)), "--out",
                           str(tmp_path / "out"), "--emulator", "moto"],
                          env=_env(tf_env, terraform_bin), cwd=tmp_path, capture_output=True,
                          text=True, timeout=300, check=False)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "starting moto on a free 127.0.0.1 port (hosted zones: example.com)" in output
    port = int(SERVING.search(output).group(1))  # type: ignore[union-attr]
    assert "moto stopped" in output and _closed(port)
    assert re.search(r"Plan: \d+ to create", output) or "to add" in output, output
    assert "aws_route53_record" in output  # the zone lookup worked: moto held the zone
    assert "rehearses plan, apply and destroy in one go" in output
    assert not (tmp_path / "out" / "zz_tfgen_emulator_override.tf").exists()
    print(f"plan --emulator moto took {time.monotonic() - started:.0f}s")


def test_sigterm_stops_moto_too(tmp_path: Path, tf_env: TerraformEnv,
                                terraform_bin: Path) -> None:
    proc = subprocess.Popen([*CLI, "plan", str(_blueprint(tmp_path)), "--out",
                             str(tmp_path / "out"), "--emulator", "moto"],
                            env=_env(tf_env, terraform_bin), cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    assert proc.stderr is not None
    port = None
    for line in proc.stderr:
        match = SERVING.search(line)
        if match:
            port = int(match.group(1))
            break
    assert port is not None and not _closed(port)
    proc.send_signal(signal.SIGTERM)
    rest = proc.stderr.read()
    assert proc.wait(timeout=120) != 0, rest
    deadline = time.monotonic() + 30
    while not _closed(port) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert _closed(port), rest
