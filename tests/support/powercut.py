"""A simulated power cut for the durability tests (see tests/support/powercut_shim.c).

A kill -9 leaves the page cache intact, so it cannot tell a synced write from an unsynced one.
Here the writer runs with the shim preloaded: each fsync copies the file to a shadow directory,
and `cut()` replaces the files with their shadows. Whatever was written but never synced is
lost, as it would be when the power goes.

Chosen over a device-mapper "flakey" target or a loop-mounted image because those need a
kernel driver and mount rights that containers and CI runners usually lack; this needs a C
compiler only, and it models the one thing under test: what is on disk after the last fsync.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

SHIM_SOURCE = Path(__file__).resolve().parent / "powercut_shim.c"


def build_shim(out_dir: Path) -> Path:
    """Compile the shim; raises with the compiler's message if that fails."""
    compiler = shutil.which("cc") or shutil.which("gcc")
    if compiler is None:
        raise RuntimeError("a C compiler (cc) is needed to build tests/support/powercut_shim.c")
    library = out_dir / "powercut.so"
    flags = ["-shared", "-fPIC", "-O1", "-Wall", "-Werror"]
    result = subprocess.run(
        [compiler, *flags, "-o", str(library), str(SHIM_SOURCE), "-ldl", "-lpthread"],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"building the power-cut shim failed:\n{result.stderr}")
    return library


@dataclass
class PowerCut:
    """Files in `data` are "on disk" as their copies in `shadow` say."""

    library: Path
    data: Path
    shadow: Path
    log: Path

    @classmethod
    def create(cls, library: Path, root: Path) -> PowerCut:
        data, shadow = root / "data", root / "shadow"
        data.mkdir()
        shadow.mkdir()
        return cls(library, data, shadow, root / "syncs.log")

    def env(self) -> dict[str, str]:
        """The environment for a writer whose syncs are recorded."""
        return {
            **os.environ,
            "LD_PRELOAD": str(self.library),
            "POWERCUT_DIR": str(self.data.resolve()),
            "POWERCUT_SHADOW": str(self.shadow.resolve()),
            "POWERCUT_LOG": str(self.log.resolve()),
        }

    def settle(self) -> None:
        """Everything in `data` now counts as on disk (what a process without the shim wrote
        and closed, e.g. the incident the test prepared)."""
        for old in self.shadow.iterdir():
            old.unlink()
        for path in self.data.iterdir():
            shutil.copyfile(path, self.shadow / path.name)

    def cut(self) -> None:
        """The power goes: each file reverts to its last synced content; never synced files
        vanish. Only call this once the writer is dead."""
        for path in list(self.data.iterdir()):
            path.unlink()
        for synced in self.shadow.iterdir():
            if not synced.name.endswith(".partial"):
                shutil.copyfile(synced, self.data / synced.name)

    def syncs(self) -> list[str]:
        """The log: one line per sync, plus whatever markers the writer appended."""
        if not self.log.exists():
            return []
        return self.log.read_text().splitlines()
