"""Reading a config file without trusting the path: one clear refusal for anything that is not
a small regular UTF-8 TOML file, and nothing that can hang, exhaust memory or recurse forever.

The file is opened with O_NONBLOCK and checked with fstat on the open descriptor (not a stat of
the path, which could change in between), so a FIFO is refused instead of waiting for a writer,
and /dev/zero or /proc/self/mem are refused before a byte is read. At most the size limit plus
one byte is read, so a file that grows, or a /proc file that reports size 0, cannot be read
into memory without bound. TOML nesting is bounded after parsing, and a nesting deep enough to
exhaust the parser's recursion is reported as the same problem.
"""

from __future__ import annotations

import errno
import os
import stat
import tomllib
from pathlib import Path
from typing import Any

MAX_BYTES = 1024 * 1024
# A cockpit config nests four levels (panels.health.checks[0].url); sixteen is plenty.
MAX_DEPTH = 16
_READ_CHUNK = 64 * 1024


class UnreadableConfig(Exception):
    """The file cannot be used as a config; the message says why, in one line. `missing`:
    there is no such file (the caller may say how to make one)."""

    def __init__(self, message: str, *, missing: bool = False) -> None:
        super().__init__(message)
        self.missing = missing


_OPEN_ERRORS = {
    errno.ENOENT: "file not found",
    errno.ELOOP: "cannot be opened: too many levels of symbolic links (a symlink loop?)",
    errno.ENOTDIR: "cannot be opened: a part of the path is a file, not a directory",
    errno.ENAMETOOLONG: "cannot be opened: the path or one of its names is too long",
    errno.EACCES: "cannot be read: permission denied",
    errno.EPERM: "cannot be read: operation not permitted",
    errno.ENXIO: "cannot be opened: not a regular file (a socket, or a device with no driver)",
    errno.EISDIR: "is a directory, expected a TOML file",
}

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_bytes(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes, or `UnreadableConfig`."""
    flags = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except ValueError:  # an embedded NUL: no file can have that name
        raise UnreadableConfig("cannot be opened: the path contains a NUL character") from None
    except OSError as exc:
        raise UnreadableConfig(_open_error(exc), missing=exc.errno == errno.ENOENT) from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            what = _kind(info.st_mode)
            if stat.S_ISDIR(info.st_mode):
                raise UnreadableConfig("is a directory, expected a TOML file")
            raise UnreadableConfig(f"is {what}, expected a regular TOML file")
        if info.st_size > limit:
            raise UnreadableConfig(_too_big(limit, info.st_size))
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(_READ_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise UnreadableConfig(_too_big(limit, None))
        return b"".join(chunks)
    except OSError as exc:
        raise UnreadableConfig(f"cannot be read: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _open_error(exc: OSError) -> str:
    known = _OPEN_ERRORS.get(exc.errno or 0)
    return known or f"cannot be opened: {exc.strerror or exc}"


def _too_big(limit: int, size: int | None) -> str:
    found = f" ({size:,} bytes)" if size is not None else ""
    if limit >= 1024 * 1024:
        size_text = f"{limit / (1024 * 1024):g} MB"
    elif limit >= 1024:
        size_text = f"{limit / 1024:g} KB"
    else:
        size_text = f"{limit} bytes"
    return f"is larger than {size_text}{found}; a config is a few KB of TOML"


def parse_toml(raw: bytes) -> dict[str, Any]:
    """The TOML document in `raw`, or `UnreadableConfig` (encoding, syntax, nesting)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raise UnreadableConfig(
            "starts with a byte order mark (BOM), which TOML does not allow; save it as UTF-8 "
            "without BOM"
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UnreadableConfig(f"is not UTF-8 text (byte {exc.start})") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UnreadableConfig(f"TOML syntax error: {exc}") from None
    except RecursionError:
        raise UnreadableConfig(_too_deep()) from None
    if _depth(data) > MAX_DEPTH:
        raise UnreadableConfig(_too_deep())
    return data


def _too_deep() -> str:
    return f"nests tables and lists more than {MAX_DEPTH} levels deep; a config needs at most 5"


def _depth(data: Any) -> int:
    """How many tables and lists nest inside each other, without recursion (the input is not
    trusted). The document itself is level 1."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            break
        children = value.values() if isinstance(value, dict) else value
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))
    return deepest
