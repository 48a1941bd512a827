"""Break each README promise on purpose, one line at a time, and see which test notices.

    .venv/bin/python scripts/mutation_check.py            # every mutation
    .venv/bin/python scripts/mutation_check.py NO_COLOR   # those whose promise contains a word

For each mutation: the line is changed in place, the tests named for it run, the file is put
back byte for byte (also on Ctrl-C). Prints a Markdown table (promise, the change, the tests
that failed) and exits 1 if any mutation was not caught. docs/development.md keeps the last
results.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Mutation:
    promise: str
    path: str
    old: str  # must occur exactly once in the file
    new: str
    tests: tuple[str, ...]
    # Stop at the first failure: for a mutation that makes later tests hang rather than fail.
    first_only: bool = False


MUTATIONS = (
    Mutation(
        "A note is on disk (fsynced) before the key that saves it returns",
        "cockpit/incident/store.py",
        "frozenset({EventKind.NOTE, EventKind.ACTION, EventKind.STATUS})",
        "frozenset({EventKind.ACTION, EventKind.STATUS})",
        ("tests/integration/test_timeline_durability.py",),
    ),
    Mutation(
        "Durable writes: every synchronous level in the timeline store set to OFF",
        "cockpit/incident/store.py",
        'await self._db.execute(f"PRAGMA synchronous = {level}")',
        'await self._db.execute("PRAGMA synchronous = OFF")',
        ("tests/integration/test_timeline_durability.py",),
    ),
    Mutation(
        "Pods STATUS like kubectl get pods (the first container with a reason names it)",
        "cockpit/core/podstatus.py",
        'for cs in reversed(_list(status.get("containerStatuses"))):',
        'for cs in _list(status.get("containerStatuses")):',
        ("tests/unit/test_podstatus.py",),
    ),
    Mutation(
        "--read-only refuses actions where requests leave the process",
        "sources/kube/actions.py",
        "    async def apply(self, request: ActionRequest) -> ActionResult:\n"
        "        if self.read_only:",
        "    async def apply(self, request: ActionRequest) -> ActionResult:\n"
        "        if False:",
        ("tests/integration/test_action_safety.py", "tests/integration/test_kube_actions.py"),
    ),
    Mutation(
        "Rollout undo copies the revision's pod template (without pod-template-hash)",
        "sources/kube/rollback.py",
        "        labels.pop(HASH_LABEL, None)",
        "        labels.get(HASH_LABEL)",
        ("tests/integration/test_kube_actions.py",),
    ),
    Mutation(
        "A value at the SLO bound is CRIT (p95 < 300 ms: 300 ms breaches)",
        "cockpit/core/model.py",
        "if self.crit is not None and value >= self.crit:",
        "if self.crit is not None and value > self.crit:",
        ("tests/unit/test_model.py",),
    ),
    Mutation(
        "A watch whose version expired (410 Gone) lists again",
        "sources/kube/watch.py",
        "if exc.code == 410:",
        "if exc.code == -410:",
        ("tests/integration/test_kube_watch.py",),
    ),
    Mutation(
        "NO_COLOR is honoured (no colour escape reaches the terminal)",
        "cockpit/app/base.py",
        'super().__init__(ansi_color=True if os.environ.get("NO_COLOR") is not None else None)',
        "super().__init__()",
        ("tests/ui/test_war_room_pilot.py::test_no_color_sends_no_colour_escape_to_the_terminal",),
    ),
    Mutation(
        "SLO breaches are recorded debounced (two CRIT readings in a row)",
        "cockpit/incident/breaches.py",
        "CONFIRM_READINGS = 2",
        "CONFIRM_READINGS = 1",
        ("tests/unit/test_breaches.py",),
    ),
    Mutation(
        "A number older than three polling intervals says STALE",
        "cockpit/core/model.py",
        "return 3 * self.interval",
        "return 30 * self.interval",
        ("tests/unit/test_model.py", "tests/ui/test_widgets_render.py"),
    ),
    Mutation(
        "A source that hangs only affects its own panel (per-read timeout)",
        "cockpit/runtime/scheduler.py",
        "done, _ = await asyncio.wait({task}, timeout=self.timeout)",
        "done, _ = await asyncio.wait({task})",
        ("tests/unit/test_scheduler.py",),
        first_only=True,
    ),
    Mutation(
        "Scale with a current-replicas precondition",
        "sources/kube/actions.py",
        "if have != request.current_replicas:",
        "if False:",
        ("tests/integration/test_kube_actions.py",),
    ),
)

_FAILED = re.compile(r"^(?:FAILED|ERROR) (.+?)(?: - .*)?$", re.MULTILINE)


def run(mutation: Mutation) -> tuple[list[str], str, float]:
    """(failed test ids, pytest's last line, seconds) with the mutation applied."""
    path = ROOT / mutation.path
    original = path.read_bytes()
    text = original.decode()
    if text.count(mutation.old) != 1:
        raise SystemExit(f"{mutation.path}: the line to break is not there exactly once: "
                         f"{mutation.old!r}; update scripts/mutation_check.py")  # fmt: skip
    started = time.monotonic()
    try:
        path.write_text(text.replace(mutation.old, mutation.new), encoding="utf-8")
        quiet = ["-q", "-rfE", "-p", "no:randomly", "-p", "no:cacheprovider"]
        if mutation.first_only:
            quiet.append("-x")
        result = subprocess.run(
            [sys.executable, "-m", "pytest", *quiet, *mutation.tests],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=1200,
            check=False,
        )
    finally:
        path.write_bytes(original)
    lines = result.stdout.strip().splitlines()
    return _FAILED.findall(result.stdout), lines[-1] if lines else "", time.monotonic() - started


def main(argv: list[str]) -> int:
    wanted = [m for m in MUTATIONS if all(w.lower() in m.promise.lower() for w in argv[1:])]
    print("| promise | broken on purpose | caught by |")
    print("| --- | --- | --- |")
    missed = 0
    for mutation in wanted:
        failed, last, seconds = run(mutation)
        # The last line is the one that changes; earlier lines only make the match unique.
        old, new = mutation.old.strip().splitlines()[-1], mutation.new.strip().splitlines()[-1]
        change = f"`{mutation.path}`: `{old.strip()}` → `{new.strip()}`"
        if failed:
            shown = ", ".join(f"`{t}`" for t in failed[:3])
            more = f" and {len(failed) - 3} more" if len(failed) > 3 else ""
            caught = f"{shown}{more} ({len(failed)} failed)"
        else:
            missed += 1
            caught = f"**NOT CAUGHT** ({last})"
        print(f"| {mutation.promise} | {change} | {caught} |", flush=True)
        print(f"<!-- {seconds:.0f}s: {last} -->", file=sys.stderr, flush=True)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
