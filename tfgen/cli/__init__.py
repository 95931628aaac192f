"""The `tfgen` command line: parses arguments, calls the library, prints, exits.

This is the only place that prints or chooses exit codes (with the `tfgen.cli.*` modules it
loads): 0 ok, 1 runtime failure, 2 invalid input, 3 changes found (`render --check`,
`diff --exit-code`). Errors the library knows (TfgenError) become one clear message;
anything else is an internal error whose traceback is shown only with `--debug`.

Commands are loaded lazily (issue 13): this module imports only click, so `tfgen
--version` costs little more than starting Python, and `tfgen render` never loads the
plan/apply/diff code. Each command lives in a `tfgen/cli/*.py` module and is listed in
:data:`COMMANDS` with its module, the attribute holding the click command, and the
first sentence of its help (what `tfgen --help` lists without importing anything).

To add a command, write it as a plain `@click.command()` in its own module and add one
entry::

    "tools": LazyCommand("tfgen.cli.tools", "tools",
                         "Show the tools tfgen found and their versions."),

The short help must be the first sentence of the command's docstring (its `short_help`
if it sets one): tests/test_cli_lazy.py checks every entry against the real command.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
from dataclasses import dataclass
from typing import Any

import click

from tfgen import __version__
from tfgen.errors import EXIT_FAILURE, BlueprintInvalid, TerraformInterrupted, TfgenError


@dataclass(frozen=True)
class LazyCommand:
    """Where a command lives, and the help `tfgen --help` shows for it without loading it."""

    module: str
    attribute: str
    short_help: str


#: Every subcommand of `tfgen`, by name. One entry per command; see the module docstring.
COMMANDS: dict[str, LazyCommand] = {
    "affected": LazyCommand("tfgen.cli.multi", "affected_command",
                            "List the blueprints whose rendered Terraform differs from REV: "
                            "what to plan."),
    "apply": LazyCommand("tfgen.cli.apply", "apply",
                         "Apply the saved plan of BLUEPRINT (made and reviewed with `tfgen "
                         "plan`)."),
    "bootstrap-state": LazyCommand("tfgen.cli.blueprint", "bootstrap_state",
                                   "Render the small root module that creates BLUEPRINT's "
                                   "state bucket."),
    "destroy": LazyCommand("tfgen.cli.apply", "destroy",
                           "Destroy everything in BLUEPRINT's state."),
    "diff": LazyCommand("tfgen.cli.diff", "diff",
                        "Explain what changes between two blueprints: resources, risks, cost, "
                        "stage story."),
    "diagram": LazyCommand("tfgen.cli.diagram", "diagram",
                           "Draw the architecture of a blueprint's stage, from the values "
                           "tfgen renders."),
    "explain": LazyCommand("tfgen.cli.blueprint", "explain",
                           "Show the merged value of FIELD (or every field) and the file:line "
                           "it came from."),
    # tfgen.cli.multi's plan takes many blueprints and hands one to tfgen.cli.apply's.
    "plan": LazyCommand("tfgen.cli.multi", "plan",
                        "Render, terraform init + plan, save and review BLUEPRINTS (one or "
                        "many)."),
    "render": LazyCommand("tfgen.cli.render", "render",
                          "Render blueprints into Terraform root modules."),
    "schema": LazyCommand("tfgen.cli.schema", "schema",
                          "Print the blueprint's JSON Schema (draft 2020-12), generated from "
                          "the model."),
    "stages": LazyCommand("tfgen.cli.render", "stages",
                          "Show the architecture ladder, one stage per line."),
    "validate": LazyCommand("tfgen.cli.render", "validate",
                            "Check blueprints and list every problem as FILE:LINE:COL: field: "
                            "message."),
}


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, sort_keys=True))


class LazyGroup(click.Group):
    """A group whose commands (see :data:`COMMANDS`) are imported only when used.

    `--help` lists them from their static short help; running one, or asking for its
    own `--help`, imports its module (once).
    """

    def __init__(self, *args: Any, lazy: dict[str, LazyCommand] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy: dict[str, LazyCommand] = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in self.lazy:
            self.commands[cmd_name] = load(self.lazy[cmd_name])
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's listing, but from the static help of commands not loaded yet."""
        names = self.list_commands(ctx)
        if not names:
            return
        limit = formatter.width - 6 - max(len(name) for name in names)
        rows = []
        for name in names:
            if name not in self.commands:
                rows.append((name, short_help(self.lazy[name].short_help, limit)))
                continue
            command = self.commands[name]
            if not command.hidden:
                rows.append((name, command.get_short_help_str(limit)))
        with formatter.section("Commands"):
            formatter.write_dl(rows)


