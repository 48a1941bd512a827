"""One action command's settings (`cockpit scale` / `restart` / `rollback`), shared by the
command line's surface (`cockpit.cli.actions`, which builds it) and the steps at a terminal
(`cockpit.cli.console`, which reads it). Here, rather than in either, so that neither imports
the other at its top: the surface loads at every `cockpit` start, the steps only when an
action runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Invocation:
    """One action command's settings, from the group's options, its own and the config."""

    runtime: Any  # cockpit.runtime.wiring.Runtime, imported late to keep `cockpit --help` fast
    namespace: str
    dry_run: bool
    yes: bool
    wait: bool
    actor: str
