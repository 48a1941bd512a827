"""`cockpit scale` / `restart` / `rollback` against the fake API server, over HTTP, with a real
timeline file: what is sent, what is printed, the exit status and what the incident records."""

from __future__ import annotations

import json
import os
import shlex
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from cockpit.cli.main import main
from cockpit.core.changes import NOT_SET
from cockpit.sources.kube.actions import RESTARTED_AT
from tests.conftest import require_tool
from tests.integration.test_kube_actions import (
    cluster_state,
    database,
    deploy_history,
    statefulset,
    web,
)
from tests.support.fakekube import FakeKube
from tests.support.fakekube.apps import install
from tests.support.fakekube.server import resource_for


@dataclass
class Cluster:
    server: FakeKube
    kubeconfig: Path
    db: Path
    tmp: Path

    def deployment(self) -> dict[str, Any]:
        obj = self.server.store.get(resource_for("deployments", "apps"), "shop", "web")
        assert obj is not None
        return obj

    def writes(self) -> list[str]:
        """Mutating requests that were not dry runs: what really changed the cluster."""
        return [
            f"{method} {path}"
            for method, path in self.server.requests
            if method != "GET" and "dryRun=All" not in path
        ]

    def dry_runs(self) -> list[str]:
        return [p for m, p in self.server.requests if m != "GET" and "dryRun=All" in p]


@pytest.fixture
def cluster(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cluster]:
    with FakeKube() as server:
        install(server)
        server.add(web(3))
        kubeconfig = server.write_kubeconfig(tmp_path / "kubeconfig", namespace="shop")
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        monkeypatch.delenv("COCKPIT_DB", raising=False)
        yield Cluster(server, kubeconfig, tmp_path / "timeline.db", tmp_path)


def cockpit(cluster: Cluster, *args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(main, [*args, "--db", str(cluster.db)], input=stdin)


def declare(cluster: Cluster) -> str:
    result = CliRunner().invoke(
        main, ["incident", "start", "web is slow", "--sev", "2", "--db", str(cluster.db)]
    )
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def recorded(db: Path) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(phase, text, source, data) of every action event, oldest first."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT uuid, text, source, data FROM events WHERE kind = 'action' ORDER BY seq"
        ).fetchall()
    out = []
    for uuid, text, source, data in rows:
        parsed = json.loads(data)
        parsed["uuid"] = uuid
        out.append((parsed["phase"], text, source, parsed))
    return out


def no_traceback(result: Result) -> None:
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


