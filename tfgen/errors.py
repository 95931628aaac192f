"""The exceptions tfgen raises, and the located problem they carry.

One base class (:class:`TfgenError`) so the CLI can catch everything it knows at one
boundary; each subclass names an exit code. The library never prints: an error only
carries what the CLI will say.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_INVALID = 2
EXIT_CHANGES = 3
#: `tfgen plan`: the plan is saved and applicable, but the review did not predict it
#: exactly (missed or unexpected actions beyond the named emulator/drift noise).
EXIT_MISMATCH = 4
#: `tfgen plan` / `apply`: the plan destroys or replaces something stateful or
#: deletion-protected without the matching `--allow-destroy`: it must not be applied.
EXIT_CONSENT = 5


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with an input, with where it is: `FILE:LINE:COL: path: message`."""

    file: str
    line: int
    column: int
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        return f"{where}: {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class TfgenError(Exception):
    """Base of every error tfgen reports to a user (no traceback)."""

    exit_code = EXIT_FAILURE


class InputError(TfgenError):
    """The user's input is wrong (exit 2)."""

    exit_code = EXIT_INVALID


@dataclass
class BlueprintInvalid(InputError):
    """A blueprint failed loading or validation; carries every problem found."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(self.__str__())

    def __str__(self) -> str:
        n = len(self.problems)
        lines = [str(p) for p in sorted(self.problems)]
        lines.append(f"{n} problem{'s' if n != 1 else ''} found; nothing was written.")
        return "\n".join(lines)


class RenderError(TfgenError):
    """A template failed to render: a bug in tfgen or its templates, named precisely."""


class OutputConflict(TfgenError):
    """Writing `out/` would lose something (hand edits, foreign files); nothing was written."""

    exit_code = EXIT_INVALID


class StalePlan(TfgenError):
    """The saved plan no longer matches out/ (or there is none): plan again, then apply."""

    exit_code = EXIT_INVALID


class Declined(TfgenError):
    """The user did not confirm; nothing was changed."""


class ApplyFailed(TfgenError):
    """A Terraform step of plan/apply/destroy failed; tfgen exits with Terraform's code.

    `returncode` is Terraform's exit code; `exit_code` is the same (1 when Terraform
    gave none), so the CLI's one boundary needs no special case.
    """

    def __init__(self, message: str, returncode: int) -> None:
        super().__init__(message)
        self.returncode = returncode
        self.exit_code = returncode or EXIT_FAILURE


class ConsentNeeded(TfgenError):
    """A plan destroys stateful or protected resources without matching consent (exit 5)."""

    exit_code = EXIT_CONSENT


class GitError(TfgenError):
    """git failed or the revision is unknown (exit 2: the input named something wrong)."""

    exit_code = EXIT_INVALID


class GraphvizError(TfgenError):
    """graphviz's `dot` is missing or failed (exit 1)."""


class MotoFailed(TfgenError):
    """The moto child process did not come up (exit 1)."""


class TerraformError(TfgenError):
    """Base of the errors of running Terraform, so callers can catch them at one place."""


class TerraformNotFound(TerraformError):
    """No terraform binary was found; the message names every place that was searched.

    `env_var`: the environment variable that names the binary (tfgen.deploy.terraform_env).
    """

    def __init__(self, searched: Sequence[str], env_var: str) -> None:
        self.searched = list(searched)
        lines = "\n".join(f"  - {s}" for s in self.searched)
        super().__init__(
            "terraform was not found. Searched:\n"
            f"{lines}\n"
            f"Install Terraform >= 1.5, put it on PATH or set {env_var}=/path/to/terraform."
        )


class TerraformFailed(TerraformError):
    """A terraform command exited non-zero; carries the command, exit code and stderr tail.

    Terraform's exit code is ``returncode``: ``exit_code`` stays tfgen's own CLI exit code
    (inherited from :class:`TfgenError`).
    """

    def __init__(self, command: Sequence[str], returncode: int, stderr_tail: str) -> None:
        self.command = list(command)
        self.returncode = returncode
        self.stderr_tail = stderr_tail
        shown = " ".join(self.command)
        detail = f":\n{stderr_tail}" if stderr_tail else ""
        super().__init__(f"`{shown}` failed with exit code {returncode}{detail}")


class TerraformInterrupted(TerraformFailed):
    """Ctrl-C: Terraform was asked to stop (one SIGINT), stopped gracefully, released its lock.

    tfgen exits with Terraform's exit code (1 when it gave none); the CLI says it was an
    interruption rather than a failure.
    """

    def __init__(self, command: Sequence[str], returncode: int, stderr_tail: str) -> None:
        super().__init__(command, returncode, stderr_tail)
        self.exit_code = returncode or EXIT_FAILURE


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP (a CI cancel, a closed terminal), handled exactly like Ctrl-C.

    Not a TfgenError on purpose: it must unwind exactly as Ctrl-C does (tfgen.deploy.terraform).
    """
