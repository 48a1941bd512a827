"""Run a configured mitigation command (e.g. `helm rollback checkout`) as an argv list.

Never a shell: the argv goes to exec as it is, so a release name can never become two commands.
The read-only guard is here, before anything is started. Output is kept short for the record.
"""

from __future__ import annotations

import asyncio
import contextlib
import shlex
from collections.abc import Sequence

from cockpit.core.mitigation import ActionRequest, ActionResult, ReadOnlyError

OUTPUT_LIMIT = 600


async def run_command(
    request: ActionRequest, argv: Sequence[str], *, time_limit: float, read_only: bool
) -> ActionResult:
    shown = shlex.join(argv)
    if read_only:
        raise ReadOnlyError(f"`{shown}`")
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
    except OSError as error:
        return ActionResult(request, False, f"cannot run `{shown}`: {error.strerror or error}")
    try:
        async with asyncio.timeout(time_limit):
            output, _ = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return ActionResult(request, False, f"`{shown}` did not finish within {time_limit:g}s")
    text = output.decode("utf-8", errors="replace").strip()
    if len(text) > OUTPUT_LIMIT:
        text = "…" + text[-OUTPUT_LIMIT:]
    if process.returncode == 0:
        return ActionResult(request, True, text or f"`{shown}` succeeded")
    return ActionResult(
        request, False, f"`{shown}` exited with {process.returncode}: {text or 'no output'}"
    )
