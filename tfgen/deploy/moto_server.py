"""`--emulator moto`: a patched moto server in a child process, for one tfgen command.

Why a child process: moto's backends are per process, so one server per command keeps
rehearsals apart, and the child serves until its stdin closes — when tfgen exits, however
it exits (Ctrl-C, SIGTERM, even SIGKILL), the pipe closes and moto stops with it.

The child (`python -m tfgen.deploy.moto_server [--seed] ZONE...`) fills moto's gaps
(tfgen.deploy.moto_gaps: AWS-managed IAM policies loaded, RDS resource IDs, CloudFront cache
policies, …), pins the hosted zones' IDs, creates them when asked (`--seed`: a blueprint's
`dns.zone` is looked up, not created, by the rendered Terraform), and prints
`MOTO_ENDPOINT <url>` on a free 127.0.0.1 port.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from tfgen.errors import InputError, MotoFailed

WORD = "moto"
INSTALL_HINT = "pip install 'tfgen[emulator]'"
READY = "MOTO_ENDPOINT "



#: How the child starts. -P: the working directory (a cloned, untrusted project) is not
#: on its import path, so a `tfgen/` package planted there is never run.
INTERPRETER_FLAGS = ("-P",)


class MotoProcess:
    """A patched moto server in a child process; `endpoint` is its URL."""

    def __init__(self, log: Path | None = None, zones: tuple[str, ...] = ("example.com",),
                 *, seed: bool = False, cwd: Path | None = None) -> None:
        self._log: IO[str] | None = log.open("a", encoding="utf-8") if log else None
        args = [sys.executable, *INTERPRETER_FLAGS, "-m", "tfgen.deploy.moto_server",
                *(["--seed"] if seed else []), *zones]
        self.proc = subprocess.Popen(args, cwd=cwd, stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE,
                                     stderr=self._log or subprocess.DEVNULL, text=True)
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        if not line.startswith(READY):
            self.stop()
            where = f" (see {log})" if log else ""
            raise MotoFailed(f"moto did not start{where}: {line or 'no output'}")
        self.endpoint = line[len(READY):]

    def stop(self) -> None:
        """Close the child's stdin (it stops serving), wait, kill it if it hangs."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        if self._log is not None:
            self._log.close()


def available() -> bool:
    """Whether moto's server (the `emulator` extra) is installed."""
    return importlib.util.find_spec("moto") is not None and \
        importlib.util.find_spec("flask") is not None


@contextmanager
def running(zones: tuple[str, ...], log: Path | None = None) -> Iterator[str]:
    """A fresh moto for the block, with `zones` created; yields its endpoint URL."""
    if not available():
        raise InputError(f"--emulator {WORD} needs moto's server: {INSTALL_HINT}")
    moto = MotoProcess(log, zones, seed=True)
    try:
        yield moto.endpoint
    finally:
        moto.stop()


def serve(zones: tuple[str, ...], *, seed: bool) -> None:
    """The child: serve a patched moto until stdin closes (see the module docstring)."""
    from moto.server import ThreadedMotoServer

    from tfgen.deploy.moto_gaps import patched_moto, seed_public_zone

    with patched_moto(zones):
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        server.start()
        try:
            host, port = server.get_host_and_port()
            endpoint = f"http://{host}:{port}"
            if seed:
                for zone in zones:
                    seed_public_zone(endpoint, zone)
            sys.stdout.write(f"{READY}{endpoint}\n")
            sys.stdout.flush()
            sys.stdin.read()
        finally:
            server.stop()


if __name__ == "__main__":
    _args = sys.argv[1:]
    serve(tuple(a for a in _args if a != "--seed"), seed="--seed" in _args)