# ---- applied --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target", ["deployment/web", "deploy/web", "deployments/web", "deployment.apps/web"]
)
def test_scale_with_yes_prints_kubectls_words(cluster: Cluster, target: str) -> None:
    result = cockpit(cluster, "scale", target, "5", "-n", "shop", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stdout == "deployment.apps/web scaled\n"
    assert cluster.deployment()["spec"]["replicas"] == 5
    # The preview the dashboard would show goes to stderr, out of a script's way.
    assert "  spec.replicas  3        5" in result.stderr
    assert "server-side dry run passed" in result.stderr
    assert cluster.dry_runs() and cluster.writes() == [
        "PATCH /apis/apps/v1/namespaces/shop/deployments/web/scale"
    ]


def test_restart_with_yes(cluster: Cluster) -> None:
    result = cockpit(cluster, "restart", "deploy/web", "-n", "shop", "-y")
    assert result.exit_code == 0, result.output
    assert result.stdout == "deployment.apps/web restarted\n"
    template = cluster.deployment()["spec"]["template"]["metadata"]
    assert "kubectl.kubernetes.io/restartedAt" in template["annotations"]


def test_options_before_the_subcommand_count_too(cluster: Cluster) -> None:
    result = CliRunner().invoke(
        main, ["-n", "shop", "--db", str(cluster.db), "scale", "deploy/web", "2", "--yes"]
    )
    assert result.exit_code == 0, result.output
    assert cluster.deployment()["spec"]["replicas"] == 2


def test_without_n_the_kubeconfig_contexts_namespace_is_used_like_kubectl(
    cluster: Cluster,
) -> None:
    result = cockpit(cluster, "scale", "deploy/web", "2", "--yes")
    assert result.exit_code == 0, result.output
    assert "  namespace  shop" in result.stderr
    assert cluster.deployment()["spec"]["replicas"] == 2


def test_a_configured_namespace_wins_over_the_kubeconfigs(cluster: Cluster) -> None:
    config = cluster.tmp / "cockpit.toml"
    config.write_text('[cockpit]\nnamespace = "staging"\n')
    result = cockpit(cluster, "scale", "deploy/web", "2", "--yes", "--config", str(config))
    assert result.exit_code == 1
    assert "  namespace  staging" in result.stderr
    # The server's own Status: the Deployment is what is missing, not the namespace.
    assert result.stderr.splitlines()[-1] == (
        'Error from server (NotFound): deployments.apps "web" not found'
    )
    assert cluster.writes() == []


# ---- the timeline ----------------------------------------------------------------------------


def test_intent_and_outcome_go_to_the_open_incident(cluster: Cluster) -> None:
    incident = declare(cluster)
    result = cockpit(
        cluster, "scale", "deploy/web", "4", "-n", "shop", "--yes", "--actor", "alice@laptop"
    )
    assert result.exit_code == 0, result.output
    events = recorded(cluster.db)
    assert [(phase, text, source) for phase, text, source, _ in events] == [
        (
            "intent",
            "Intent: scale deployment/web to 4 replicas (spec.replicas 3 → 4) — "
            # No --context given: the record names the kubeconfig's current one.
            "kubectl --context fake -n shop scale deployment/web --replicas=4",
            "cli",
        ),
        ("outcome", "Done: deployment.apps/web scaled", "cli"),
    ]
    intent, outcome = events[0][3], events[1][3]
    assert outcome["intent"] == intent["uuid"] and outcome["ok"] is True
    assert outcome["before"] == {"replicas": 3} and outcome["after"] == {"replicas": 4}
    # The postmortem pairs them: the intent is listed with its result.
    draft = CliRunner().invoke(main, ["export", incident[:8], "--db", str(cluster.db)])
    assert "result: succeeded: deployment.apps/web scaled" in draft.stdout


def test_the_record_is_the_same_as_from_the_dashboards_keys(
    cluster: Cluster, tmp_path: Path
) -> None:
    """Restart deployment/web with the R key in the dashboard, then with `cockpit restart`:
    the two timelines hold the same intent and outcome (only the source differs)."""
    import asyncio

    from cockpit.app.cockpit_app import CockpitApp
    from cockpit.config.schema import Config
    from cockpit.runtime.wiring import Runtime
    from cockpit.screens.actions import ConfirmAction
    from tests.support.screen_text import wait_for

    tui_db = tmp_path / "tui.db"
    CliRunner().invoke(main, ["incident", "start", "web is slow", "--db", str(tui_db)])

    async def from_keys() -> None:
        config = Config.model_validate({"panels": {"pods": {"namespace": "shop"}}})
        app = CockpitApp(Runtime.build(config, context="fake", db=tui_db))
        async with app.run_test(size=(100, 30)) as pilot:
            await wait_for(
                pilot,
                lambda: (
                    app.actions is not None
                    and app.recorder is not None
                    and app.recorder.incident is not None
                ),
            )
            await pilot.press("R")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmAction))
            await pilot.press("y")
            await wait_for(pilot, lambda: len(recorded(tui_db)) >= 2)

    asyncio.run(from_keys())
    stamp = cluster.deployment()["spec"]["template"]["metadata"]["annotations"][RESTARTED_AT]
    declare(cluster)
    result = cockpit(cluster, "restart", "deploy/web", "--context", "fake", "-n", "shop", "-y")
    assert result.exit_code == 0, result.output

    def comparable(db: Path) -> list[tuple[str, str, dict[str, Any]]]:
        out = []
        for phase, text, _source, data in recorded(db)[:2]:
            data = {k: v for k, v in data.items() if k not in ("uuid", "intent")}
            out.append((phase, text, data))
        return out

    # The same words, but for the real current restartedAt: none before the keys' restart,
    # the keys' stamp before the command line's.
    from_tui = json.dumps(comparable(tui_db))
    assert NOT_SET in from_tui and stamp not in from_tui
    assert json.dumps(comparable(cluster.db)) == from_tui.replace(NOT_SET, stamp)
    assert [source for *_, source, _ in recorded(tui_db)[:2]] == ["cockpit", "cockpit"]


