from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime, timedelta

import pytest

T0 = datetime(2026, 11, 24, 14, 2, 0, tzinfo=UTC)


class FakeClock:
    """A clock the test moves by hand: output that shows time is asserted exactly."""

    def __init__(self, start: datetime = T0) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> datetime:
        self.now += timedelta(seconds=seconds)
        return self.now


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture(autouse=True)
def _isolated_dirs(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Logs, config and data of the tests never land in the developer's home.
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / "state"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    monkeypatch.delenv("COCKPIT_CONFIG", raising=False)


def require_tool(name: str) -> str:
    """The path of an external tool; skipped with a reason locally, a failure in CI."""
    path = shutil.which(name)
    if path:
        return path
    if os.environ.get("CI"):
        pytest.fail(f"{name} is required in CI (scripts/test.sh installs it)")
    pytest.skip(f"{name} not installed; scripts/test.sh installs it")
