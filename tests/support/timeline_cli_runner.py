"""The timeline commands (`incident`, `note`, `notes`, `export`, `import`) in-process, on a
given timeline file, for the tests that throw files and rows at them."""

from __future__ import annotations

from pathlib import Path

import click
from click.testing import CliRunner, Result

from cockpit.cli.timeline import register


def _cli() -> click.Group:
    @click.group()
    def group() -> None:
        """Stand-in for the `cockpit` group."""

    register(group)
    return group


CLI = _cli()


def invoke(*args: str, db: Path, stdin: str | None = None) -> Result:
    return CliRunner().invoke(CLI, [*args, "--db", str(db)], input=stdin)
