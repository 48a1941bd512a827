"""How every `cockpit` command ends: its exit status and the one line it leaves on stderr.

A script reads the status alone, so each means one thing across all commands:

- 0: done (including "already as asked": nothing needed changing);
- 1: the command ran and the thing did not happen (refused by the guard, the API server or the
  person at the prompt; a timeline that cannot be written; a check that failed);
- 2: the command could not start as asked: a usage error (click's own usage errors are 2 as
  well) or a config that does not validate. Fixing the invocation is what helps, not a retry.

The error line has two spellings, kept on purpose: the action commands speak like kubectl
(`error: …`, or the API server's own `Error from server (…): …` as kubectl prints it), so their
output reads as the kubectl command they stand for; every other command fails the way click
prints a `ClickException` (`Error: …`). Config errors are a block, not a line: the file's name
and one line per problem, as `cockpit config check` prints them.

`failure` passes its text through `terminal_safe` (a file name given on the command line must
not be able to move the cursor or recolour what follows); `error_line` prints what the action
adapters and the API server worded, as kubectl would, and config errors are made safe by
`ConfigError.render`.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NoReturn

import click

from cockpit.core.safe_text import terminal_safe

if TYPE_CHECKING:
    from cockpit.config.schema import ConfigError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

# How kubectl introduces an error the API server reported in a Status (and so do we).
SERVER_ERROR = "Error from server ("
_KUBECTL_PREFIX = "error: "


def error_line(message: str) -> None:
    """One line on stderr, kubectl's way. An adapter's message may already say `error:`; the API
    server's own refusals read as kubectl prints them (`Error from server (…): …`)."""
    if message.startswith(SERVER_ERROR):
        click.echo(message, err=True)
        return
    click.echo(f"{_KUBECTL_PREFIX}{message.removeprefix(_KUBECTL_PREFIX)}", err=True)


def fail(message: str, code: int = EXIT_FAILED) -> NoReturn:
    """`error_line`, then exit with `code`: how an action command stops."""
    error_line(message)
    sys.exit(code)


def failure(message: str) -> click.ClickException:
    """What a non-action command raises to stop with status 1 and click's `Error: …` line."""
    exception = click.ClickException(terminal_safe(message))
    exception.exit_code = EXIT_FAILED
    return exception


def config_failure(error: ConfigError) -> NoReturn:
    """A config that does not validate: every problem found, then status 2."""
    click.echo(error.render(), err=True)
    sys.exit(EXIT_USAGE)


__all__ = [
    "EXIT_FAILED",
    "EXIT_OK",
    "EXIT_USAGE",
    "SERVER_ERROR",
    "config_failure",
    "error_line",
    "fail",
    "failure",
]
