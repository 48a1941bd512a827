"""Action safety on the wire, for every mutating path: the intent is on disk before the request
that changes anything reaches the API server, the outcome after it, and read-only mode sends no
mutating request at all yet records the refusal. Each case is one row of the table below, so a
new verb without a row is noticed (`test_the_table_covers_every_verb`)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from cockpit.actions import steps as action_steps
from cockpit.config.schema import Config
from cockpit.core.mitigation import ActionRequest, Verb
from cockpit.incident.recorder import Recorder
from tests.integration.test_kube_actions import actions, database, deploy_history
from tests.support.fakekube import FakeKube
from tests.support.fakekube.apps import install

MUTATIONS = [
    pytest.param(ActionRequest(Verb.SCALE, "deployment", "web", "shop", replicas=5), id="scale"),
    pytest.param(ActionRequest(Verb.SCALE, "statefulset", "db", "shop", replicas=4),
                 id="scale-statefulset"),
    pytest.param(ActionRequest(Verb.RESTART, "deployment", "web", "shop"), id="restart"),
    pytest.param(ActionRequest(Verb.RESTART, "statefulset", "db", "shop"),
                 id="restart-statefulset"),
    pytest.param(ActionRequest(Verb.ROLLBACK, "deployment", "web", "shop"), id="undo"),
    pytest.param(ActionRequest(Verb.ROLLBACK, "deployment", "web", "shop", to_revision=1),
                 id="undo-to-revision"),
]


def test_the_table_covers_every_verb() -> None:
    covered = {p.values[0].verb for p in MUTATIONS}  # type: ignore[union-attr]
    assert covered == set(Verb)


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[FakeKube, Path]]:
    with FakeKube() as kube:
        install(kube)
        deploy_history(kube, 2)
        kube.add(database())
        yield kube, kube.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")


def action_phases(db: Path) -> list[str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT json_extract(data, '$.phase') FROM events WHERE kind = 'action' ORDER BY seq"
        ).fetchall()
    return [phase for (phase,) in rows]


def watch_writes(kube: FakeKube, db: Path) -> list[list[str]]:
    """For every mutating request that reaches the server (dry runs apart), what the timeline
    held at that moment."""
    seen: list[list[str]] = []
    for key, handler in list(kube.handlers.items()):
        if key[0] not in ("patch", "update", "create", "delete"):
            continue

        def spy(request: Any, handler: Any = handler) -> Any:
            if request.query.get("dryRun") != "All":
                seen.append(action_phases(db))
            return handler(request)

        kube.handlers[key] = spy
    return seen


async def preview_and_perform(
    kubeconfig: Path, db: Path, mutation: ActionRequest, *, read_only: bool
) -> action_steps.Performed:
    """The steps a key or a command takes, into an open incident's timeline in `db`."""
    recorder = await Recorder.open(db)
    await recorder.declare("checkout down", 2)
    adapter = actions(kubeconfig, read_only=read_only)
    try:
        preview = await action_steps.preview(adapter, mutation)
        return await action_steps.perform(
            adapter, mutation, preview.changes, recorder=recorder, config=Config()
        )
    finally:
        await adapter.pods.aclose()
        await recorder.close()


@pytest.mark.parametrize("mutation", MUTATIONS)
async def test_intent_is_on_disk_before_the_write_and_outcome_after(
    cluster: tuple[FakeKube, Path], tmp_path: Path, mutation: ActionRequest
) -> None:
    kube, kubeconfig = cluster
    db = tmp_path / "timeline.db"
    seen = watch_writes(kube, db)
    performed = await preview_and_perform(kubeconfig, db, mutation, read_only=False)
    assert performed.result.ok, performed.result.message
    assert seen == [["intent"]], "exactly one write, with the intent already committed"
    assert action_phases(db) == ["intent", "outcome"]


@pytest.mark.parametrize("mutation", MUTATIONS)
async def test_read_only_sends_no_write_and_records_the_refusal(
    cluster: tuple[FakeKube, Path], tmp_path: Path, mutation: ActionRequest
) -> None:
    kube, kubeconfig = cluster
    db = tmp_path / "timeline.db"
    kube.requests.clear()
    performed = await preview_and_perform(kubeconfig, db, mutation, read_only=True)
    assert not performed.result.ok and "read-only" in performed.result.message
    assert [method for method, _ in kube.requests if method != "GET"] == []
    assert action_phases(db) == ["intent", "outcome"]
