"""The exceptions tfgen raises, and the located problem they carry.

One base class (:class:`TfgenError`) so the CLI can catch everything it knows at one
boundary; each subclass names an exit code. The library never prints: an error only
carries what the CLI will say.
"""

from __future__ import annotations

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
