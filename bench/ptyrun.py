"""Run a program in a real pseudo-terminal and watch what it draws.

The child gets a pty of a fixed size as its controlling terminal, the environment of a modern
xterm, and XDG directories in a temp dir. A reader thread drains the pty all the time (a full
pty buffer would block the child's writes and stall it, which would flatter the idle figures),
counts the bytes and feeds them to a `Screen`, so a condition such as "the dashboard is on
screen" is checked against the text a person would see, with the time of the read that made it
true.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import select
import signal
import struct
import subprocess
import tempfile
import termios
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

from vtscreen import Screen

Condition = Callable[[Screen], bool]

# Variables that would change what the child draws or how big it thinks the terminal is.
_DROPPED_ENV = ("COLUMNS", "LINES", "NO_COLOR", "COCKPIT_CONFIG")
_CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class ChildExited(RuntimeError):
    pass


def child_env(home: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if k not in _DROPPED_ENV and not k.startswith("TEXTUAL")
    }
    env.update(
        TERM="xterm-256color",
        COLORTERM="truecolor",
        XDG_STATE_HOME=str(home / "state"),
        XDG_DATA_HOME=str(home / "data"),
        XDG_CONFIG_HOME=str(home / "config"),
        XDG_CACHE_HOME=str(home / "cache"),
    )
    env.update(extra or {})
    return env


def _make_controlling_tty() -> None:
    # Runs in the child after setsid(): stdin is the pty slave, so it becomes the child's
    # controlling terminal, as it would be under a real terminal emulator or sshd.
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def cpu_seconds(pid: int) -> float:
    """utime + stime of every thread of `pid`, from /proc (Linux)."""
    with open(f"/proc/{pid}/stat", "rb") as stat:
        raw = stat.read()
    # The command name may hold spaces and parentheses; the fields start after the last ")".
    fields = raw[raw.rindex(b")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / _CLOCK_TICKS


class PtyProcess:
    """One child on its own pty; use as a context manager so it is always killed."""

    def __init__(
        self,
        argv: Sequence[str],
        *,
        columns: int = 80,
        lines: int = 24,
        record: bool = False,
        env: Mapping[str, str] | None = None,
    ) -> None:
        """`env`: variables set for the child on top of the harness's own (KUBECONFIG...)."""
        self.argv = list(argv)
        self.extra_env = dict(env or {})
        self.columns, self.lines = columns, lines
        self.screen = Screen(columns, lines)
        self.record = record
        self.chunks: list[tuple[float, bytes]] = []  # (seconds since spawn, data) when recording
        self.total_bytes = 0
        self.started = 0.0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._eof = False
        self._stop = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._master = -1
        self._reader: threading.Thread | None = None
        self._home = tempfile.TemporaryDirectory(prefix="cockpit-bench-home-")
        self._conditions: dict[str, tuple[Condition, list[float]]] = {}

    # ---- life cycle ---------------------------------------------------------------------

    def __enter__(self) -> PtyProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def start(self) -> None:
        master, slave = os.openpty()
        try:
            # Set before the child exists, so its very first size query already sees it.
            winsize = struct.pack("HHHH", self.lines, self.columns, 0, 0)
            fcntl.ioctl(slave, termios.TIOCSWINSZ, winsize)
            self.started = time.perf_counter()
            self._proc = subprocess.Popen(
                self.argv,
                stdin=slave,
                stdout=slave,
                stderr=slave,
                env=child_env(Path(self._home.name), self.extra_env),
                start_new_session=True,
                # The harness runs one child at a time and only after the previous reader
                # thread has ended, so the fork behind preexec_fn sees a single thread.
                preexec_fn=_make_controlling_tty,
                close_fds=True,
            )
        except BaseException:
            os.close(master)
            self._home.cleanup()
            raise
        finally:
            # Only the child may hold the slave open, or the reader never sees end of file.
            os.close(slave)
        self._master = master
        self._reader = threading.Thread(target=self._drain, name="pty-reader", daemon=True)
        self._reader.start()

    @property
    def pid(self) -> int:
        if self._proc is None:
            raise RuntimeError("not started")
        return self._proc.pid

    def close(self) -> None:
        """SIGTERM, then SIGKILL if it has not gone within two seconds; reap; drain to EOF."""
        proc = self._proc
        try:
            if proc is not None and proc.poll() is None:
                # The whole process group, in case the program started children of its own.
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(timeout=2)
                except subprocess.TimeoutExpired:
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait(timeout=5)
        finally:
            self._stop.set()
            if self._reader is not None:
                self._reader.join(timeout=5)
            if self._master >= 0:
                os.close(self._master)
                self._master = -1
            self._home.cleanup()

    # ---- the reader ---------------------------------------------------------------------

    def _drain(self) -> None:
        while True:
            if self._stop.is_set():
                # Keep reading what is already buffered, but never wait for more.
                ready, _, _ = select.select([self._master], [], [], 0)
                if not ready:
                    break
            else:
                ready, _, _ = select.select([self._master], [], [], 0.2)
                if not ready:
                    continue
            try:
                data = os.read(self._master, 65536)
            except OSError:  # EIO: every slave descriptor is closed, the child is gone
                data = b""
            now = time.perf_counter() - self.started
            with self._changed:
                if not data:
                    self._eof = True
                    self._changed.notify_all()
                    return
                self.total_bytes += len(data)
                if self.record:
                    self.chunks.append((now, data))
                self.screen.feed(data)
                for condition, hits in self._conditions.values():
                    if not hits and condition(self.screen):
                        hits.append(now)
                self._changed.notify_all()
        with self._changed:
            self._eof = True
            self._changed.notify_all()

    # ---- what the harness asks ----------------------------------------------------------

    def watch(self, name: str, condition: Condition) -> None:
        """Note the first moment `condition` holds; read it back with `wait_for(name)`."""
        with self._lock:
            self._conditions[name] = (condition, [])

    def wait_for(self, name: str, timeout: float) -> float:
        """Seconds from spawn to the read after which the named condition first held."""
        deadline = time.monotonic() + timeout
        with self._changed:
            condition, hits = self._conditions[name]
            if not hits and condition(self.screen):
                hits.append(time.perf_counter() - self.started)
            while not hits:
                left = deadline - time.monotonic()
                if self._eof:
                    raise ChildExited(
                        f"{self.name} exited (code {self._exit_code()}) before {name!r};"
                        f" {self._last_line()}\n{self.screen.text()}"
                    )
                if left <= 0:
                    raise TimeoutError(
                        f"{name!r} not seen within {timeout:g} s from {self.name};"
                        f" {self._last_line()}\n{self.screen.text()}"
                    )
                self._changed.wait(min(left, 0.2))
            return hits[0]

    @property
    def name(self) -> str:
        return " ".join(Path(self.argv[0]).name if i == 0 else a for i, a in enumerate(self.argv))

    def _exit_code(self) -> int | None:
        # End of file comes as the child exits; give the exit status a moment to be collected.
        if self._proc is None:
            return None
        try:
            return self._proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            return None

    def _last_line(self) -> str:
        lines = [line for line in self.screen.display() if line.strip()]
        return f"last line on screen: {lines[-1].strip()!r}" if lines else "screen blank"

    def sample(self, reset_stats: bool = False) -> tuple[float, int, float]:
        """(monotonic time, bytes read so far, CPU seconds used so far) at one instant.

        `reset_stats` also restarts the screen's per-cell write counters at that instant, so
        they cover exactly the window that starts here."""
        cpu = cpu_seconds(self.pid)
        with self._lock:
            if reset_stats:
                self.screen.reset_stats()
            return time.monotonic(), self.total_bytes, cpu

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None
