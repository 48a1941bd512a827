"""The `cockpit` process behind each browser tab, and how many may run at once.

textual-serve's own process handling starts the command through a shell, never waits for it,
copies its whole stderr to the server's stdout, and trusts every length the process writes.
`SessionProcess` keeps textual-serve's packet protocol and downloads (it extends `AppService`)
and changes the rest:

- the argv is executed directly: no shell ever reads a path or a name;
- the process's data segment is limited (RLIMIT_DATA, set with prlimit before any browser
  input is relayed). RLIMIT_DATA rather than RLIMIT_AS: it counts the writable memory a
  process actually reserved (heap, anonymous mappings, thread stacks), not its address space
  with the libraries mapped and glibc's per-thread arenas reserved (a demo session: about
  290 MiB of address space for 50–70 MiB of data and 60 MiB resident). A
  session that needs more gets MemoryError and ends; the server and the other sessions do not
  notice;
- the process is always reaped, and killed when it does not quit within the grace period;
- its stderr is kept as a short tail for the one-line report of an abnormal end, so a
  traceback never reaches the server's terminal and stdout stays the one URL line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import resource
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from textual_serve.app_service import AppService
from textual_serve.download_manager import DownloadManager

from cockpit.core.safe_text import terminal_safe
from cockpit.serve.frames import MAX_FRAME_BYTES

log = logging.getLogger("cockpit.serve.server")

# Linux only: elsewhere `cockpit serve` says at start-up that sessions are not bounded.
MEMORY_LIMIT_SUPPORTED = hasattr(resource, "prlimit")
MIB = 1024 * 1024
# How long a session has to quit after being told to, before it is killed.
QUIT_GRACE_S = 5.0
# The largest packet a session may write. A full 500 × 200 truecolor frame is a few hundred
# KB; anything near this is a broken process, and reading it would cost the server memory.
MAX_PACKET_BYTES = 32 * MIB
# Textual writes this line before its packets: the process is a Textual app in web mode.
PRELUDE = b"__GANGLION__\n"
PRELUDE_MAX_LINES = 10
STDERR_TAIL_BYTES = 4096

Writer = Callable[[Any], Awaitable[None]]


@dataclass(frozen=True)
class SessionLimits:
    max_sessions: int
    memory_bytes: int
    max_frame_bytes: int = MAX_FRAME_BYTES


class SessionSlots:
    """At most `limit` sessions at once; a slot is held by the task serving the websocket.

    The slot is taken before the process starts and given back only after the process has
    been reaped, so the count is the number of `cockpit` processes that can exist.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._holders: set[asyncio.Task[Any]] = set()

    @property
    def in_use(self) -> int:
        return len(self._holders)

    @property
    def full(self) -> bool:
        return len(self._holders) >= self.limit

    def acquire(self, holder: asyncio.Task[Any]) -> bool:
        if self.full:
            return False
        self._holders.add(holder)
        return True

    def release(self, holder: asyncio.Task[Any]) -> None:
        self._holders.discard(holder)

    def holders(self) -> list[asyncio.Task[Any]]:
        return list(self._holders)


def limit_memory(pid: int, memory_bytes: int) -> None:
    """Cap the data segment of a running process (soft and hard: it cannot raise it back)."""
    if MEMORY_LIMIT_SUPPORTED:
        with contextlib.suppress(ProcessLookupError):
            resource.prlimit(pid, resource.RLIMIT_DATA, (memory_bytes, memory_bytes))


async def start_process(
    argv: Sequence[str], env: dict[str, str], memory_bytes: int
) -> asyncio.subprocess.Process:
    """The argv as a child with pipes on all three streams and its memory capped."""
    process = await asyncio.create_subprocess_exec(
        *argv,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )
    limit_memory(process.pid, memory_bytes)
    return process


async def _ignore() -> None:
    return None


