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
from collections.abc import Iterator
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


@pytest.fixture(autouse=True)
def interruptible() -> Iterator[None]:
    """Python's own SIGINT handler for the test. A worker started by a shell's background
    job (`make test &`) inherits SIGINT ignored, and Python then installs no handler:
    the signal below would do nothing and the test would wait out the stand-in."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def _stand_in(tmp_path: Path, seconds: int) -> Path:
    binary = tmp_path / "terraform"
    binary.write_text(STAND_IN.replace("time.sleep(30)", f"time.sleep({seconds})"),
                      encoding="utf-8")
    binary.chmod(0o755)
    return binary


def test_sigint_on_a_reader_thread_is_forwarded(tmp_path: Path) -> None:
    binary = _stand_in(tmp_path, 30)
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


def _hang_up_while_applying(binary: Path, tmp_path: Path) -> list[str]:
    lines: list[str] = []

    def on_line(line: str) -> None:
        lines.append(line)
        if line == "applying":
            signal.pthread_kill(threading.main_thread().ident or 0, signal.SIGHUP)

    Terraform(binary, tmp_path).run(["apply"], stream=True, on_line=on_line)
    return lines


def test_a_hangup_stops_terraform_gracefully(tmp_path: Path) -> None:
    previous = signal.signal(signal.SIGHUP, signal.SIG_DFL)
    try:
        with pytest.raises(TerraformInterrupted):
            _hang_up_while_applying(_stand_in(tmp_path, 30), tmp_path)
    finally:
        signal.signal(signal.SIGHUP, previous)


def test_a_hangup_ignored_at_start_stays_ignored(tmp_path: Path) -> None:
    # `nohup tfgen apply`: the apply runs to its end. Before, tfgen installed its own
    # handler over the ignored SIGHUP and stopped Terraform when the terminal closed.
    previous = signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        lines = _hang_up_while_applying(_stand_in(tmp_path, 1), tmp_path)
    finally:
        signal.signal(signal.SIGHUP, previous)
    assert "applying" in lines
    assert "Interrupt received. Gracefully shutting down..." not in lines