def test_wait_follows_the_rollout_and_records_how_it_ended(cluster: Cluster) -> None:
    declare(cluster)
    process = subprocess.Popen(
        [sys.executable, "-m", "cockpit", "scale", "deploy/web", "5", "-n", "shop", "--yes",
         "--wait", "--db", str(cluster.db)],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert process.stdout is not None
    seen = []
    try:
        for line in process.stdout:
            seen.append(line)
            if line.startswith("Waiting"):
                break
        # The deployment controller's part: the new replicas come up.
        web = cluster.deployment()
        web["status"] |= {
            "observedGeneration": web["metadata"].get("generation", 1),
            "replicas": 5, "updatedReplicas": 5, "readyReplicas": 5, "availableReplicas": 5,
        }  # fmt: skip
        cluster.server.store.put(web)
        rest, errors = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, errors
    assert seen[0] == "deployment.apps/web scaled\n"
    assert seen[-1].startswith("Waiting for deployment")  # kubectl's words
    assert rest.splitlines()[-1] == 'deployment "web" successfully rolled out'
    assert recorded(cluster.db)[-1][1] == 'Rollout done: deployment "web" successfully rolled out'


def test_without_an_open_incident_it_acts_and_says_it_did_not_record(cluster: Cluster) -> None:
    result = cockpit(cluster, "scale", "deploy/web", "1", "-n", "shop", "--yes")
    assert result.exit_code == 0, result.output
    assert "not recorded: no open incident" in result.stderr
    assert cluster.deployment()["spec"]["replicas"] == 1


# ---- refused: nothing sent ----------------------------------------------------------------------


def test_dry_run_prints_the_preview_and_changes_nothing(cluster: Cluster) -> None:
    declare(cluster)
    version = cluster.deployment()["metadata"]["resourceVersion"]
    result = cockpit(cluster, "scale", "deploy/web", "7", "-n", "shop", "--dry-run")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "Scale deployment/web to 7 replicas"
    same_as = "  same as    kubectl --context fake -n shop scale deployment/web --replicas=7"
    assert same_as in result.stdout
    assert result.stdout.endswith("deployment.apps/web scaled (server dry run)\n")
    assert cluster.dry_runs() and cluster.writes() == []
    assert cluster.deployment()["metadata"]["resourceVersion"] == version
    assert recorded(cluster.db) == []


@pytest.mark.parametrize("how", ["flag", "config"])
def test_read_only_refuses_before_anything_is_sent(cluster: Cluster, how: str) -> None:
    declare(cluster)
    args = ["scale", "deploy/web", "7", "-n", "shop", "--yes"]
    if how == "flag":
        args.append("--read-only")
    else:
        config = cluster.tmp / "cockpit.toml"
        config.write_text("[cockpit]\nread_only = true\n")
        args += ["--config", str(config)]
    result = cockpit(cluster, *args)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("error: read-only mode: scale deployment/web")
    assert cluster.server.requests == []  # refused before the preview: not even a read
    assert cluster.deployment()["spec"]["replicas"] == 3
    # A refused attempt is not an action: the incident's record stays as it was.
    assert recorded(cluster.db) == []


def test_read_only_dry_run_sends_not_even_the_dry_run(cluster: Cluster) -> None:
    result = cockpit(cluster, "restart", "deploy/web", "-n", "shop", "--dry-run", "--read-only")
    assert result.exit_code == 1
    assert "error: read-only mode: no dry run was sent" in result.stderr
    assert cluster.server.requests == []


def test_a_stale_current_replicas_is_refused_like_kubectl(cluster: Cluster) -> None:
    declare(cluster)
    result = cockpit(
        cluster, "scale", "deploy/web", "5", "-n", "shop", "--current-replicas", "2", "--yes"
    )
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == "error: Expected replicas to be 2, was 3"
    assert cluster.writes() == [] and cluster.deployment()["spec"]["replicas"] == 3
    assert recorded(cluster.db) == []  # the dry run refused it: nothing was attempted


def test_without_a_terminal_and_without_yes_nothing_is_sent(cluster: Cluster) -> None:
    declare(cluster)
    result = cockpit(cluster, "restart", "deploy/web", "-n", "shop", stdin="y\n")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        "error: not confirmed: no terminal to ask on; nothing was sent "
        "(pass --yes to apply without a prompt)"
    )
    assert cluster.writes() == [] and recorded(cluster.db) == []


