"""Every malformed config of the corpus (tests/support/corpus/configs) through
`cockpit config check`:
exit code 2, the expected message, no traceback. Then the files no corpus can hold (a FIFO, a
device, a symlink loop, a path under a file, an over-long name, an oversized file) the same way,
a few through a real process, and the dashboard's other entry points refusing a bad config in
the same words."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from cockpit.cli.main import main
from cockpit.config.schema import example_config_text
from tests.conftest import without_root_override

CORPUS = Path(__file__).resolve().parents[1] / "support" / "corpus" / "configs"
CASES = CORPUS / "cases"
ROOT = Path(__file__).resolve().parents[2]


def _expected() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in (CORPUS / "expected.tsv").read_text("utf-8").splitlines():
        name, _, message = line.partition("\t")
        table[name] = message
    return table


EXPECTED = _expected()


def check(path: Path | str) -> tuple[int, str]:
    """`cockpit config check PATH` in this process: exit code and everything printed."""
    result = CliRunner().invoke(main, ["config", "check", str(path)], catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{path}: uncaught {result.exception!r}") from result.exception
    return result.exit_code, result.output


def test_the_corpus_is_what_the_generator_writes(tmp_path: Path) -> None:
    sys.path.insert(0, str(CORPUS))
    try:
        import generate
    finally:
        sys.path.remove(str(CORPUS))
    generate.write(tmp_path / "cases", tmp_path / "expected.tsv")
    assert (tmp_path / "expected.tsv").read_bytes() == (CORPUS / "expected.tsv").read_bytes()
    written = {p.name: p.read_bytes() for p in (tmp_path / "cases").iterdir()}
    checked_in = {p.name: p.read_bytes() for p in CASES.iterdir()}
    assert written == checked_in
    assert len(EXPECTED) >= 150


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_case_is_refused_with_its_message(name: str) -> None:
    code, output = check(CASES / name)
    assert "Traceback" not in output
    assert code == 2, output
    assert output.startswith(f"cockpit: invalid config {CASES / name}\n"), output
    assert EXPECTED[name] in output, f"{EXPECTED[name]!r} not in:\n{output}"
    assert "\x1b" not in output and "\x00" not in output
    lines = output.splitlines()
    assert len(lines) <= 1 + 20 + 1, "at most 20 problems and a count"


def test_the_example_config_passes(tmp_path: Path) -> None:
    path = tmp_path / "cockpit.toml"
    path.write_text(example_config_text(), "utf-8")
    code, output = check(path)
    assert code == 0, output
    assert output.startswith(f"{path}: OK\n")
    assert (ROOT / "examples" / "cockpit.toml").read_text("utf-8") == example_config_text()


# ---- files no corpus can hold ---------------------------------------------------------------


def _fifo(tmp: Path) -> Path:
    path = tmp / "fifo.toml"
    os.mkfifo(path)
    return path


def _loop(tmp: Path) -> Path:
    (tmp / "a.toml").symlink_to(tmp / "b.toml")
    (tmp / "b.toml").symlink_to(tmp / "a.toml")
    return tmp / "a.toml"


def _under_a_file(tmp: Path) -> Path:
    (tmp / "file").write_text("[cockpit]\n")
    return tmp / "file" / "cockpit.toml"


def _directory(tmp: Path) -> Path:
    (tmp / "conf.d").mkdir()
    return tmp / "conf.d"


def _oversized(tmp: Path) -> Path:
    path = tmp / "big.toml"
    path.write_bytes(b"# padding\n" * 110_000)  # 1.1 MB of valid TOML
    return path


def _long_name(tmp: Path) -> Path:
    return tmp / ("c" * 300 + ".toml")


def _missing(tmp: Path) -> Path:
    return tmp / "nope.toml"


def _dangling(tmp: Path) -> Path:
    (tmp / "link.toml").symlink_to(tmp / "gone.toml")
    return tmp / "link.toml"


ODD_FILES = [
    pytest.param(_fifo, "is a FIFO (named pipe), expected a regular TOML file", id="fifo"),
    pytest.param(_loop, "too many levels of symbolic links", id="symlink-loop"),
    pytest.param(_under_a_file, "a part of the path is a file, not a directory", id="under-a-file"),
    pytest.param(_directory, "is a directory, expected a TOML file", id="directory"),
    pytest.param(_oversized, "is larger than 1 MB (1,100,000 bytes)", id="over-1-mb"),
    pytest.param(_long_name, "the path or one of its names is too long", id="name-too-long"),
    pytest.param(_missing, "file not found; create one with: cockpit config example", id="missing"),
    pytest.param(_dangling, "file not found", id="dangling-symlink"),
    pytest.param(lambda _: Path("/dev/zero"), "is a character device", id="dev-zero"),
    pytest.param(lambda _: Path("/dev/null"), "is a character device", id="dev-null"),
    pytest.param(lambda _: Path("/proc/self/mem"), "cannot be read", id="proc-self-mem"),
]


@pytest.mark.parametrize(("make", "message"), ODD_FILES)
def test_odd_files_are_refused_in_one_line(make, message: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = make(tmp_path)
    if str(path).startswith("/proc/") and not Path(path).exists():
        pytest.skip("no /proc here")
    code, output = check(path)
    assert code == 2, output
    assert "Traceback" not in output
    assert message in output, output


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "secret.toml"
    path.write_text("[cockpit]\n")
    path.chmod(0)
    # A real process, where permissions apply even when the tests run as root.
    result = subprocess.run(
        without_root_override([sys.executable, "-m", "cockpit", "config", "check", str(path)]),
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "cannot be read: permission denied" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_file_longer_than_its_size_says_is_read_only_to_the_limit() -> None:
    """/proc files report size 0 whatever they hold: the read stops at the limit plus one."""
    from cockpit.config.read import UnreadableConfig, read_bytes

    maps = Path("/proc/self/maps")
    if not maps.exists() or maps.stat().st_size != 0:
        pytest.skip("no /proc here")
    with pytest.raises(UnreadableConfig, match="is larger than 100 bytes"):
        read_bytes(maps, limit=100)


def cockpit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cockpit", *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize(
    "name",
    [
        n
        for n in sorted(EXPECTED)
        if any(k in n for k in ("deep-arrays", "not-utf8-latin1", "keys-note-onto-quit"))
    ],
)
def test_corpus_cases_through_a_real_process(name: str, tmp_path: Path) -> None:
    done = cockpit("config", "check", str(CASES / name), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert EXPECTED[name] in done.stderr
    assert done.stdout == ""


def test_a_fifo_does_not_hang_a_real_process(tmp_path: Path) -> None:
    done = cockpit("config", "check", str(_fifo(tmp_path)), cwd=tmp_path)
    assert done.returncode == 2
    assert "is a FIFO (named pipe)" in done.stderr


@pytest.mark.parametrize(
    "command", [(), ("snapshot",), ("doctor",)], ids=["dashboard", "snapshot", "doctor"]
)
def test_every_entry_point_refuses_a_bad_config_the_same_way(
    command: tuple[str, ...], tmp_path: Path
) -> None:
    bad = CASES / next(n for n in sorted(EXPECTED) if "keys-note-onto-quit" in n)
    done = cockpit("--config", str(bad), *command, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"cockpit: invalid config {bad}\n")
    assert EXPECTED[bad.name] in done.stderr
    assert "Traceback" not in done.stderr
    fifo = _fifo(tmp_path)
    done = cockpit("--config", str(fifo), *command, cwd=tmp_path)
    assert done.returncode == 2
    assert "is a FIFO (named pipe)" in done.stderr
