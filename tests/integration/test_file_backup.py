"""FileBackup against real files in a temp dir; ages set with os.utime, time from a FakeClock."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.core.model import BackupInfo, Measure, Status, Threshold
from cockpit.sources.file_backup import FileBackup
from tests.conftest import FakeClock, without_root_override

AGE = (Measure("age", "age", "age", Threshold(crit=36 * 3600, warn=12 * 3600)),)


def _file(path: Path, size: int, age: float, clock: FakeClock) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x" * size)
    mtime = (clock.now - timedelta(seconds=age)).timestamp()
    os.utime(path, (mtime, mtime))
    return path


async def test_newest_file_by_mtime(tmp_path: Path, clock: FakeClock) -> None:
    # Names sort the other way round from mtimes: the newest by time must win.
    _file(tmp_path / "db-2026-11-24.dump", 10, 40 * 3600, clock)
    _file(tmp_path / "db-2026-11-20.dump", 2048, 3 * 3600, clock)
    _file(tmp_path / "notes.txt", 5, 60, clock)
    source = FileBackup("backup", AGE, str(tmp_path / "*.dump"), clock=clock)
    reading = await source.read()
    assert reading.ok
    assert reading.values["age"] == pytest.approx(3 * 3600, abs=1)
    assert reading.status is Status.OK
    assert isinstance(reading.detail, BackupInfo)
    assert reading.detail.detail == "db-2026-11-20.dump (2.0 KB)"
    assert reading.detail.last_success == clock.now - timedelta(seconds=3 * 3600)
    assert reading.observed_at == clock.now


async def test_age_thresholds(tmp_path: Path, clock: FakeClock) -> None:
    _file(tmp_path / "a.dump", 1, 13 * 3600, clock)
    source = FileBackup("backup", AGE, str(tmp_path / "*.dump"), clock=clock)
    assert (await source.read()).status is Status.WARN
    clock.advance(24 * 3600)
    reading = await source.read()
    assert reading.status is Status.CRIT
    assert reading.values["age"] == pytest.approx(37 * 3600, abs=1)


async def test_recursive_glob(tmp_path: Path, clock: FakeClock) -> None:
    _file(tmp_path / "2026" / "11" / "old.dump", 1, 7200, clock)
    _file(tmp_path / "2026" / "12" / "deep" / "new.dump", 3 * 1024 * 1024, 600, clock)
    _file(tmp_path / "top.dump", 1, 3600, clock)
    source = FileBackup("backup", AGE, str(tmp_path / "**" / "*.dump"), clock=clock)
    reading = await source.read()
    assert reading.values["age"] == pytest.approx(600, abs=1)
    assert isinstance(reading.detail, BackupInfo)
    assert reading.detail.detail == "new.dump (3.0 MB)"


async def test_directories_are_not_backups(tmp_path: Path, clock: FakeClock) -> None:
    _file(tmp_path / "real.dump", 1, 7200, clock)
    (tmp_path / "fresh.dump").mkdir()
    source = FileBackup("backup", AGE, str(tmp_path / "*.dump"), clock=clock)
    reading = await source.read()
    assert reading.values["age"] == pytest.approx(7200, abs=1)


async def test_no_match_is_crit(tmp_path: Path, clock: FakeClock) -> None:
    _file(tmp_path / "other.tar", 1, 60, clock)
    pattern = str(tmp_path / "*.dump")
    reading = await FileBackup("backup", AGE, pattern, clock=clock).read()
    assert reading.ok
    assert reading.status is Status.CRIT
    assert reading.note == f"no backup file matches {pattern}"
    assert reading.detail == BackupInfo(None, f"no backup file matches {pattern}")
    assert dict(reading.values) == {}


async def test_missing_directory_is_an_error(tmp_path: Path, clock: FakeClock) -> None:
    pattern = str(tmp_path / "nowhere" / "*.dump")
    reading = await FileBackup("backup", AGE, pattern, clock=clock).read()
    assert reading.status is Status.ERROR
    assert reading.error == f"directory {tmp_path / 'nowhere'} does not exist"


# Reads the pattern in argv[1] once and prints the reading's status and error.
_READ_ONCE = """
import asyncio, sys
from cockpit.core.model import Measure, Threshold
from cockpit.sources.file_backup import FileBackup
age = (Measure("age", "age", "age", Threshold(crit=36 * 3600, warn=12 * 3600)),)
reading = asyncio.run(FileBackup("backup", age, sys.argv[1]).read())
print(reading.status.name)
print(reading.error)
"""


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions")
def test_unreadable_directory_is_an_error(tmp_path: Path, clock: FakeClock) -> None:
    locked = tmp_path / "locked"
    _file(locked / "a.dump", 1, 60, clock)
    locked.chmod(0)
    try:
        # In a process the permission bits apply to, root included.
        result = subprocess.run(
            without_root_override([sys.executable, "-c", _READ_ONCE, str(locked / "*.dump")]),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            cwd=Path(__file__).resolve().parents[2],
        )
    finally:
        locked.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "ERROR",
        f"cannot read directory {locked}: permission denied",
    ]


async def test_backfill_is_empty_and_close_is_harmless(tmp_path: Path, clock: FakeClock) -> None:
    source = FileBackup("backup", AGE, str(tmp_path / "*.dump"), clock=clock)
    assert await source.backfill() == []
    await source.aclose()
    assert "FileBackup" in repr(source)


async def test_permission_error_wording_even_as_root(
    tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The OS error injected in-process: the wording is checked even where the test above cannot
    # run (no user namespaces for root).
    import cockpit.sources.file_backup as file_backup

    def denied(path: str) -> os.ScandirIterator[str]:
        raise PermissionError(13, "Permission denied", path)

    monkeypatch.setattr(file_backup.os, "scandir", denied)
    reading = await FileBackup("backup", AGE, str(tmp_path / "*.dump"), clock=clock).read()
    assert reading.status is Status.ERROR
    assert reading.error == f"cannot read directory {tmp_path}: permission denied"


async def test_file_where_a_directory_should_be(tmp_path: Path, clock: FakeClock) -> None:
    _file(tmp_path / "backups", 1, 60, clock)
    reading = await FileBackup(
        "backup", AGE, str(tmp_path / "backups" / "*.dump"), clock=clock
    ).read()
    assert reading.status is Status.ERROR
    assert reading.error == f"{tmp_path / 'backups'} is not a directory"
