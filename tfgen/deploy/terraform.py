"""A small typed wrapper around the ``terraform`` binary.

Why not ``python-terraform``: unmaintained since 2019, its ``apply()`` passes
``-auto-approve=false`` (Terraform then asks for approval and fails without a TTY) and its
``destroy()`` passes ``-force`` (removed in Terraform 0.15). See
``docs/notes/terraform-runner.md``. This module only builds argument lists, runs them with
:mod:`subprocess` and turns failures into exceptions: it never prints and never exits.
Which binary and which CLI configuration: tfgen/deploy/terraform_env.py.
"""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from tfgen.deploy.terraform_env import ENV_BINARY, TerraformEnv
from tfgen.errors import (
    Terminated,
    TerraformError,
    TerraformFailed,
    TerraformInterrupted,
    TerraformNotFound,
)

__all__ = ["LineCallback", "RunResult", "Terraform", "termination_as_interrupt"]

STDERR_TAIL_LINES = 40

LineCallback = Callable[[str], None]
"""Receives each output line (no trailing newline) of a streaming command, as it comes."""

#: Signals that stop tfgen the way Ctrl-C does: forwarded to Terraform as one SIGINT.
TERMINATING = (signal.SIGTERM, signal.SIGHUP)


def _raise_terminated(signum: int, _frame: object) -> None:
    raise Terminated(signal.Signals(signum).name)


@contextlib.contextmanager
def termination_as_interrupt() -> Iterator[None]:
    """Within the block, SIGTERM/SIGHUP raise :class:`Terminated` instead of killing tfgen.

    So `finally` blocks run (the emulator override is removed) and a running Terraform
    is stopped gracefully instead of dying later of SIGPIPE mid-apply. Only the main
    thread can install handlers; elsewhere this does nothing. A signal tfgen was started
    with ignored stays ignored: `nohup tfgen apply` must survive the hangup it asked to
    survive (the convention shells keep for traps, and Python keeps for SIGINT).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, _raise_terminated) for sig in TERMINATING
                if signal.getsignal(sig) is not signal.SIG_IGN}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@contextlib.contextmanager
def _held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP back while Terraform's reader threads start.

    One arriving after Terraform started but before tfgen waited for it raised
    KeyboardInterrupt outside the handler that forwards it: tfgen exited and left
    Terraform (in its own session, so no terminal's Ctrl-C reaches it) applying with the
    state lock held. A full CI run lost a Ctrl-C this way. Held, the signal is delivered
    when the block ends, inside that handler. The threads started meanwhile keep the
    mask, so the kernel hands later signals to the main thread. POSIX only.
    """
    if not hasattr(signal, "pthread_sigmask"):
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, *TERMINATING})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


#: "No timeout" for `_wait`: long enough never to end a real run.
_FOREVER = 10.0 ** 9


def _wait(proc: subprocess.Popen[str], timeout: float | None = None) -> int:
    """`proc.wait`, polling. Without a timeout Popen blocks in waitpid, and when the kernel
    hands Ctrl-C to one of the reader threads instead of the main thread, waitpid is not
    interrupted: Python runs the handler in the main thread only once waitpid returns,
    after Terraform finished on its own (a full CI run lost Ctrl-C this way). With a
    timeout, Popen sleeps at most 50 ms at a time, and the handler runs after that."""
    return proc.wait(timeout=_FOREVER if timeout is None else timeout)


def _interrupt(proc: subprocess.Popen[str]) -> int:
    """Forward SIGINT and wait for Terraform to finish stopping; a second Ctrl-C (or
    SIGTERM/SIGHUP) is forwarded too (Terraform then stops at once, as in a terminal)."""
    proc.send_signal(signal.SIGINT)
    while True:
        try:
            return _wait(proc)
        except KeyboardInterrupt:
            proc.send_signal(signal.SIGINT)


# --------------------------------------------------------------------------- running


@dataclass(frozen=True)
class RunResult:
    """What one terraform invocation returned."""

    command: list[str]
    exit_code: int
    stdout: str
    stderr: str


def _pump(
    stream: IO[str], sink: list[str], on_line: LineCallback | None, lock: threading.Lock
) -> None:
    """Read one pipe line by line, keeping the text and forwarding lines to the callback."""
    for line in stream:
        sink.append(line)
        if on_line is not None:
            with lock:
                on_line(line.rstrip("\n"))
    stream.close()


def _tail(text: str, lines: int = STDERR_TAIL_LINES) -> str:
    """The last lines of a command's stderr: enough to explain, short enough to show."""
    return "\n".join(text.rstrip().splitlines()[-lines:])


