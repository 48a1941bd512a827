"""The postmortem a responder reads, from a real timeline file written through the Recorder:
actions counted once with their outcome and rollout, every kubectl command naming its context,
automatic entries attributed to the cockpit, and no doubled labels."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from cockpit.actions import steps as action_steps
from cockpit.cli.timeline import register
from cockpit.config.schema import Config, PodsPanel, panel_measures
from cockpit.core.mitigation import ActionRequest, Verb
from cockpit.core.records import EventKind
from cockpit.incident.breaches import SloChange
from cockpit.incident.postmortem import without_repeat
from cockpit.incident.recorder import Recorder
from cockpit.incident.store import Timeline
from cockpit.runtime.snapshot import measure_name
from cockpit.sources.kube.actions import KubeActions
from cockpit.sources.kube.pods import KubernetesPods
from tests.conftest import T0
from tests.support.fakekube import FakeKube
from tests.support.fakekube.apps import install
from tests.support.fakekube.server import resource_for


def web(replicas: int) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "shop", "generation": 1,
                     "annotations": {"deployment.kubernetes.io/revision": "1"}},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": "web"}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": [{"name": "app", "image": "web:v1"}]}},
        },
        "status": {"observedGeneration": 1, "replicas": replicas, "updatedReplicas": replicas,
                   "readyReplicas": replicas, "availableReplicas": replicas},
    }  # fmt: skip


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[tuple[FakeKube, Path]]:
    with FakeKube() as kube:
        install(kube)
        kube.add(web(3))
        # No --context anywhere: the kubeconfig's current context ("fake") is where actions go.
        yield kube, kube.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")


def settle(kube: FakeKube) -> None:
    """The deployment controller's part: the new pods are up and ready."""
    obj = copy.deepcopy(kube.store.get(resource_for("deployments", "apps"), "shop", "web"))
    assert obj is not None
    replicas = obj["spec"]["replicas"]
    generation = obj["metadata"].get("generation", 1)
    obj["status"] = {"observedGeneration": generation, "replicas": replicas,
                     "updatedReplicas": replicas, "readyReplicas": replicas,
                     "availableReplicas": replicas}  # fmt: skip
    kube.add(obj)


async def act_and_follow(
    kube: FakeKube, actions: KubeActions, recorder: Recorder, request: ActionRequest
) -> None:
    """As the cockpit does it: intent → apply → outcome, then the rollout to its end."""
    performed = await action_steps.perform(actions, request, (), recorder=recorder, config=Config())
    assert performed.result.ok, performed.result.message
    settle(kube)
    last = None
    async for status in action_steps.follow_rollout(actions, request, poll=0.02, limit=30):
        last = status
    assert last is not None and last.done
    await action_steps.record_rollout(recorder, request, last)


def export(db: Path) -> str:
    """`cockpit export INCIDENT`: the Markdown a responder reads."""

    @click.group()
    def group() -> None:
        """The `cockpit` group's timeline commands."""

    register(group)
    result = CliRunner().invoke(group, ["export", _only_incident(db), "--db", str(db)])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.stdout


def _only_incident(db: Path) -> str:
    async def first() -> str:
        store = await Timeline.open(db)
        try:
            (incident,) = await store.list_incidents()
            return incident.id
        finally:
            await store.close()

    return asyncio.run(first())


def section(markdown: str, title: str) -> list[str]:
    lines = markdown.split(f"## {title}\n\n", 1)[1].split("\n## ", 1)[0].strip().splitlines()
    return [line for line in lines if line]


async def test_two_actions_with_rollouts_read_as_two_actions_naming_the_context(
    cluster: tuple[FakeKube, Path], tmp_path: Path
) -> None:
    kube, kubeconfig = cluster
    db = tmp_path / "timeline.db"
    pods = KubernetesPods(
        "pods", panel_measures("pods", PodsPanel()), namespace="shop", kubeconfig=str(kubeconfig)
    )
    actions = KubeActions(pods, read_only=False)
    recorder = await Recorder.open(db, actor="oncall@laptop")
    try:
        await recorder.declare("Checkout slow", "SEV2")
        scale = ActionRequest(Verb.SCALE, "deployment", "web", "shop", replicas=5)
        await act_and_follow(kube, actions, recorder, scale)
        restart = ActionRequest(Verb.RESTART, "deployment", "web", "shop")
        await act_and_follow(kube, actions, recorder, restart)
    finally:
        await recorder.close()
        await pods.aclose()

    markdown = await _in_thread(export, db)
    taken = section(markdown, "Actions taken")
    bullets = [line for line in taken if line.startswith("- ")]
    assert len(bullets) == 2, taken
    assert "2 actions." in markdown
    assert "no outcome recorded" not in markdown
    assert "scale deployment/web to 5 replicas" in bullets[0]
    assert "result: succeeded: deployment.apps/web scaled; Rollout done:" in bullets[0]
    assert "rollout restart deployment/web" in bullets[1]
    assert "result: succeeded: deployment.apps/web restarted; Rollout done:" in bullets[1]
    commands = [line.strip() for line in taken if line.strip().startswith("- command:")]
    assert commands == [
        "- command: `kubectl --context fake -n shop scale deployment/web --replicas=5`",
        "- command: `kubectl --context fake -n shop rollout restart deployment/web`",
    ]
    # The timeline rows carry the context in the recorded command too.
    intents = [line for line in section(markdown, "Timeline") if "Intent:" in line]
    assert len(intents) == 2 and all("kubectl --context fake -n shop" in i for i in intents)


