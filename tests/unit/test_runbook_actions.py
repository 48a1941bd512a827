"""Runbook commands that are the cockpit's own actions, and which section a panel opens."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from cockpit.core.mitigation import ActionRequest, Verb
from cockpit.core.records import Event, EventKind
from cockpit.runbooks.actions import ExternalCommand, action_mismatch, command_to_action
from cockpit.runbooks.checklist import step_entry, ticked_steps
from cockpit.runbooks.load import load_runbooks
from cockpit.runbooks.match import find_section, match_section, resolve_section
from tests.conftest import T0

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "runbooks"


def act(text: str) -> ActionRequest | ExternalCommand | None:
    return command_to_action(text, namespace="shop", context="demo")


def test_kubectl_scale_restart_and_undo_become_requests_like_the_keys() -> None:
    scale = act("kubectl -n jobs scale deployment orders-worker --replicas=12 --current-replicas=4")
    assert scale == ActionRequest(Verb.SCALE, "deployment", "orders-worker", "jobs", "demo", 12, 4)
    restart = act("kubectl rollout restart deploy/checkout -n shop")
    assert restart == ActionRequest(Verb.RESTART, "deployment", "checkout", "shop", "demo")
    undo = act("kubectl rollout undo deployment/checkout --namespace=shop --to-revision=3")
    assert isinstance(undo, ActionRequest) and undo.to_revision == 3
    assert undo.argv() == [
        "kubectl", "--context", "demo", "-n", "shop", "rollout", "undo",
        "deployment/checkout", "--to-revision=3",
    ]  # fmt: skip


@pytest.mark.parametrize(
    "text",
    [
        "kubectl rollout restart deploy/checkout; rm -rf /",  # a second command
        "kubectl rollout restart deploy/checkout && echo ok",
        "kubectl scale deploy/checkout --replicas=$N",  # still to fill in
        "kubectl scale deploy/checkout --replicas=<n>",
        "kubectl scale deploy/checkout",  # no count
        "kubectl scale deploy/checkout --replicas=2 --dry-run=server",  # an option not understood
        "kubectl rollout restart deploy/a deploy/b",  # several objects
        "kubectl rollout restart -l app=checkout",
        "kubectl get pods",
        "kubectl delete deploy/checkout",
        "helm upgrade checkout ./chart",
        "helm rollback checkout $(cat rev)",
        "sudo kubectl rollout restart deploy/checkout",
    ],
)
def test_anything_not_understood_exactly_stays_a_command_to_copy(text: str) -> None:
    assert act(text) is None


def test_helm_rollback_is_rebuilt_as_an_argv_list() -> None:
    helm = act("helm rollback gateway 41 -n payments --wait")
    assert isinstance(helm, ExternalCommand)
    assert helm.argv == (
        "helm", "rollback", "gateway", "41", "--namespace", "payments",
        "--kube-context", "demo", "--wait",
    )  # fmt: skip
    request = helm.as_request()
    assert request.command == helm.argv and request.verb is Verb.ROLLBACK


def test_another_namespace_or_context_is_refused_with_the_reason() -> None:
    other_ns = act("kubectl -n jobs rollout restart deployment/orders-worker")
    assert isinstance(other_ns, ActionRequest)
    reason = action_mismatch(other_ns, context="demo", namespace="shop")
    assert reason is not None and "'jobs'" in reason and "-n" in reason
    other_ctx = act("kubectl --context prod-eu rollout restart deployment/checkout")
    assert isinstance(other_ctx, ActionRequest)
    reason = action_mismatch(other_ctx, context="demo", namespace="shop")
    assert reason is not None and "'prod-eu'" in reason
    unnamed = command_to_action(
        "kubectl --context prod-eu rollout restart deployment/checkout", namespace="shop"
    )
    assert isinstance(unnamed, ActionRequest)
    reason = action_mismatch(unnamed, context="", namespace="shop")
    assert reason is not None and "the kubeconfig's current context" in reason
    helm = act("helm rollback checkout -n payments")
    assert isinstance(helm, ExternalCommand)
    assert action_mismatch(helm.as_request(), context="demo", namespace="shop") is not None
    same = act("kubectl rollout restart deployment/checkout")
    assert isinstance(same, ActionRequest)
    assert action_mismatch(same, context="demo", namespace="shop") is None


def test_panels_find_their_section_by_slo_title_or_keywords() -> None:
    books, problems = load_runbooks([EXAMPLES])
    assert problems == []
    assert match_section(books, "latency").ref == "api-service.md#high-latency-p95--300ms"
    assert match_section(books, "error_rate").ref == "api-service.md#error-rate-above-1"
    assert match_section(books, "queue").ref == "queue-consumer.md#when-the-queue-backs-up"
    backup = match_section(books, "backup")
    assert backup is not None and backup.runbook.name == "database-backup.md"
    # An alert by its name and labels.
    alert = match_section(books, "alerts", ["PoisonMessage", "orders"])
    assert alert is not None and alert.section.slug == "poison-messages"


def test_explicit_links_win_and_accept_urls_and_titles() -> None:
    books, _ = load_runbooks([EXAMPLES])
    linked = resolve_section(books, "latency", link="api-service.md#roll-back")
    assert linked is not None and linked.section.slug == "roll-back"
    url = find_section(books, "https://wiki.example.com/runbooks/api-service.md#escalation")
    assert url is not None and url.section.slug == "escalation"
    assert find_section(books, "api-service#Roll back") is not None
    assert find_section(books, "nothing.md#x") is None
    # A broken link falls back to matching rather than opening nothing.
    fallback = resolve_section(books, "queue", link="gone.md#x")
    assert fallback is not None and fallback.runbook.name == "queue-consumer.md"


def event(data: dict[str, object], seconds: float, deleted: bool = False) -> Event:
    at = T0 + timedelta(seconds=seconds)
    return Event("u", "i", at, at, EventKind.NOTE, "me", "runbook", "t", data, deleted=deleted)


def test_ticks_are_read_back_from_the_record_in_order() -> None:
    books, _ = load_runbooks([EXAMPLES])
    book = next(b for b in books if b.name == "api-service.md")
    part = book.section("high-latency-p95--300ms")
    assert part is not None
    entry = step_entry(book, part, part.steps[0])
    assert entry.kind is EventKind.NOTE
    assert entry.text.startswith("Runbook step done: Check whether a rollout is in progress")
    key = part.steps[0].key
    events = [
        event(dict(entry.data), 1),
        event({**entry.data, "step": part.steps[1].key}, 2),
        event({**entry.data, "step": part.steps[1].key, "ticked": False}, 3),
        event({**entry.data, "runbook": "other.md", "step": part.steps[2].key}, 4),
    ]
    assert ticked_steps(events, "api-service.md") == {key}