class Terraform:
    """One Terraform working directory driven non-interactively.

    Every command gets ``-no-color`` and, where Terraform accepts it, ``-input=false``
    (``TF_INPUT=0`` covers the rest). Failures raise :class:`TerraformFailed`.
    """

    def __init__(
        self,
        binary: Path,
        workdir: Path,
        env: TerraformEnv | None = None,
        *,
        on_line: LineCallback | None = None,
        timeout: float | None = None,
    ) -> None:
        self.binary = Path(binary)
        self.workdir = Path(workdir)
        self.env = env or TerraformEnv.user()
        self.on_line = on_line
        self.timeout = timeout

    def run(
        self,
        args: Sequence[str],
        *,
        stream: bool = False,
        ok_codes: Iterable[int] = (0,),
        on_line: LineCallback | None = None,
    ) -> RunResult:
        """Run ``terraform ARGS`` in the working directory; raise unless the exit code is ok.

        ``stream`` forwards stdout and stderr lines to ``on_line`` (or the instance's
        callback) while the command runs; JSON-producing calls do not stream.
        """
        with termination_as_interrupt():
            return self._run(args, stream=stream, ok_codes=ok_codes, on_line=on_line)

    def _run(
        self,
        args: Sequence[str],
        *,
        stream: bool,
        ok_codes: Iterable[int],
        on_line: LineCallback | None,
    ) -> RunResult:
        command = [str(self.binary), *args]
        callback = (on_line or self.on_line) if stream else None
        try:
            proc = subprocess.Popen(
                command,
                cwd=self.workdir,
                env=self.env.environ(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                encoding="utf-8",
                errors="replace",
                # Ctrl-C reaches tfgen only; it forwards exactly one SIGINT (see below).
                start_new_session=True,
            )
        except OSError as exc:
            raise TerraformNotFound([f"{self.binary}: {exc}"], ENV_BINARY) from exc
        assert proc.stdout is not None and proc.stderr is not None
        out: list[str] = []
        err: list[str] = []
        lock = threading.Lock()
        readers = [
            threading.Thread(target=_pump, args=(proc.stdout, out, callback, lock), daemon=True),
            threading.Thread(target=_pump, args=(proc.stderr, err, callback, lock), daemon=True),
        ]
        try:
            with _held():  # after Popen: Terraform must not inherit the mask
                for reader in readers:
                    reader.start()
            code = _wait(proc, self.timeout)
        except subprocess.TimeoutExpired as exc:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            for reader in readers:
                reader.join()
            raise TerraformFailed(
                command, -1, f"timed out after {self.timeout}s\n{_tail(''.join(err))}"
            ) from exc
        except KeyboardInterrupt:
            code = _interrupt(proc)
            for reader in readers:
                reader.join()
            raise TerraformInterrupted(command, code, _tail("".join(err))) from None
        except BaseException:
            proc.kill()
            proc.wait()
            raise
        for reader in readers:
            reader.join()
        result = RunResult(command, code, "".join(out), "".join(err))
        if code not in tuple(ok_codes):
            raise TerraformFailed(command, code, _tail(result.stderr or result.stdout))
        return result

    def _json(self, args: Sequence[str]) -> Any:
        """Run a ``-json`` command and parse its stdout."""
        result = self.run(args)
        try:
            return json.loads(result.stdout)
        except json.JSONDecodeError as exc:
            raise TerraformFailed(
                result.command, result.exit_code, f"output is not JSON: {exc}"
            ) from exc

    def version(self) -> str:
        """The Terraform version, e.g. ``1.11.4``."""
        data = self._json(["version", "-json"])
        return str(data["terraform_version"])

    def init(self, backend: bool = True, *, upgrade: bool = False) -> None:
        """``terraform init``; ``backend=False`` for validation without remote state."""
        args = ["init", "-input=false", "-no-color", f"-backend={'true' if backend else 'false'}"]
        if upgrade:
            args.append("-upgrade")
        self.run(args, stream=True)

    def validate(self) -> dict[str, Any]:
        """``terraform validate -json``; an invalid configuration is data, not an exception.

        Exit code 1 with a JSON body means "invalid" (the diagnostics are in the dict);
        anything else non-zero raises.
        """
        result = self.run(["validate", "-json", "-no-color"], ok_codes=(0, 1))
        try:
            data: dict[str, Any] = json.loads(result.stdout)
        except json.JSONDecodeError as exc:
            raise TerraformFailed(result.command, result.exit_code, _tail(result.stderr)) from exc
        return data

    def fmt_check(self, recursive: bool = True) -> list[str]:
        """Files ``terraform fmt`` would rewrite (relative to the working directory)."""
        args = ["fmt", "-check", "-list=true", "-no-color"]
        if recursive:
            args.append("-recursive")
        result = self.run(args, ok_codes=(0, 3))
        return [line.strip() for line in result.stdout.splitlines() if line.strip()]

    def plan(
        self,
        out: Path,
        vars: Mapping[str, str] | None = None,
        *,
        var_files: Sequence[Path] = (),
        destroy: bool = False,
    ) -> bool:
        """``terraform plan -out``; returns whether the plan has changes.

        Uses ``-detailed-exitcode`` (2 = changes) so callers need not parse output.
        """
        args = ["plan", "-input=false", "-no-color", "-detailed-exitcode", f"-out={out}"]
        if destroy:
            args.append("-destroy")
        args += [f"-var-file={path}" for path in var_files]
        args += [f"-var={key}={value}" for key, value in (vars or {}).items()]
        result = self.run(args, stream=True, ok_codes=(0, 2))
        return result.exit_code == 2

    def show_json(self, plan: Path | None = None) -> dict[str, Any]:
        """``terraform show -json`` of a saved plan, or of the state when ``plan`` is None."""
        args = ["show", "-json", "-no-color"]
        if plan is not None:
            args.append(str(plan))
        data: dict[str, Any] = self._json(args)
        return data

    def apply(self, plan: Path) -> None:
        """Apply a saved plan: Terraform does not ask for approval for a plan file."""
        self.run(["apply", "-input=false", "-no-color", str(plan)], stream=True)

    def destroy(self, auto_approve: bool = False, vars: Mapping[str, str] | None = None) -> None:
        """``terraform destroy``; without ``auto_approve`` it would need a TTY, so refuse."""
        if not auto_approve:
            raise TerraformError(
                "terraform destroy needs auto_approve=True when run non-interactively"
            )
        args = ["destroy", "-input=false", "-no-color", "-auto-approve"]
        args += [f"-var={key}={value}" for key, value in (vars or {}).items()]
        self.run(args, stream=True)

    def output_json(self) -> dict[str, Any]:
        """``terraform output -json``: every root output with value, type and sensitivity."""
        data: dict[str, Any] = self._json(["output", "-json", "-no-color"])
        return data