class SessionProcess(AppService):
    """One browser tab's `cockpit`: textual-serve's packet protocol, run without a shell."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        memory_bytes: int,
        write_bytes: Writer,
        write_str: Writer,
        download_manager: DownloadManager,
    ) -> None:
        super().__init__(
            " ".join(argv),  # for textual-serve's messages only; never executed
            write_bytes=write_bytes,
            write_str=write_str,
            # The app's "exit" packet: the session ends when the process does, which follows.
            close=_ignore,
            download_manager=download_manager,
        )
        self.argv = tuple(argv)
        self.memory_bytes = memory_bytes
        self._stderr_tail: deque[bytes] = deque()
        self._stderr_size = 0
        # Why the server stopped reading the process, when the process broke the protocol.
        self.fault: str | None = None
        self._stderr_task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    @property
    def returncode(self) -> int | None:
        return self._process.returncode if self._process is not None else None

    async def _open_app_process(
        self, width: int = 80, height: int = 24
    ) -> asyncio.subprocess.Process:
        environment = self._build_environment(width=width, height=height)
        self._process = process = await start_process(self.argv, environment, self.memory_bytes)
        self._stdin = process.stdin
        return process

    async def start(self, width: int, height: int) -> None:
        process = await self._open_app_process(width, height)
        assert process.stderr is not None
        self._stderr_task = asyncio.create_task(self._keep_stderr_tail(process.stderr))
        self._task = asyncio.create_task(self.run())

    def output_ended(self) -> asyncio.Task[None]:
        """A task that finishes when the process has closed its output (it quit or died)."""
        assert self._task is not None, "start() first"
        return self._task

    async def run(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        try:
            await self._relay_packets(self._process.stdout)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass  # EOF mid-packet: the process died
        except (ValueError, KeyError, TypeError, IndexError) as error:
            # A prelude line over the stream limit, or a meta/packed packet that does not
            # decode: the process is broken, and its session ends like a crashed one.
            self._broken(f"output the server cannot read ({type(error).__name__})")

    async def _relay_packets(self, stdout: asyncio.StreamReader) -> None:
        for _ in range(PRELUDE_MAX_LINES):
            line = await stdout.readline()
            if not line:
                return
            if line == PRELUDE:
                break
        else:
            self._broken("no Textual prelude")
            return
        while True:
            header = await stdout.readexactly(5)
            kind, size = header[:1], int.from_bytes(header[1:], "big")
            if size > MAX_PACKET_BYTES:
                self._broken(f"a {size}-byte packet")
                return
            payload = await stdout.readexactly(size)
            if kind == b"D":
                await self.on_data(payload)
            elif kind == b"M":
                await self.on_meta(payload)
            elif kind == b"P":
                await self.on_packed(payload)

    def _broken(self, what: str) -> None:
        self.fault = what
        log.warning("a session wrote %s; it was ended", what)

    async def on_data(self, payload: bytes) -> None:
        # A browser that is going away still gets the process's output drained, so the
        # process never blocks on a full pipe while it is being told to quit.
        with contextlib.suppress(ConnectionError):
            await self.remote_write_bytes(payload)

    async def on_meta(self, data: bytes) -> None:
        with contextlib.suppress(ConnectionError):
            await super().on_meta(data)

    async def _keep_stderr_tail(self, stderr: asyncio.StreamReader) -> None:
        while chunk := await stderr.read(STDERR_TAIL_BYTES):
            self._stderr_tail.append(chunk)
            self._stderr_size += len(chunk)
            while self._stderr_size - len(self._stderr_tail[0]) >= STDERR_TAIL_BYTES:
                self._stderr_size -= len(self._stderr_tail.popleft())

    def last_words(self) -> str:
        """The last non-blank line the process wrote to stderr, safe for a terminal."""
        text = b"".join(self._stderr_tail).decode("utf-8", "replace")
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return terminal_safe(lines[-1])[:200] if lines else ""

    async def kill(self) -> None:
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                self._process.kill()
            await self._process.wait()

    async def stop(self) -> None:
        """Tell the process to quit, kill it after the grace period, reap it."""
        process = self._process
        if process is None:
            return
        if process.returncode is None:
            await self._download_manager.cancel_app_downloads(app_service_id=self.app_service_id)
            await self.send_meta({"type": "quit"})
            try:
                async with asyncio.timeout(QUIT_GRACE_S):
                    await process.wait()
            except TimeoutError:
                await self.kill()
        # The output and stderr end with the process, unless a child of it inherited them:
        # that must not hold the session open.
        for task in (self._task, self._stderr_task):
            if task is None:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(QUIT_GRACE_S):
                    await asyncio.shield(task)
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._task = self._stderr_task = None
