"""Backup freshness from files on disk: the newest file matching a glob, by modification time.

For setups where the backup job writes dumps to a mounted volume and exports no metrics. The
directory walk runs in a thread (`asyncio.to_thread`) because a slow or hung NFS mount must not
stall the event loop that draws the screen.
"""

from __future__ import annotations

import asyncio
import glob
import os
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cockpit.core.model import BackupInfo, Measure, Reading, Status, evaluate
from cockpit.sources.base import Clock, utc_now


@dataclass(frozen=True, slots=True)
class _Newest:
    path: str
    mtime: float
    size: int


class _Unreadable(Exception):
    pass


def _size_text(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"  # unreachable; keeps type checkers content


def _glob_root(pattern: str) -> str:
    """The longest leading directory of `pattern` without wildcards: what must be readable."""
    parts: list[str] = []
    for part in Path(pattern).parts:
        if glob.has_magic(part):
            break
        parts.append(part)
    else:
        parts = parts[:-1]  # no wildcard at all: the pattern names one file, check its folder
    return str(Path(*parts)) if parts else "."


def _find_newest(pattern: str) -> _Newest | None:
    root = _glob_root(pattern)
    # glob() hides permission errors and missing folders as "no match"; check the fixed part of
    # the path first so a person sees "permission denied" instead of "no backup".
    try:
        os.scandir(root).close()
    except FileNotFoundError:
        raise _Unreadable(f"directory {root} does not exist") from None
    except NotADirectoryError:
        raise _Unreadable(f"{root} is not a directory") from None
    except PermissionError:
        raise _Unreadable(f"cannot read directory {root}: permission denied") from None
    except OSError as exc:
        raise _Unreadable(f"cannot read directory {root}: {exc.strerror or exc}") from None
    newest: _Newest | None = None
    for path in glob.iglob(pattern, recursive=True):
        try:
            st = os.stat(path)
        except OSError:
            continue  # deleted between listing and stat (rotation): not a candidate
        if not stat.S_ISREG(st.st_mode):
            continue
        if newest is None or st.st_mtime > newest.mtime:
            newest = _Newest(path, st.st_mtime, st.st_size)
    return newest


class FileBackup:
    """`age` = now − mtime of the newest file matching `pattern` (`**` recurses)."""

    kind = "file"

    def __init__(
        self,
        panel: str,
        measures: tuple[Measure, ...],
        pattern: str,
        clock: Clock = utc_now,
    ) -> None:
        self.panel = panel
        self.measures = measures
        self.pattern = os.path.expanduser(pattern)
        self.clock = clock

    def __repr__(self) -> str:
        return f"FileBackup(panel={self.panel!r}, pattern={self.pattern!r})"

    async def read(self) -> Reading:
        now = self.clock()
        try:
            newest = await asyncio.to_thread(_find_newest, self.pattern)
        except _Unreadable as exc:
            return Reading.failure(self.panel, now, str(exc))
        except OSError as exc:
            return Reading.failure(self.panel, now, f"cannot read {self.pattern}: {exc}")
        if newest is None:
            message = f"no backup file matches {self.pattern}"
            return Reading(
                self.panel,
                now,
                {},
                Status.CRIT,
                detail=BackupInfo(last_success=None, detail=message),
                note=message,
            )
        last = datetime.fromtimestamp(newest.mtime, UTC)
        values = {"age": (now - last).total_seconds()}
        detail = BackupInfo(
            last_success=last, detail=f"{os.path.basename(newest.path)} ({_size_text(newest.size)})"
        )
        return Reading(self.panel, now, values, evaluate(self.measures, values), detail=detail)

    async def backfill(self) -> list[Reading]:
        # Files keep no history of earlier ages; the trend starts with the first read.
        return []

    async def aclose(self) -> None:
        return None


__all__ = ["FileBackup"]
