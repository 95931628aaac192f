"""Ctrl-C reaches Terraform even when the kernel hands it to a reader thread.

A process-directed signal goes to any thread that does not block it. tfgen reads
Terraform's output in two threads while the main thread waits for Terraform; when the
main thread waited in a blocking waitpid and SIGINT landed on a reader thread, Python ran
its handler only after Terraform had finished by itself, so Ctrl-C was lost (two full
CI runs failed this way). Here the signal is sent to a reader thread on purpose.
"""

from __future__ import annotations

import signal
import sys
import threading
import time
from pathlib import Path

import pytest

from tfgen.deploy.terraform import Terraform
from tfgen.errors import TerraformInterrupted

STAND_IN = f"""#!{sys.executable}
import signal, sys, time
def stop(signum, frame):
    print("Interrupt received. Gracefully shutting down...", flush=True)
    sys.exit(1)
signal.signal(signal.SIGINT, stop)
print("applying", flush=True)
time.sleep(30)
"""


def test_sigint_on_a_reader_thread_is_forwarded(tmp_path: Path) -> None:
    binary = tmp_path / "terraform"
    binary.write_text(STAND_IN, encoding="utf-8")
    binary.chmod(0o755)
    lines: list[str] = []

    def on_line(line: str) -> None:  # runs in a reader thread
        lines.append(line)
        if line == "applying":
            signal.pthread_kill(threading.get_ident(), signal.SIGINT)

    start = time.monotonic()
    with pytest.raises(TerraformInterrupted):
        Terraform(binary, tmp_path).run(["apply"], stream=True, on_line=on_line)
    assert time.monotonic() - start < 20  # not the stand-in's 30 s
    assert "Interrupt received. Gracefully shutting down..." in lines