def test_a_paused_deployment_is_refused_in_kubectls_words(cluster: Cluster) -> None:
    cluster.server.store.delete(resource_for("deployments", "apps"), "shop", "web")
    cluster.server.add(web(3, paused=True))
    result = cockpit(cluster, "restart", "deploy/web", "-n", "shop", "--yes")
    assert result.exit_code == 1
    assert "can't restart paused deployment" in result.stderr.splitlines()[-1]
    assert cluster.writes() == []


# ---- rollback ----------------------------------------------------------------------------------


def test_rollback_without_history_is_refused_in_kubectls_words(cluster: Cluster) -> None:
    """The fixture's Deployment has no ReplicaSets, so no revision to go back to: kubectl says
    exactly this and changes nothing (compared with kubectl itself in the cases below)."""
    result = cockpit(cluster, "rollback", "deploy/web", "-n", "shop", "--yes")
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == 'error: no rollout history found for deployment "web"'
    assert result.stdout == ""
    assert cluster.writes() == []


def test_rollback_with_a_configured_command_runs_it_and_records_it(cluster: Cluster) -> None:
    declare(cluster)
    script = "import sys; print('Rollback was a success! ' + ' '.join(sys.argv[1:]))"
    config = cluster.tmp / "cockpit.toml"
    config.write_text(
        "[[actions.rollback_commands]]\n"
        'workload = "deployment/web"\n'
        f"argv = {json.dumps([sys.executable, '-c', script, 'web'])}\n"
    )
    args = ["rollback", "deploy/web", "-n", "shop", "--config", str(config)]
    dry = cockpit(cluster, *args, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.stdout.splitlines()[-1].endswith("not run (dry run)")
    assert recorded(cluster.db) == []
    result = cockpit(cluster, *args, "--yes")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Rollback was a success! web\n"
    assert [text for _, text, *_ in recorded(cluster.db)][1] == "Done: Rollback was a success! web"
    # The headline keeps the command's own letters (no lower-casing of `Rollback`).
    assert dry.stdout.splitlines()[0] == (
        f"Rollback deployment/web with `{shlex.join([sys.executable, '-c', script, 'web'])}`"
    )
    refused = cockpit(cluster, *args, "--yes", "--to-revision", "3")
    assert refused.exit_code == 2 and "--to-revision does not apply" in refused.stderr
    assert cluster.writes() == []


def test_a_configured_command_is_not_started_in_read_only_mode(cluster: Cluster) -> None:
    marker = cluster.tmp / "ran"
    config = cluster.tmp / "cockpit.toml"
    script = f"open({str(marker)!r}, 'w').close()"
    config.write_text(
        "[cockpit]\nread_only = true\n"
        "[[actions.rollback_commands]]\n"
        'workload = "deployment/web"\n'
        f"argv = {json.dumps([sys.executable, '-c', script])}\n"
    )
    result = cockpit(cluster, "rollback", "deploy/web", "-n", "shop", "-y", "--config", str(config))
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("error: read-only mode: `")
    assert not marker.exists()


def test_an_unusable_timeline_costs_the_record_not_the_action(cluster: Cluster) -> None:
    cluster.db.write_bytes(b"this is not a database" * 100)
    result = cockpit(cluster, "scale", "deploy/web", "4", "-n", "shop", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stdout == "deployment.apps/web scaled\n"
    assert "warning: not recorded: timeline unavailable:" in result.stderr
    assert cluster.db.read_bytes() == b"this is not a database" * 100  # never modified


# ---- side by side with kubectl ---------------------------------------------------------------


def _fresh_restart_stamp(state: dict[str, Any]) -> dict[str, Any]:
    """The restart timestamp is the second each client ran; everything else must match."""
    annotations = state["deployment"]["spec"]["template"]["metadata"].get("annotations", {})
    annotations.pop(RESTARTED_AT, None)
    return state["deployment"]


KUBECTL_CASES = [
    pytest.param(3, ["scale", "deploy/web", "5"], ["scale", "deployment/web", "--replicas=5"],
                 id="scale"),
    pytest.param(3, ["scale", "deploy/web", "5", "--current-replicas", "2"],
                 ["scale", "deployment/web", "--replicas=5", "--current-replicas=2"],
                 id="scale-stale-current-replicas"),
    pytest.param(3, ["restart", "deploy/web"], ["rollout", "restart", "deployment/web"],
                 id="restart"),
    pytest.param(3, ["rollback", "deploy/web"], ["rollout", "undo", "deployment/web"],
                 id="undo"),
    pytest.param(3, ["rollback", "deploy/web", "--to-revision", "1"],
                 ["rollout", "undo", "deployment/web", "--to-revision=1"], id="undo-to-1"),
    pytest.param(3, ["rollback", "deploy/web", "--to-revision", "3"],
                 ["rollout", "undo", "deployment/web", "--to-revision=3"], id="undo-to-current"),
    pytest.param(3, ["rollback", "deploy/web", "--to-revision", "9"],
                 ["rollout", "undo", "deployment/web", "--to-revision=9"], id="undo-unknown"),
    pytest.param(1, ["rollback", "deploy/web"], ["rollout", "undo", "deployment/web"],
                 id="undo-no-history"),
    # The server's own Status, not a guess at a missing namespace.
    pytest.param(3, ["rollback", "deploy/nosuch"], ["rollout", "undo", "deployment/nosuch"],
                 id="undo-missing"),
    pytest.param(3, ["restart", "deploy/nosuch"], ["rollout", "restart", "deployment/nosuch"],
                 id="restart-missing"),
]  # fmt: skip


@pytest.mark.parametrize(("versions", "ours", "theirs"), KUBECTL_CASES)
def test_same_words_status_and_result_as_kubectl(
    tmp_path: Path, versions: int, ours: list[str], theirs: list[str]
) -> None:
    """Two identical fresh servers: `cockpit … --yes` on one, kubectl on the other. Same
    stdout on success, kubectl's error line on failure, the same cluster afterwards."""
    kubectl = require_tool("kubectl")
    with FakeKube() as mine, FakeKube() as other:
        for server in (mine, other):
            install(server)
            deploy_history(server, versions)
        mine_config = mine.write_kubeconfig(tmp_path / "mine", namespace="shop")
        other_config = other.write_kubeconfig(tmp_path / "other", namespace="shop")
        result = CliRunner(env={"KUBECONFIG": str(mine_config)}).invoke(
            main, [*ours, "-n", "shop", "--yes", "--db", str(tmp_path / "t.db")]
        )
        done = subprocess.run(
            [kubectl, "--kubeconfig", str(other_config), "-n", "shop", *theirs],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        no_traceback(result)
        assert (result.exit_code == 0) == (done.returncode == 0), (result.output, done.stderr)
        if done.returncode == 0:
            assert result.stdout == done.stdout
        else:
            assert result.exit_code == 1
            assert result.stderr.splitlines()[-1] in done.stderr
        assert _fresh_restart_stamp(cluster_state(mine)) == _fresh_restart_stamp(
            cluster_state(other)
        )


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (["scale", "deploy/web", "5"], ["scale", "deployment/web", "--replicas=5"]),
        # (kubectl rollout restart has no --dry-run to compare with)
        (["rollback", "deploy/web"], ["rollout", "undo", "deployment/web"]),
    ],
    ids=["scale", "undo"],
)
def test_dry_run_says_what_kubectls_server_dry_run_says(
    tmp_path: Path, ours: list[str], theirs: list[str]
) -> None:
    kubectl = require_tool("kubectl")
    with FakeKube() as mine, FakeKube() as other:
        for server in (mine, other):
            install(server)
            deploy_history(server, 3)
        before = cluster_state(mine)
        mine_config = mine.write_kubeconfig(tmp_path / "mine", namespace="shop")
        other_config = other.write_kubeconfig(tmp_path / "other", namespace="shop")
        result = CliRunner(env={"KUBECONFIG": str(mine_config)}).invoke(
            main, [*ours, "-n", "shop", "--dry-run", "--db", str(tmp_path / "t.db")]
        )
        done = subprocess.run(
            [kubectl, "--kubeconfig", str(other_config), "-n", "shop", *theirs,
             "--dry-run=server"],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.exit_code == done.returncode == 0, (result.output, done.stderr)
        assert result.stdout.splitlines()[-1] == done.stdout.strip()
        assert cluster_state(mine) == before == cluster_state(other)


def test_a_missing_deployment_is_named_from_the_servers_status(cluster: Cluster) -> None:
    """`kubectl scale` only says "no objects passed to scale" here; the cockpit says what the
    server said, as kubectl prints a Status (`kubectl get` against the same server)."""
    kubectl = require_tool("kubectl")
    result = cockpit(cluster, "scale", "deploy/nosuch", "3", "--yes")
    no_traceback(result)
    assert result.exit_code == 1
    said = 'Error from server (NotFound): deployments.apps "nosuch" not found'
    assert result.stderr.splitlines()[-1] == said
    assert 'namespace "shop"' not in result.stderr
    theirs = subprocess.run(
        [kubectl, "--kubeconfig", str(cluster.kubeconfig), "-n", "shop", "get", "deploy/nosuch"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert theirs.stderr.strip() == said
    assert cluster.writes() == [] and cluster.dry_runs() == []


# ---- usage and config errors: exit 2, one line -------------------------------------------------


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["scale", "pod/web", "2"], 'unknown kind "pod"'),
        (["scale", "web", "2"], "expected KIND/NAME like deployment/web"),
        (["scale", "deploy/web", "many"], "'many' is not a valid integer"),
        (["restart", "deploy/web", "--config", "/nonexistent/cockpit.toml"], "file not found"),
        (["--demo", "restart", "deploy/web"], "the demo's cluster lives inside"),
    ],
)
def test_usage_and_config_errors_exit_2(cluster: Cluster, args: list[str], words: str) -> None:
    result = cockpit(cluster, *args)
    no_traceback(result)
    assert result.exit_code == 2 and words in result.stderr
    assert [m for m, _ in cluster.server.requests if m != "GET"] == []


@pytest.mark.parametrize("target", ["statefulset/db", "sts/db", "statefulsets.apps/db"])
def test_a_statefulset_scales_and_restarts_too(cluster: Cluster, target: str) -> None:
    cluster.server.add(database(3))
    result = cockpit(cluster, "scale", target, "5", "-n", "shop", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stdout == "statefulset.apps/db scaled\n"
    assert statefulset(cluster.server)["spec"]["replicas"] == 5
    result = cockpit(cluster, "restart", target, "-n", "shop", "--yes")
    assert result.exit_code == 0, result.output
    assert result.stdout == "statefulset.apps/db restarted\n"


def test_a_statefulset_rollback_is_refused_in_one_line(cluster: Cluster) -> None:
    cluster.server.add(database(3))
    result = cockpit(cluster, "rollback", "sts/db", "-n", "shop", "--yes")
    no_traceback(result)
    assert result.exit_code == 1
    last = result.stderr.splitlines()[-1]
    assert last.startswith("error: ") and not last.startswith("error: error:")
    assert cluster.writes() == []


def test_an_unknown_context_is_named_in_one_line(cluster: Cluster) -> None:
    result = cockpit(cluster, "restart", "deploy/web", "--context", "prod", "-n", "shop", "-y")
    no_traceback(result)
    assert result.exit_code == 2
    assert result.stderr == (
        f'error: context "prod" not found in kubeconfig {cluster.kubeconfig} (contexts: fake)\n'
    )
    assert cluster.server.requests == []


def test_an_unreachable_cluster_is_one_line(cluster: Cluster, tmp_path: Path) -> None:
    dead = cluster.server.write_kubeconfig(tmp_path / "dead", server="http://127.0.0.1:9")
    result = CliRunner(env={"KUBECONFIG": str(dead)}).invoke(
        main, ["restart", "deploy/web", "-n", "shop", "--yes", "--db", str(cluster.db)]
    )
    no_traceback(result)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1].startswith("error: ")


# ---- a person at a terminal ---------------------------------------------------------------------


def at_terminal(cluster: Cluster, args: list[str], typed: str) -> tuple[int, str]:
    """Run `cockpit ARGS` on a real pty, answer the prompt with `typed`, return (status, text)."""
    import pty
    import select

    leader, follower = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "cockpit", *args, "--db", str(cluster.db)],
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env={**os.environ, "KUBECONFIG": str(cluster.kubeconfig)},
        close_fds=True,
    )
    os.close(follower)
    seen = b""
    answered = False
    try:
        while True:
            ready, _, _ = select.select([leader], [], [], 60)
            if not ready:
                break
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the pty
                break
            if not chunk:
                break
            seen += chunk
            if not answered and seen.rstrip().endswith((b"to apply:", b"[y/N]:")):
                os.write(leader, typed.encode() + b"\r")
                answered = True
        status = process.wait(timeout=60)
    finally:
        os.close(leader)
        if process.poll() is None:
            process.kill()
    return status, seen.decode(errors="replace").replace("\r\n", "\n")


