"""The action preview's diff: field (the object path), current and new in aligned columns, with
the real current values — in the confirmation dialog (Pilot, 80 columns and wider) and on the
command line, against the fake API server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from rich.cells import cell_len
from textual.widgets import Input

from cockpit.app.cockpit_app import CockpitApp
from cockpit.cli.main import main
from cockpit.config.schema import Config
from cockpit.core.changes import AT_APPLY, diff_lines, diff_text, path, wrap_path
from cockpit.runtime.wiring import Runtime
from cockpit.screens.actions import ConfirmAction, HistoryScreen, ScaleForm
from cockpit.sources.kube.actions import RESTARTED_AT, RESTARTED_PATH
from tests.conftest import FakeClock
from tests.integration.test_kube_actions import deploy_history, web
from tests.support.fakekube import FakeKube
from tests.support.fakekube.apps import install
from tests.support.screen_text import screen_lines, screen_text, wait_for
from tests.support.workers import sources_ready
from tests.ui.test_actions_pilot import started

STAMP = "2026-12-03T13:39:33Z"


def restarted_web() -> dict[str, Any]:
    """deployment/web whose pod template was restarted before: it has a restartedAt."""
    obj = web(3)
    obj["spec"]["template"]["metadata"]["annotations"] = {RESTARTED_AT: STAMP}
    return obj


@pytest.fixture
def live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeKube]:
    with FakeKube() as server:
        install(server)
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        monkeypatch.delenv("COCKPIT_DB", raising=False)
        yield server


def column(line: str, text: str) -> int:
    assert text in line, (text, line)
    return line.index(text)


def inside(line: str) -> str:
    """A dialog line without its border."""
    return line.split("│")[1] if "│" in line else line


def stacked_values(lines: list[str], field_start: str) -> tuple[str, str, int]:
    """The current and new values under a stacked field, and the column both start at."""
    at = next(i for i, line in enumerate(lines) if field_start in line)
    current = next(line for line in lines[at:] if line.strip().startswith("current"))
    new = next(line for line in lines[at:] if line.strip().startswith("new "))
    start = len(current) - len(current.lstrip()) + len("current  ")
    value_current = current[start:].strip()
    value_new = new[start:].strip()
    assert new[start - 1] == " " and new[start] != " "  # the two values start in one column
    return value_current, value_new, start


# ---- the layout, for any text ---------------------------------------------------------------

cell = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1, max_size=50
)
changes_strategy = st.lists(st.tuples(cell, cell, cell), min_size=1, max_size=5)


def starts(line: list[tuple[str, str]]) -> list[int]:
    """The terminal column where each part of a line begins (wide characters count two)."""
    out = [0]
    for text, _ in line[:-1]:
        out.append(out[-1] + cell_len(text))
    return out


@given(changes_strategy, st.integers(min_value=20, max_value=200))
def test_columns_line_up_or_stack_for_any_text(
    changes: list[tuple[str, str, str]], width: int
) -> None:
    lines = diff_lines(changes, width)
    if lines[0][0][1] == "header":
        # Columns: every row's parts start where the header's do, two spaces at least apart,
        # and the whole fits the width.
        header = starts(lines[0])
        for row, change in zip(lines[1:], changes, strict=True):
            assert [text for text, role in row if role != "space"] == list(change)
            assert [starts(row)[i] for i in (0, 2, 4)] == header
            assert all(text.endswith("  ") for text, role in row if role == "space")
        assert all(sum(cell_len(text) for text, _ in line) <= width for line in lines)
    else:
        # Stacked: the fields on their own lines, every current and new after labels of one
        # width, so their values start in one column.
        values = [(text, role) for line in lines for text, role in line if role != "field"]
        labels = [text for text, role in values if role == "label"]
        assert len({cell_len(label) for label in labels}) == 1
        assert [text for text, role in values if role == "current"] == [c for _, c, _ in changes]
        assert [text for text, role in values if role == "new"] == [n for _, _, n in changes]
        assert all(
            [role for _, role in line] in (["field"], ["label", "current"], ["label", "new"])
            for line in lines
        )


def test_a_long_path_breaks_between_its_parts_never_inside_a_key() -> None:
    assert wrap_path(RESTARTED_PATH, 68) == [
        "spec.template.metadata.annotations",
        '  ["kubectl.kubernetes.io/restartedAt"]',
    ]
    assert path("spec", "replicas") == "spec.replicas"
    assert RESTARTED_PATH == (
        'spec.template.metadata.annotations["kubectl.kubernetes.io/restartedAt"]'
    )


def test_columns_in_plain_text() -> None:
    text = diff_text([("spec.replicas", "3", "5")], 80, indent="  ")
    assert text == ["  FIELD          CURRENT  NEW", "  spec.replicas  3        5"]


# ---- restart: the real current restartedAt ---------------------------------------------------


async def test_restart_preview_at_80_columns_shows_the_templates_real_restarted_at(
    live: FakeKube, tmp_path: Path
) -> None:
    live.add(restarted_web())
    config = Config.model_validate({"panels": {"pods": {"namespace": "shop"}}})
    app = CockpitApp(Runtime.build(config, context="fake", db=tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await sources_ready(pilot, app)
        await pilot.press("R")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await wait_for(pilot, lambda: "dry run passed" in screen_text(app))
        lines = [inside(line) for line in screen_lines(app)]
    text = "\n".join(lines)
    # The pod template's annotation, by its path, broken between parts at 80 columns.
    assert " spec.template.metadata.annotations " in text
    assert '   ["kubectl.kubernetes.io/restartedAt"]' in text
    current, new, _ = stacked_values(lines, "spec.template.metadata.annotations")
    assert (current, new) == (STAMP, AT_APPLY)
    assert "restartedAt" + STAMP not in text.replace('"]', "").replace(" ", "")


def test_restart_preview_on_the_command_line_shows_the_real_current_value(
    live: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    live.add(restarted_web())
    monkeypatch.setenv("COLUMNS", "80")
    result = CliRunner().invoke(
        main, ["restart", "deploy/web", "-n", "shop", "--dry-run", "--db", str(tmp_path / "t.db")]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    # 78 columns after the indent: the path fits whole; the three columns do not, so the
    # values stack under it.
    assert f"  {RESTARTED_PATH}" in lines
    current, new, start = stacked_values(lines, RESTARTED_PATH)
    assert (current, new) == (STAMP, AT_APPLY) and start == len("    current  ")
    assert all(len(line) <= 80 for line in lines if "same as" not in line)


# ---- rollback: the image change with the container's name -------------------------------------


def test_rollback_preview_names_the_container_in_columns(
    live: FakeKube, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deploy_history(live, 2)
    monkeypatch.setenv("COLUMNS", "160")
    result = CliRunner().invoke(
        main, ["rollback", "deploy/web", "-n", "shop", "--dry-run", "--db", str(tmp_path / "t.db")]
    )
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    header = next(line for line in lines if line.strip().startswith("FIELD"))
    image = next(line for line in lines if "containers[app].image" in line)
    cause = next(line for line in lines if "change-cause" in line)
    revision = next(line for line in lines if "deployment.kubernetes.io/revision" in line)
    assert image.split() == ["spec.template.spec.containers[app].image", "web:v2", "web:v1"]
    assert cause.strip().split("  ")[0] == 'metadata.annotations["kubernetes.io/change-cause"]'
    for row, current, new in (
        (image, "web:v2", "web:v1"),
        (cause, "deploy v2", "deploy v1"),
        (revision, "2", "3 (revision 1's template)"),
    ):
        assert column(row, current) == column(header, "CURRENT")
        assert column(row, new) == column(header, "NEW")


async def test_rollback_preview_at_80_columns_names_the_container(
    live: FakeKube, tmp_path: Path
) -> None:
    deploy_history(live, 3)
    config = Config.model_validate({"panels": {"pods": {"namespace": "shop"}}})
    app = CockpitApp(Runtime.build(config, context="fake", db=tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await sources_ready(pilot, app)
        await pilot.press("U")
        await wait_for(pilot, lambda: isinstance(app.screen, HistoryScreen))
        await wait_for(pilot, lambda: "deploy v3" in screen_text(app))
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await wait_for(pilot, lambda: "dry run passed" in screen_text(app))
        lines = [inside(line) for line in screen_lines(app)]
        # More rows than 24 lines hold: the keys' line stays in view, the rest scrolls to.
        assert "y applies · esc cancels" in screen_text(app)
        assert "change-cause" not in screen_text(app)
        await pilot.press(*["down"] * 6)
        await wait_for(pilot, lambda: "change-cause" in screen_text(app))
        assert "y applies · esc cancels" in screen_text(app)
    assert any(line.strip() == "spec.template.spec.containers[app].image" for line in lines)
    assert stacked_values(lines, "containers[app].image")[:2] == ("web:v3", "web:v2")


# ---- scale: columns at 80 in the dialog -------------------------------------------------------


async def test_scale_preview_columns_line_up_at_80(clock: FakeClock, tmp_path: Path) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock, db=tmp_path / "t.db"))
    async with app.run_test(size=(80, 24)) as pilot:
        await started(pilot, app)
        await pilot.press("s")
        await wait_for(pilot, lambda: isinstance(app.screen, ScaleForm))
        app.screen.query_one(Input).value = "6"
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
        await wait_for(pilot, lambda: "spec.replicas" in screen_text(app))
        lines = screen_lines(app)
    header = next(line for line in lines if "FIELD" in line)
    row = next(line for line in lines if "spec.replicas" in line)
    assert column(row, "spec.replicas") == column(header, "FIELD")
    assert column(row, "4") == column(header, "CURRENT")
    assert column(row, "6") == column(header, "NEW")
