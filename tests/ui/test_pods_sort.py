"""The pods table puts the broken pods where a person looks first, at 80x24 as at 160x48.

Fifty pods as the API server sends them (JSON through kubectl's STATUS rule), five of them stuck
Pending and named to sort last by name: the screen must show those five, and the columns that
matter must fit.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from cockpit.app.cockpit_app import CockpitApp, ReadingArrived
from cockpit.core.model import PodList, PodRow, Reading, Status
from cockpit.core.podstatus import RECENT_RESTART, PodRank, pod_rank, pod_row, status_rank
from cockpit.runtime.wiring import Runtime, build_sources
from cockpit.widgets.pods_panel import PodsPanel, fit_columns, pod_cells, sort_key
from tests.conftest import T0, FakeClock
from tests.support.fakekube import pod
from tests.support.screen_text import screen_lines, screen_text, settled_screen, wait_for

CREATED = T0 - timedelta(hours=3)
# kubectl's usual length: a Deployment's name, its ReplicaSet hash and the pod's suffix.
RUNNING = [f"api-7d9f8b6c5d-{i:05d}" for i in range(45)]
PENDING = [f"worker-5c4b9f7d8-{i:05d}" for i in range(5)]


def fifty_pods() -> PodList:
    raw = [pod(n, created=CREATED, node=f"node-{i % 3}") for i, n in enumerate(RUNNING)]
    raw += [
        pod(n, created=T0 - timedelta(minutes=4), node="", phase="Pending", ready=False)
        for n in PENDING
    ]
    for item in raw[-5:]:
        # Unscheduled: no node, no container has started.
        item["status"] = {"phase": "Pending"}
    return PodList(tuple(pod_row(item, T0) for item in raw))


async def show_fifty(app: CockpitApp) -> PodsPanel:
    app.source_set = build_sources(app.runtime)
    assert app.source_set is not None
    for source, _ in app.source_set.sources:
        if source.panel != "pods":
            app.post_message(ReadingArrived(await source.read()))
    pods = fifty_pods()
    values = {"pods": 50.0, "not_ready": 5.0}
    app.post_message(ReadingArrived(Reading("pods", T0, values, Status.WARN, detail=pods)))
    panel = app.dashboard.panels["pods"]
    assert isinstance(panel, PodsPanel)
    return panel


def table_lines(app: CockpitApp) -> list[str]:
    """The screen lines inside the pods panel (between its title and bottom border)."""
    lines = screen_lines(app)
    top = next(i for i, line in enumerate(lines) if "Pods" in line and "╭" in line)
    bottom = next(i for i in range(top + 1, len(lines)) if "╰" in lines[i])
    return lines[top + 1 : bottom]


@pytest.mark.parametrize("size", [(80, 24), (160, 48)])
async def test_the_broken_pods_are_the_rows_on_screen(
    clock: FakeClock, size: tuple[int, int]
) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock), start_sources=False)
    async with app.run_test(size=size) as pilot:
        panel = await show_fifty(app)
        await settled_screen(pilot)
        inside = "\n".join(table_lines(app))
        header = next(line for line in table_lines(app) if "NAME" in line)
        for column in ("NAME", "READY", "STATUS", "RESTARTS", "AGE"):
            assert column in header, (column, header)
        # The first rows of the table are the five Pending pods, though they sort last by name.
        shown = [line for line in table_lines(app) if "-7d9f8b6c5d-" in line or "-5c4b9f" in line]
        assert shown, inside
        assert all(name in shown[i] for i, name in enumerate(PENDING)), shown
        assert all("Pending" in line for line in shown[:5])
        # Nothing is cut sideways: a whole name, and the line ends inside the screen.
        assert all(len(line) <= size[0] for line in screen_lines(app))
        text = screen_text(app)
        assert "sorted by status" in text
        if size == (160, 48):
            assert "NODE" in header and "node-1" in inside
        # Not every row fits at 80x24: the title says which are in view.
        if len(shown) < 50:
            assert f"1–{len(shown)} of 50" in text, text
        assert panel.table.row_count == 50


async def test_the_sort_key_cycles_and_the_panel_says_which(clock: FakeClock) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock), start_sources=False)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await show_fifty(app)
        await pilot.pause()
        names = [panel.table.get_row_at(i)[0].plain for i in range(panel.table.row_count)]
        assert names[:5] == PENDING
        seen = []
        for _ in range(4):
            await pilot.press("S")
            await pilot.pause()
            seen.append(panel.sort)
            assert f"sorted by {panel.sort}" in screen_text(app)
        assert seen == ["name", "age", "restarts", "status"]
        # By name, the pending pods go below the fold at 80x24; by status they are back on top.
        await pilot.press("S")
        await pilot.pause()
        assert not any(name in screen_text(app) for name in PENDING)
        assert "api-7d9f8b6c5d-00000" in screen_text(app)
        await pilot.press("S", "S", "S")
        await pilot.pause()
        assert all(name in screen_text(app) for name in PENDING)


async def test_the_title_follows_the_scroll(clock: FakeClock) -> None:
    app = CockpitApp(Runtime.for_demo(clock=clock), start_sources=False)
    async with app.run_test(size=(80, 24)) as pilot:
        panel = await show_fifty(app)
        await settled_screen(pilot)
        first, last = panel.table.rows_in_view()
        assert (first, last) == (1, last) and last < 50
        panel.table.focus()
        await pilot.pause()
        await pilot.press("ctrl+end")
        await wait_for(pilot, lambda: panel.table.rows_in_view()[1] == 50)
        await pilot.pause()
        first, last = panel.table.rows_in_view()
        assert last == 50 and first > 1
        assert f"{first}–50 of 50" in screen_text(app)


def test_restarts_are_shorter_on_a_narrow_screen() -> None:
    row = PodRow("web-1", "1/1", "Running", 3, CREATED, "node-a", T0 - timedelta(seconds=192))
    wide = fit_columns(200, 25, 12)
    narrow = fit_columns(76, 25, 12)
    assert pod_cells(row, T0, layout=wide)[3] == "3 (3m12s ago)"
    assert pod_cells(row, T0, layout=narrow)[3] == "3 (3m)"
    assert wide.node and not narrow.node
    # At 80 columns STATUS and RESTARTS take fewer than 35 of them (with the cell padding).
    assert (narrow.width("STATUS") or 0) + (narrow.width("RESTARTS") or 0) + 4 < 35


FAILING_WORDS = ["CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull", "OOMKilled",
                 "Init:Error", "Init:CrashLoopBackOff", "ExitCode:137", "Signal:9", "Unknown",
                 "Evicted", "CreateContainerConfigError", "NotReady"]  # fmt: skip
PENDING_WORDS = ["Pending", "ContainerCreating", "PodInitializing", "Init:0/2", "Terminating",
                 "SchedulingGated"]  # fmt: skip


@pytest.mark.parametrize("word", FAILING_WORDS)
def test_failures_rank_first(word: str) -> None:
    assert status_rank(word, "0/1") is PodRank.FAILING


@pytest.mark.parametrize("word", PENDING_WORDS)
def test_pods_on_their_way_rank_next(word: str) -> None:
    assert status_rank(word, "0/1") is PodRank.PENDING


def test_running_pods_rank_by_ready_and_recent_restarts() -> None:
    assert status_rank("Running", "0/2") is PodRank.FAILING
    assert status_rank("Running", "1/2") is PodRank.PENDING
    assert status_rank("Running", "2/2") is PodRank.HEALTHY
    assert status_rank("Completed", "0/1") is PodRank.HEALTHY
    recent = PodRow("a", "1/1", "Running", 2, CREATED, "n", T0 - timedelta(minutes=2))
    old = PodRow("a", "1/1", "Running", 2, CREATED, "n", T0 - RECENT_RESTART)
    assert pod_rank(recent, T0) is PodRank.RESTARTING
    assert pod_rank(old, T0) is PodRank.HEALTHY


@given(st.text(min_size=1, max_size=40), st.sampled_from(["0/1", "1/1", "1/2", ""]))
def test_any_status_word_has_a_rank_and_the_colour_agrees(word: str, ready: str) -> None:
    """A word from a newer kubelet still sorts (unknown words count as failures) and the STATUS
    cell's colour says what the sort says."""
    row = PodRow("p", ready or "1/1", word, 0, CREATED)
    rank = pod_rank(row, T0)
    assert sort_key("status", row, T0)[0] == rank
    cell = pod_cells(row, T0, "warn", "crit")[2]
    style = getattr(cell, "style", "")
    assert style == {PodRank.FAILING: "crit", PodRank.PENDING: "warn"}.get(rank, "")
