"""The demo incident: it unfolds on simulated time and reacts to the three actions."""

from __future__ import annotations

from cockpit.config.schema import demo_config, panel_specs
from cockpit.core.model import PodList, Status
from cockpit.sources.demo.simulation import (
    BAD_IMAGE,
    GOOD_IMAGE,
    ROLLOUT_AT,
    DemoClock,
    DemoErrorRate,
    DemoLatency,
    DemoPods,
    DemoQueue,
    DemoWorld,
)
from tests.conftest import FakeClock

SPECS = {s.panel: s for s in panel_specs(demo_config())}


def world_at(t: float) -> DemoWorld:
    world = DemoWorld()
    world.advance_to(t)
    return world


def test_healthy_before_the_rollout_then_broken_after_it() -> None:
    before = world_at(ROLLOUT_AT - 1)
    assert before.last.p95 < 0.3 and before.last.error_ratio < 0.01
    assert {p.image for p in before.pods} == {GOOD_IMAGE}
    after = world_at(150)
    assert {p.image for p in after.pods} == {BAD_IMAGE}
    assert after.last.p95 > 0.3
    assert after.last.error_ratio > 0.01
    assert after.last.queue > 100
    assert any(p.restarts > 0 for p in after.pods)
    assert after.incident_started is not None and after.incident_started > ROLLOUT_AT


def test_same_seed_same_story() -> None:
    assert world_at(200).samples == world_at(200).samples
    assert DemoWorld(seed=1).rng.random() != DemoWorld(seed=2).rng.random()


async def test_the_incident_progresses_with_time_not_with_reads(clock: FakeClock) -> None:
    world, demo_clock = DemoWorld(), DemoClock(clock, prelude=0)
    latency = DemoLatency("latency", world, demo_clock, SPECS["latency"].measures)
    pods = DemoPods("pods", world, demo_clock, SPECS["pods"].measures)
    first = await latency.read()
    assert first.status is Status.OK  # t=0: before the rollout
    clock.advance(150)
    later = await latency.read()
    assert later.status is Status.CRIT
    assert later.values["p95"] > 0.3
    assert later.observed_at == clock.now
    pod_reading = await pods.read()
    assert isinstance(pod_reading.detail, PodList)
    statuses = {row.status for row in pod_reading.detail.rows}
    assert statuses & {"CrashLoopBackOff", "OOMKilled"}
    assert pod_reading.status is Status.CRIT


async def test_backfill_fills_the_trend_line(clock: FakeClock) -> None:
    world, demo_clock = DemoWorld(), DemoClock(clock)
    errors = DemoErrorRate("error_rate", world, demo_clock, SPECS["error_rate"].measures)
    history = await errors.backfill()
    assert len(history) >= 100
    assert history[0].observed_at < history[-1].observed_at <= clock.now


def test_rollback_heals_latency_and_errors() -> None:
    world = world_at(150)
    outcome = world.rollback()
    assert outcome.ok and outcome.message == "deployment.apps/checkout rolled back"
    world.advance_to(220)
    assert {p.image for p in world.pods} == {GOOD_IMAGE}
    assert world.last.p95 < 0.3
    assert world.last.error_ratio < 0.01
    # Like the deployment controller: the restored template is the newest revision now.
    assert max(world.revisions) == world.revision
    assert world.revisions[world.revision].image == GOOD_IMAGE


def test_rollback_to_the_current_template_is_skipped() -> None:
    world = world_at(150)
    outcome = world.rollback(to_revision=world.revision)
    assert outcome.ok and "skipped rollback" in outcome.message
    missing = world.rollback(to_revision=99).message
    assert missing == "unable to find specified revision 99 in history"


def test_scale_drains_the_queue_faster() -> None:
    slow, fast = world_at(150), world_at(150)
    for world in (slow, fast):
        world.rollback()
    fast.scale(8)
    slow.advance_to(260)
    fast.advance_to(260)
    assert len([p for p in fast.pods if p.phase != "terminating"]) == 8
    assert fast.last.queue < slow.last.queue


def test_restart_replaces_crash_looping_pods_but_not_the_bug() -> None:
    world = world_at(150)
    old_names = {p.name for p in world.pods}
    assert world.restart().ok
    world.advance_to(175)
    live = [p for p in world.pods if p.phase != "terminating"]
    assert not old_names & {p.name for p in live}
    assert all(p.image == BAD_IMAGE for p in live)
    assert sum(p.restarts for p in live) < 4  # fresh pods, fresh restart counts
    world.advance_to(300)
    assert world.last.error_ratio > 0.01  # the bad version still fails


def test_paused_deployment_refuses_restart_and_rollback() -> None:
    world = world_at(150)
    world.paused = True
    assert not world.restart().ok
    assert "paused" in world.rollback().message


async def test_queue_source_reports_depth_against_its_slo(clock: FakeClock) -> None:
    world, demo_clock = DemoWorld(), DemoClock(clock)
    queue = DemoQueue("queue", world, demo_clock, SPECS["queue"].measures)
    reading = await queue.read()
    assert reading.values["depth"] > 100 and reading.status is Status.CRIT