async def test_automatic_entries_are_the_cockpits_and_labels_are_not_doubled(
    tmp_path: Path,
) -> None:
    db = tmp_path / "timeline.db"
    recorder = await Recorder.open(db, actor="oncall@laptop")
    try:
        # As an older cockpit recorded it: "<panel title> <measure label>" with the title
        # already ending in the label.
        await recorder.declare("Queue backlog", "SEV3", {"Queue depth depth": "912 CRIT"})
        await recorder.record_slo(
            SloChange("queue", "Queue depth", True, T0 - timedelta(minutes=3), "Queue: breached")
        )
        # Older records: automatic entries written with the local user as the actor.
        await recorder.record(EventKind.ALERT, "Alert firing: QueueBacklog (page)", "alerts")
        await recorder.record(
            EventKind.SYSTEM,
            "Phase TRIAGE took 6:00 (time box 5:00, over by 1:00)",
            "phases",
            {"phase_key": "k1", "phase": "TRIAGE"},
        )
        await recorder.record(
            EventKind.SYSTEM, "Phase: MITIGATE (marked by hand)", "phases", {"phase_mark": "M"}
        )
        await recorder.note("consumer lag since the 14:00 deploy")
    finally:
        await recorder.close()

    markdown = await _in_thread(export, db)
    rows = [line.split(" | ") for line in section(markdown, "Timeline")[2:]]

    def actor_of(words: str) -> str:
        (actor,) = [cells[2] for cells in rows if words in cells[1]]
        return actor

    assert actor_of("Queue: breached") == "cockpit"
    assert actor_of("Alert firing: QueueBacklog") == "cockpit"
    assert actor_of("Phase TRIAGE took 6:00") == "cockpit"
    assert actor_of("Panels when declared") == "cockpit"
    # What people did stays theirs.
    assert actor_of("Phase: MITIGATE (marked by hand)") == "oncall@laptop"
    assert actor_of("Incident declared: Queue backlog") == "oncall@laptop"
    assert actor_of("consumer lag since the 14:00 deploy") == "oncall@laptop"
    assert "| Queue depth | 912 CRIT |" in markdown
    assert "depth depth" not in section(markdown, "Panel values")[2]


async def test_older_commands_without_a_context_say_so_or_get_the_recorded_one(
    tmp_path: Path,
) -> None:
    db = tmp_path / "timeline.db"
    recorder = await Recorder.open(db, actor="oncall")
    argv = ["kubectl", "-n", "shop", "scale", "deployment/web", "--replicas=4"]
    try:
        await recorder.declare("Old record", "SEV3")
        for context in ("prod-eu", ""):
            intent = await recorder.record_action(
                "intent",
                "Intent: scale deployment/web to 4 replicas — " + " ".join(argv),
                {"object": "deployment/web", "context": context, "argv": argv},
            )
            assert intent is not None
            await recorder.record_action(
                "outcome",
                "Done: deployment.apps/web scaled",
                {"object": "deployment/web", "intent": intent.uuid, "result": "succeeded: ok"},
            )
    finally:
        await recorder.close()
    markdown = await _in_thread(export, db)
    commands = [line.strip() for line in section(markdown, "Actions taken") if "command:" in line]
    assert commands == [
        "- command: `kubectl --context prod-eu -n shop scale deployment/web --replicas=4`",
        "- command: `kubectl -n shop scale deployment/web --replicas=4` "
        "(context not recorded: the kubeconfig's current one)",
    ]
    assert "2 actions." in markdown


@pytest.mark.parametrize(
    ("title", "label", "shown"),
    [
        ("Queue depth", "depth", "Queue depth"),
        ("Queue depth", "Depth", "Queue depth"),
        ("Error rate", "ratio", "Error rate ratio"),
        ("Latency", "p95", "Latency p95"),
        ("Backup", "", "Backup"),
    ],
)
def test_a_value_is_named_once(title: str, label: str, shown: str) -> None:
    assert measure_name(title, label) == shown


@pytest.mark.parametrize(
    ("recorded", "shown"),
    [
        ("Queue depth depth", "Queue depth"),
        ("Latency p95 latency p95", "Latency p95"),
        ("Error rate ratio", "Error rate ratio"),
        ("Pods pods", "Pods"),
        ("Pods", "Pods"),
    ],
)
def test_older_doubled_labels_read_once(recorded: str, shown: str) -> None:
    assert without_repeat(recorded) == shown


async def _in_thread(fn: Any, *args: Any) -> Any:
    # The CLI runs its own event loop; it cannot run inside the test's.
    return await asyncio.to_thread(fn, *args)


async def test_a_rollout_whose_action_is_not_in_the_record_is_no_action(tmp_path: Path) -> None:
    db = tmp_path / "timeline.db"
    recorder = await Recorder.open(db, actor="oncall")
    try:
        await recorder.declare("Declared after the scale", "SEV3")
        await recorder.record_action(
            "rollout",
            'Rollout done: deployment "web" successfully rolled out',
            {"object": "deployment/web", "failed": False},
        )
        # An older action recorded in one event, without a result: said plainly.
        await recorder.record_action("", "scale deployment/api 2 → 4", {"object": "deployment/api"})
    finally:
        await recorder.close()
    markdown = await _in_thread(export, db)
    assert "1 action." in markdown
    assert section(markdown, "Actions taken")[0].endswith(
        "(oncall) — follow-up of an action not in this record"
    )
    assert section(markdown, "Actions taken")[1].endswith(
        "scale deployment/api 2 → 4 (oncall) — result: no outcome recorded"
    )
