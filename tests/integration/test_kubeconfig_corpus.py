"""Malformed kubeconfigs (tests/support/corpus/kubeconfigs/, plus the few that cannot be checked in:
a huge file, /dev/zero, a FIFO, a path under a file) through the paths that read one: an
action from the command line and the pods panel's read. Each ends in one line that names the
file and what is wrong with it: exit 2 from the command line, an error reading on the panel;
never a traceback, never a hang, never a request.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.cli.main import main
from cockpit.core.safe_text import is_terminal_safe
from cockpit.sources.kube.config import MAX_BYTES
from tests.support.kube_fixtures import pods_source

CORPUS = Path(__file__).resolve().parents[1] / "support" / "corpus" / "kubeconfigs"

# What each file's message must say, after "kubeconfig <file>".
EXPECTED = {
    "a-directory": "is a directory, not a file",
    "binary-junk.bin": "is not UTF-8 text (byte 0x9f at offset 4)",
    "cluster-without-server.yaml": 'cluster "c1" has no server URL',
    "comments-only.yaml": "defines no contexts",
    "context-body-text.yaml": "contexts[0].context must be a mapping, found text",
    "context-name-a-number.yaml": "contexts[0].name must be non-empty text, found a number",
    "context-without-cluster.yaml": 'context "dev" names no cluster',
    "contexts-not-a-list.yaml": "contexts must be a list, found a mapping",
    "control-characters.yaml": "is not valid YAML: control characters are not allowed",
    "current-context-a-list.yaml": "current-context must be text, found a list",
    "deep-nesting.yaml": "is nested more than 32 levels deep",
    "empty.yaml": "defines no contexts",
    "escape-in-current-context.yaml": 'current-context "␛]0;pwned␇␛[2J" is not one of its',
    "latin-1.yaml": "is not UTF-8 text (byte 0xe9 at offset 46)",
    "loop-a.yaml": "a loop of symbolic links",
    "loop-b.yaml": "a loop of symbolic links",
    "missing-cluster.yaml": 'context "dev" names cluster "gone", not defined',
    "missing-current-context.yaml": "sets no current-context",
    "missing-user.yaml": 'context "dev" names user "ghost", not defined',
    "namespace-a-mapping.yaml": 'contexts["dev"].context.namespace must be text, found a mapping',
    "python-tag.yaml": "is not valid YAML: could not determine a constructor",
    "server-a-number.yaml": 'clusters["c1"].cluster.server must be text, found a number',
    "tab-indent.yaml": "is not valid YAML: found a tab character",
    "top-level-list.yaml": "expected a mapping of kubeconfig fields, found a list",
    "top-level-text.yaml": "expected a mapping of kubeconfig fields, found text",
    "two-documents.yaml": "holds more than one YAML document",
    "unclosed-quote.yaml": "is not valid YAML: found unexpected end of stream",
    "unknown-current-context.yaml": 'current-context "nowhere" is not one of its contexts',
    "yaml-bomb.yaml": "expands to more than 200,000 YAML nodes",
}


def made(tmp: Path) -> dict[Path, str]:
    """The cases that cannot be files in the repository, with what they must say."""
    huge = tmp / "huge.yaml"
    with huge.open("w") as handle:
        handle.write("# padding\n" * (MAX_BYTES // 10 + 10))
    fifo = tmp / "a-fifo"
    os.mkfifo(fifo)
    return {
        huge: f"is {huge.stat().st_size:,} bytes; a kubeconfig is at most {MAX_BYTES:,}",
        Path("/dev/zero"): "is not a regular file",
        fifo: "is not a regular file",
        CORPUS / "empty.yaml" / "config": "a part of the path is a file, not a directory",
    }


def cases(tmp: Path) -> Iterator[tuple[Path, str]]:
    for name, words in sorted(EXPECTED.items()):
        yield CORPUS / name, words
    yield from made(tmp).items()


def test_every_corpus_file_has_an_expectation() -> None:
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(EXPECTED)


def test_the_command_line_says_one_line_and_exits_2(tmp_path: Path) -> None:
    started = time.monotonic()
    for path, words in cases(tmp_path):
        result = CliRunner(env={"KUBECONFIG": str(path)}).invoke(
            main, ["scale", "deploy/web", "3", "--dry-run", "--db", str(tmp_path / "t.db")]
        )
        assert result.exit_code == 2, (path, result.output)
        assert result.exception is None or isinstance(result.exception, SystemExit), path
        assert result.stdout == "", (path, result.stdout)
        assert result.stderr.count("\n") == 1, (path, result.stderr)
        assert result.stderr.startswith(f"error: kubeconfig {path}"), (path, result.stderr)
        assert words in result.stderr, (path, result.stderr)
        assert is_terminal_safe(result.stderr.rstrip("\n")), path
    assert time.monotonic() - started < 20  # a bound on a hang, not a speed claim


async def test_the_pods_panel_reads_an_error_naming_the_file(tmp_path: Path) -> None:
    for path, words in cases(tmp_path):
        src = pods_source(path, timeout=2.0)
        try:
            reading = await src.read()
        finally:
            await src.aclose()
        assert reading.error is not None, path
        assert reading.error.startswith(f"kubeconfig {path}"), (path, reading.error)
        assert words in reading.error and "\n" not in reading.error, (path, reading.error)


def test_a_named_kubeconfig_that_is_missing_is_said(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "config"
    result = CliRunner(env={"KUBECONFIG": str(missing)}).invoke(
        main, ["restart", "deploy/web", "--dry-run", "--db", str(tmp_path / "t.db")]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: no kubeconfig found (looked in {missing})")


@pytest.mark.parametrize(
    ("first", "second", "context"),
    [("dev", "prod", "dev"), ("", "prod", "prod")],
    ids=["first-wins", "first-non-empty-wins"],
)
def test_the_first_current_context_wins_as_in_kubectl(
    tmp_path: Path, first: str, second: str, context: str
) -> None:
    from cockpit.sources.kube.config import read_kubeconfig

    body = (
        "clusters: [{{name: c, cluster: {{server: 'https://127.0.0.1:9'}}}}]\n"
        "users: [{{name: u, user: {{token: t}}}}]\n"
        "contexts: [{{name: {name}, context: {{cluster: c, user: u}}}}]\n"
    )
    one, two = tmp_path / "one", tmp_path / "two"
    one.write_text(body.format(name="dev") + (f"current-context: {first}\n" if first else ""))
    two.write_text(body.format(name="prod") + f"current-context: {second}\n")
    kubeconfig = read_kubeconfig([one, tmp_path / "missing", two])
    assert kubeconfig is not None
    assert kubeconfig.context().name == context


# ---- whatever the file holds ----------------------------------------------------------------

_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), st.text(max_size=20)
)
_DOCUMENTS = st.recursive(
    _SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(
            st.sampled_from(
                ["clusters", "contexts", "users", "current-context", "name", "cluster",
                 "context", "user", "server", "namespace", "token", "x"]
            ),
            inner,
            max_size=5,
        ),
    ),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(document=_DOCUMENTS)
def test_any_yaml_structure_is_read_or_refused_in_one_line(
    tmp_path_factory: pytest.TempPathFactory, document: object
) -> None:
    import yaml

    from cockpit.sources.kube.config import KubeconfigError, read_kubeconfig

    path = tmp_path_factory.mktemp("kc") / "config"
    path.write_text(yaml.safe_dump(document))
    try:
        kubeconfig = read_kubeconfig([path])
        if kubeconfig is not None:
            kubeconfig.context()
    except KubeconfigError as error:
        assert error.message.startswith(f"kubeconfig {path}")
        assert "\n" not in error.message and is_terminal_safe(error.message)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw=st.binary(max_size=400))
def test_any_bytes_are_read_or_refused_in_one_line(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    from cockpit.sources.kube.config import KubeconfigError, read_kubeconfig

    path = tmp_path_factory.mktemp("kc") / "config"
    path.write_bytes(raw)
    try:
        kubeconfig = read_kubeconfig([path])
        if kubeconfig is not None:
            kubeconfig.context()
    except KubeconfigError as error:
        assert error.message.startswith(f"kubeconfig {path}")
        assert "\n" not in error.message and is_terminal_safe(error.message)