def production_config(cluster: Cluster) -> str:
    config = cluster.tmp / "cockpit.toml"
    config.write_text('[cockpit]\nproduction_contexts = ["fa*"]\n')
    return str(config)


def test_at_a_terminal_y_confirms(cluster: Cluster) -> None:
    status, text = at_terminal(cluster, ["scale", "deploy/web", "6", "-n", "shop"], "y")
    assert status == 0, text
    assert "Apply? [y/N]:" in text and "deployment.apps/web scaled" in text
    assert cluster.deployment()["spec"]["replicas"] == 6


def test_a_production_context_needs_the_name_typed(cluster: Cluster) -> None:
    # The kubeconfig's current context is "fake": production by the config's glob, though
    # no --context was given.
    args = ["scale", "deploy/web", "6", "-n", "shop", "--config", production_config(cluster)]
    status, text = at_terminal(cluster, args, "y")
    assert status == 1, text
    assert "PRODUCTION context fake: type web to apply:" in text
    assert "error: not confirmed: 'y' is not 'web'; nothing was sent" in text
    assert cluster.writes() == []
    status, text = at_terminal(cluster, args, "web")
    assert status == 0, text
    assert cluster.deployment()["spec"]["replicas"] == 6


def test_yes_also_confirms_on_a_production_context(cluster: Cluster) -> None:
    args = ["--config", production_config(cluster), "--yes"]
    result = cockpit(cluster, "restart", "deploy/web", "-n", "shop", *args)
    assert result.exit_code == 0, result.output
    assert "PRODUCTION" in result.stderr