def short_help(text: str, limit: int) -> str:
    """What click shows for a command whose help starts with `text`, cut at `limit`."""
    return click.Command(None, help=text).get_short_help_str(limit)


def load(entry: LazyCommand) -> click.Command:
    """Import the module of `entry` and return its click command."""
    command = getattr(importlib.import_module(entry.module), entry.attribute)
    if not isinstance(command, click.Command):  # pragma: no cover - a wrong registry entry
        raise TypeError(f"{entry.module}.{entry.attribute} is not a click command")
    return command


def error_message(exc: TfgenError) -> str:
    """What the user reads for an error tfgen knows (its exit code is `exc.exit_code`).

    An interruption is not a failure: Terraform was asked to stop and did, releasing
    its state lock. Notes added on the way out (`moto was stopped`) follow the message.
    """
    notes = "".join(f"; {note}" for note in getattr(exc, "__notes__", ()))
    if isinstance(exc, TerraformInterrupted):
        return ("interrupted: Terraform stopped gracefully and released the state lock"
                f"{notes}.")
    return click.style("error: ", fg="red", bold=True) + str(exc) + notes


class _Group(LazyGroup):
    """Turns known errors into messages and exit codes in one place: the only boundary.

    Every error the library raises is a TfgenError (tfgen/errors.py) carrying its exit
    code; commands do not catch them (tests/test_one_boundary.py).
    """

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except TfgenError as exc:
            if ctx.obj and ctx.obj.get("json") and isinstance(exc, BlueprintInvalid):
                _echo_json({"valid": False, "problems": [p.__dict__ for p in exc.problems]})
            click.echo(error_message(exc), err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, BrokenPipeError):
            raise
        except Exception as exc:
            if ctx.params.get("debug"):
                raise
            click.echo(f"internal error: {exc.__class__.__name__}: {exc}\n"
                       "This is a bug in tfgen; run again with --debug for the traceback.",
                       err=True)
            ctx.exit(EXIT_FAILURE)


@click.group(cls=_Group, lazy=COMMANDS,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="tfgen")
@click.option("--debug", is_flag=True, help="Show tracebacks of internal errors.")
@click.pass_context
def main(ctx: click.Context, debug: bool) -> None:
    """Turn shopping-mall blueprints (YAML) into production-grade Terraform for AWS.

    \b
    Typical session:
      tfgen stages                                    # the architecture ladder
      tfgen validate blueprints/shopping-mall.yaml    # every problem, located
      tfgen render blueprints/shopping-mall.yaml      # -> out/shopping-mall/
      cd out/shopping-mall && terraform init && terraform plan

    Exit codes: 0 ok, 1 failure, 2 invalid input, 3 changes found (--check).
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug
    if os.environ.get("NO_COLOR"):  # https://no-color.org: never colour when it is set
        ctx.color = False


def run() -> None:  # pragma: no cover - console entry point shim
    """Entry point that never shows a traceback for broken pipes."""
    try:
        main()
    except BrokenPipeError:
        # The reader went away (`tfgen ... | head`): stop quietly, as Unix tools do.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(EXIT_FAILURE)
