"""Ctrl-C reaches Terraform whenever it comes, and whichever thread the kernel picks.

A process-directed signal goes to any thread that does not block it. tfgen reads
Terraform's output in two threads while the main thread waits for Terraform; when the
main thread waited in a blocking waitpid and SIGINT landed on a reader thread, Python ran
its handler only after Terraform had finished by itself, so Ctrl-C was lost (two full
CI runs failed this way). The reader threads now block SIGINT/SIGTERM/SIGHUP, and the
signals are held while they start: one that came then escaped the forwarding handler
and left Terraform running (a third CI run).
"""

from __future__ import annotations

import os
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


def test_sigint_sent_from_a_reader_thread_is_forwarded(tmp_path: Path) -> None:
    binary = _stand_in(tmp_path, 30)
    lines: list[str] = []

    def on_line(line: str) -> None:  # runs in a reader thread, which blocks SIGINT
        lines.append(line)
        if line == "applying":
            os.kill(os.getpid(), signal.SIGINT)  # process-directed, as a terminal's

    start = time.monotonic()
    with pytest.raises(TerraformInterrupted):
        Terraform(binary, tmp_path).run(["apply"], stream=True, on_line=on_line)
    assert time.monotonic() - start < 20  # not the stand-in's 30 s
    assert "Interrupt received. Gracefully shutting down..." in lines


def test_sigint_while_the_readers_start_is_forwarded(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Ctrl-C after Terraform started and before tfgen waited for it: the KeyboardInterrupt
    # escaped the forwarding handler, tfgen exited and Terraform (in its own session) went
    # on applying. The second reader's start is where it landed.
    binary = _stand_in(tmp_path, 30)
    lines: list[str] = []
    starts: list[threading.Thread] = []
    start = threading.Thread.start

    def start_then_interrupt(thread: threading.Thread) -> None:
        start(thread)
        starts.append(thread)
        if len(starts) == 2:
            deadline = time.monotonic() + 10
            while "applying" not in lines and time.monotonic() < deadline:
                time.sleep(0.01)  # the stand-in's own handler is in place
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(0.2)  # unheld, Python raises KeyboardInterrupt here

    monkeypatch.setattr(threading.Thread, "start", start_then_interrupt)
    began = time.monotonic()
    try:
        with pytest.raises(TerraformInterrupted):
            Terraform(binary, tmp_path).run(["apply"], stream=True, on_line=lines.append)
    except KeyboardInterrupt:  # not pytest's own: it would end the whole session
        pytest.fail("Ctrl-C escaped the handler that forwards it; Terraform kept running")
    monkeypatch.undo()
    assert time.monotonic() - began < 20  # not the stand-in's 30 s
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