def test_the_action_commands_cost_other_commands_nothing_at_start() -> None:
    """Every `cockpit` start loads the command definitions: the steps, the record and the
    Kubernetes client load only when an action runs, and Textual never for one."""
    code = (
        "import sys, cockpit.cli.actions;"
        "lazy = ('textual', 'kubernetes', 'cockpit.incident.recorder', 'cockpit.actions.steps');"
        "early = sorted(m for m in lazy if m in sys.modules);"
        "import cockpit.cli.console;"
        "bad = sorted(m for m in ('textual', 'kubernetes') if m in sys.modules);"
        "print(early, bad); sys.exit(1 if early or bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


async def test_the_dashboard_also_judges_production_by_the_current_context(
    cluster: Cluster, tmp_path: Path
) -> None:
    """No --context given, the kubeconfig's current context is "fake", production by the
    config: the confirmation asks for the name there too, and `y` does nothing."""
    from textual.widgets import Input

    from cockpit.app.cockpit_app import CockpitApp
    from cockpit.config.schema import Config
    from cockpit.runtime.wiring import Runtime
    from cockpit.screens.actions import ConfirmAction
    from tests.support.screen_text import screen_text, wait_for

    config = Config.model_validate(
        {
            "cockpit": {"production_contexts": ["fa*"]},
            "panels": {"pods": {"namespace": "shop"}},
        }
    )
    app = CockpitApp(Runtime.build(config, db=tmp_path / "t.db"))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.actions is not None)
        await pilot.press("R")
        await wait_for(pilot, lambda: "PRODUCTION context: type web" in screen_text(app))
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmAction) and cluster.writes() == []
        app.screen.query_one(Input).value = "web"
        await pilot.press("enter")
        await wait_for(pilot, lambda: cluster.writes() != [])
