"""Exit status 2 means "fix the invocation or the config" for every command that reads a config,
and the config's problems read the same wherever it was read (`cockpit.cli.exits`)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from cockpit.cli.exits import EXIT_USAGE

# Every command that loads a config, each given the same broken file.
COMMANDS = [
    ("config", "check", "{config}"),
    ("--config", "{config}", "snapshot"),
    ("doctor", "--config", "{config}"),
    ("serve", "--config", "{config}"),
    ("runbook", "check", "--config", "{config}"),
    ("scale", "deploy/web", "2", "--config", "{config}"),
]


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("exits") / "cockpit.toml"
    path.write_text('[cockpit]\nrefresh = "soon"\n\n[nonsense]\nx = 1\n', encoding="utf-8")
    return path


@pytest.mark.parametrize("args", COMMANDS, ids=lambda args: " ".join(args[:2]))
def test_a_broken_config_is_status_2_and_the_same_words_everywhere(
    broken: Path, args: tuple[str, ...]
) -> None:
    argv = [a.format(config=broken) for a in args]
    result = subprocess.run(
        [sys.executable, "-m", "cockpit", *argv], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == EXIT_USAGE, result.stderr
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"cockpit: invalid config {broken}"
    # Both problems, each on its own line, naming the field: the rendering `config check` uses.
    assert len(lines) == 3 and all(line.startswith("  ") for line in lines[1:]), result.stderr
    problems = "\n".join(lines[1:])
    assert "refresh" in problems and "nonsense" in problems, result.stderr
