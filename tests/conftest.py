from __future__ import annotations

import os
import shutil
import subprocess
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import NoReturn

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


def in_ci() -> bool:
    """CI=true (GitHub Actions, GitLab, most runners): what is missing fails instead of skipping."""
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing(what: str, fix: str) -> NoReturn:
    """Something a test needs is not on this machine: a failure in CI, a loud skip elsewhere
    (listed again at the end of the run, so a green run never hides an unchecked promise)."""
    if in_ci():
        pytest.fail(f"{what} is required in CI; {fix}")
    pytest.skip(f"MISSING {what}; {fix}")


def require_tool(name: str) -> str:
    """The path of an external tool; skipped with a reason locally, a failure in CI."""
    path = shutil.which(name)
    if path:
        return path
    missing(name, "scripts/test.sh installs it")


def without_root_override(argv: list[str]) -> list[str]:
    """`argv` run so that file permissions apply to it even when the tests run as root.

    Root ignores permission bits. In a fresh user namespace without a uid map, the process
    keeps its files but loses that override (its capabilities hold only inside the new
    namespace, which owns no file): exactly an ordinary user facing a locked file."""
    if os.geteuid() != 0:
        return argv
    unshare = shutil.which("unshare")
    if unshare is not None:
        probe = subprocess.run([unshare, "--user", "true"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [unshare, "--user", *argv]
    missing("user namespaces (unshare --user) for a permission test as root",
            "run the tests as an ordinary user, or allow unprivileged user namespaces")  # fmt: skip


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Every skip and its reason, grouped, at the end of every run (not only with -rs)."""
    reasons: Counter[str] = Counter()
    for report in terminalreporter.stats.get("skipped", []):
        longrepr = report.longrepr
        reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
        reasons[reason.removeprefix("Skipped: ")] += 1
    if not reasons:
        return
    total = sum(reasons.values())
    terminalreporter.section(f"{total} tests SKIPPED: what they check was NOT checked", sep="!")
    for reason, count in reasons.most_common():
        terminalreporter.line(f"{count:4d} × {reason}")
