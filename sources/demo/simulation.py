"""The demo: a simulated service and cluster with a scripted incident, no network needed.

A `DemoWorld` steps a small model of one Deployment (rolling updates, crash loops, a queue and
a nightly backup) in fixed one-second steps on a seeded random walk, so what it shows depends
only on the seed and on simulated time, never on how often it is read. The incident: version
v1.9.0 of `checkout` rolls out, its pods crash-loop, p95 and 5xx climb and the queue backs up;
the nightly backup is late. The world takes the same actions as a real Deployment (scale,
rollout restart, rollout undo) and the incident reacts to them.

The panel sources are thin views over one shared world and know nothing of the UI.
"""

from __future__ import annotations

import math
import random
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cockpit.core.changes import AT_APPLY, NOT_SET, list_item, path
from cockpit.core.mitigation import (
    ActionPreview,
    ActionRequest,
    ActionResult,
    ReadOnlyError,
    Revision,
    Verb,
    Workload,
    rollout_status,
)
from cockpit.core.model import (
    BackupInfo,
    FiringAlert,
    HealthResult,
    Measure,
    PodList,
    PodRow,
    Reading,
    Status,
    WorkloadRow,
    evaluate,
)
from cockpit.core.pod_detail import ContainerDetail, EventLine, PodDetail
from cockpit.core.units import short_age
from cockpit.sources.base import Clock, utc_now

GOOD_IMAGE = "registry.example.com/shop/checkout:v1.8.2"
BAD_IMAGE = "registry.example.com/shop/checkout:v1.9.0"
BAD_IMAGES = frozenset({BAD_IMAGE})

# Simulated seconds already elapsed when the demo opens: the bad rollout starts at
# ROLLOUT_AT, so the first frame already shows the incident under way.
PRELUDE = 150
ROLLOUT_AT = 30
NODES = ("pool-a-7f3k", "pool-a-9qzx", "pool-b-2mw4", "pool-b-k81d")

# Queue model (messages per second): producers, and what one ready pod consumes.
ARRIVALS = 12.0
CONSUME_GOOD = 5.0
CONSUME_BAD = 1.5
REQUESTS_PER_SECOND = 180.0
CAPACITY_PER_POD = 70.0


@dataclass(frozen=True, slots=True)
class Template:
    """The parts of a pod template the demo models: the image and the restart annotation."""

    image: str
    restarted_at: float | None = None


@dataclass(slots=True)
class SimPod:
    name: str
    revision: int
    image: str
    created: float
    node: str
    ready_at: float
    phase: str = "creating"  # creating | running | backoff | terminating
    restarts: int = 0
    last_restart: float | None = None
    crash_at: float | None = None
    backoff_until: float | None = None
    gone_at: float | None = None

    @property
    def ready(self) -> bool:
        return self.phase == "running"

    @property
    def bad(self) -> bool:
        return self.image in BAD_IMAGES


@dataclass(frozen=True, slots=True)
class Sample:
    t: float
    p50: float
    p95: float
    error_ratio: float
    queue: float


@dataclass(frozen=True, slots=True)
class ActionOutcome:
    ok: bool
    message: str


@dataclass(frozen=True, slots=True)
class DeploymentStatus:
    name: str
    namespace: str
    replicas: int
    updated: int
    ready: int
    available: int
    revision: int
    image: str


@dataclass(slots=True)
class _Walk:
    """A bounded random walk for noise that looks alive but stays plausible."""

    rng: random.Random
    sigma: float
    bound: float
    value: float = 0.0

    def step(self) -> float:
        self.value = max(-self.bound, min(self.bound, self.value + self.rng.gauss(0, self.sigma)))
        return self.value


@dataclass
class DemoWorld:
    seed: int = 7
    namespace: str = "shop"
    deployment: str = "checkout"
    replicas: int = 4
    t: float = 0.0
    paused: bool = False
    pods: list[SimPod] = field(default_factory=list)
    # revision number -> image; a rollback moves a template to a new, higher revision.
    revisions: dict[int, Template] = field(default_factory=dict)
    revision: int = 4
    queue: float = 18.0
    backup_last_success: float = -(30 * 3600 + 40 * 60)
    samples: deque[Sample] = field(default_factory=lambda: deque(maxlen=1800))
    incident_started: float | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self._walks = {
            "latency": _Walk(self.rng, 0.04, 0.25),
            "errors": _Walk(self.rng, 0.05, 0.3),
            "traffic": _Walk(self.rng, 0.03, 0.2),
            "queue": _Walk(self.rng, 0.5, 3.0),
        }
        self.revisions = {
            3: Template("registry.example.com/shop/checkout:v1.8.1"),
            4: Template(GOOD_IMAGE),
        }
        self.revision = 4
        for i in range(self.replicas):
            self._create_pod(created=-3 * 86400 + i * 40, ready=True)
        self._crash_times: deque[float] = deque()
        self._last = Sample(0.0, 0.05, 0.15, 0.002, self.queue)

    # ---- time -------------------------------------------------------------------------

    def advance_to(self, t: float) -> None:
        while self.t + 1.0 <= t:
            self.t += 1.0
            self._step()

    def _step(self) -> None:
        t = self.t
        if math.isclose(t, ROLLOUT_AT):
            self._set_template(Template(BAD_IMAGE))
        self._lifecycle(t)
        self._rollout(t)
        self._record(t)

    def _lifecycle(self, t: float) -> None:
        for pod in list(self.pods):
            if pod.phase == "terminating":
                if pod.gone_at is not None and t >= pod.gone_at:
                    self.pods.remove(pod)
                continue
            if pod.phase == "creating" and t >= pod.ready_at:
                pod.phase = "running"
                if pod.bad:
                    pod.crash_at = t + self.rng.uniform(8, 25)
            elif pod.phase == "running" and pod.crash_at is not None and t >= pod.crash_at:
                pod.phase = "backoff"
                pod.restarts += 1
                pod.last_restart = t
                # kubelet's back-off doubles from 10 s up to 5 min; the demo compresses it to
                # 30 s so the story moves at the speed of a demo.
                pod.backoff_until = t + min(30.0, 10.0 * 2 ** min(pod.restarts - 1, 5))
                self._crash_times.append(t)
            elif (
                pod.phase == "backoff" and pod.backoff_until is not None and t >= pod.backoff_until
            ):
                pod.phase = "running"
                pod.crash_at = t + self.rng.uniform(8, 25)
        while self._crash_times and self._crash_times[0] < t - 5:
            self._crash_times.popleft()

    def _rollout(self, t: float) -> None:
        """A RollingUpdate with maxSurge=1, maxUnavailable=0, and replica reconciliation."""
        live = [p for p in self.pods if p.phase != "terminating"]
        new = [p for p in live if p.revision == self.revision]
        old = [p for p in live if p.revision != self.revision]
        if old:
            if len(live) < self.replicas + 1 and len(new) < self.replicas:
                self._create_pod(created=t)
            # A new pod that has been ready once counts as available; kubelet restarts do not
            # stop the rollout, which is how a crash-looping version still rolls out fully.
            available_new = [p for p in new if p.phase != "creating"]
            if (available_new and len(live) > self.replicas) or len(new) >= self.replicas:
                self._terminate(old[0], t)
            return
        if len(new) < self.replicas:
            for _ in range(self.replicas - len(new)):
                self._create_pod(created=t)
        elif len(new) > self.replicas:
            # The ReplicaSet controller removes pods that are not ready, then the youngest.
            victims = sorted(new, key=lambda p: (p.ready, -p.created))
            for pod in victims[: len(new) - self.replicas]:
                self._terminate(pod, t)

    def _record(self, t: float) -> None:
        live = [p for p in self.pods if p.phase != "terminating"]
        ready_good = sum(1 for p in live if p.ready and not p.bad)
        ready_bad = sum(1 for p in live if p.ready and p.bad)
        ready = ready_good + ready_bad
        w = self._walks
        traffic = REQUESTS_PER_SECOND * (1 + w["traffic"].step())
        utilisation = traffic / (ready * CAPACITY_PER_POD) if ready else 4.0
        bad_share = ready_bad / ready if ready else 1.0
        noise = 1 + w["latency"].step()
        p50 = (0.048 * (1 + 0.5 * utilisation**2) + 0.085 * bad_share) * noise
        p95 = (0.150 * (1 + 0.8 * utilisation**3) + 0.55 * bad_share) * noise
        recent_crashes = len(self._crash_times)
        error = (
            0.0025 * (1 + w["errors"].step())
            + 0.065 * bad_share
            + 0.012 * recent_crashes
            + max(0.0, utilisation - 1.0) * 0.4
        )
        error = min(1.0, max(0.0, error))
        consume = ready_good * CONSUME_GOOD + ready_bad * CONSUME_BAD
        arrivals = ARRIVALS + w["queue"].step()
        self.queue = max(0.0, self.queue + arrivals - consume)
        sample = Sample(t, min(p50, 30.0), min(p95, 30.0), error, self.queue)
        self.samples.append(sample)
        self._last = sample
        if self.incident_started is None and sample.p95 >= 0.3:
            self.incident_started = t

    # ---- pods ---------------------------------------------------------------------------

    def _create_pod(self, created: float, ready: bool = False) -> None:
        suffix = "".join(self.rng.choice("bcdfghjklmnpqrstvwxz2456789") for _ in range(5))
        template = self.revisions[self.revision]
        rs_hash = _template_hash(template)
        pod = SimPod(
            name=f"{self.deployment}-{rs_hash}-{suffix}",
            revision=self.revision,
            image=template.image,
            created=created,
            node=self.rng.choice(NODES),
            ready_at=created if ready else created + self.rng.uniform(3, 6),
            phase="running" if ready else "creating",
        )
        self.pods.append(pod)

    def _terminate(self, pod: SimPod, t: float) -> None:
        pod.phase = "terminating"
        pod.gone_at = t + 3

    def _set_template(self, template: Template) -> None:
        self.revision = max(self.revisions) + 1
        self.revisions[self.revision] = template

    # ---- actions (the same three a real Deployment takes) --------------------------------

    def scale(self, replicas: int) -> ActionOutcome:
        if replicas < 0:
            return ActionOutcome(False, "replicas must be zero or more")
        self.replicas = replicas
        # kubectl's words exactly; before → after travels in the action's data.
        return ActionOutcome(True, f"deployment.apps/{self.deployment} scaled")

    def restart(self) -> ActionOutcome:
        if self.paused:
            return ActionOutcome(
                False,
                f'deployments.apps "{self.deployment}" can\'t restart paused deployment '
                "(run rollout resume first)",
            )
        current = self.revisions[self.revision]
        self._set_template(Template(current.image, restarted_at=self.t))
        return ActionOutcome(True, f"deployment.apps/{self.deployment} restarted")

    def rollback(self, to_revision: int | None = None) -> ActionOutcome:
        if self.paused:
            return ActionOutcome(
                False,
                f"you cannot rollback a paused deployment; resume it first with "
                f"'kubectl rollout resume deployment/{self.deployment}' and try again",
            )
        if to_revision is None:
            older = sorted(r for r in self.revisions if r < self.revision)
            if not older:
                return ActionOutcome(
                    False, f'no rollout history found for deployment "{self.deployment}"'
                )
            to_revision = older[-1]
        if to_revision not in self.revisions:
            return ActionOutcome(
                False, f"unable to find specified revision {to_revision} in history"
            )
        template = self.revisions[to_revision]
        if to_revision == self.revision or template == self.revisions[self.revision]:
            return ActionOutcome(
                True,
                f"deployment.apps/{self.deployment} skipped rollback "
                f"(current template already matches revision {to_revision})",
            )
        # Like the deployment controller: the old template becomes the newest revision.
        del self.revisions[to_revision]
        self._set_template(template)
        return ActionOutcome(True, f"deployment.apps/{self.deployment} rolled back")

    # ---- views ----------------------------------------------------------------------------

    @property
    def last(self) -> Sample:
        return self._last

    def deployment_status(self) -> DeploymentStatus:
        live = [p for p in self.pods if p.phase != "terminating"]
        new = [p for p in live if p.revision == self.revision]
        return DeploymentStatus(
            name=self.deployment,
            namespace=self.namespace,
            replicas=self.replicas,
            updated=len(new),
            ready=sum(1 for p in live if p.ready),
            available=sum(1 for p in live if p.ready),
            revision=self.revision,
            image=self.revisions[self.revision].image,
        )

    def pod_rows(self, at: datetime) -> tuple[PodRow, ...]:
        rows = []
        for pod in sorted(self.pods, key=lambda p: p.name):
            rows.append(
                PodRow(
                    name=pod.name,
                    ready="1/1" if pod.ready else "0/1",
                    status=_pod_status(pod),
                    restarts=pod.restarts,
                    created_at=at - timedelta(seconds=self.t - pod.created),
                    node=pod.node,
                    last_restart_at=(
                        at - timedelta(seconds=self.t - pod.last_restart)
                        if pod.last_restart is not None
                        else None
                    ),
                )
            )
        return tuple(rows)


def _pod_status(pod: SimPod) -> str:
    if pod.phase == "terminating":
        return "Terminating"
    if pod.phase == "creating":
        return "ContainerCreating"
    if pod.phase == "backoff":
        # kubectl shows the last termination reason for a moment, then the back-off.
        if pod.last_restart is not None and pod.backoff_until is not None:
            return "OOMKilled" if pod.backoff_until - pod.last_restart <= 10 else "CrashLoopBackOff"
        return "CrashLoopBackOff"
    return "Running"


def _template_hash(template: Template) -> str:
    # Like pod-template-hash: the same template always gets the same hash.
    alphabet = "bcdfghjklmnpqrstvwxz2456789"
    text = f"{template.image}@{template.restarted_at}"
    n = sum(ord(c) * (i + 1) for i, c in enumerate(text))
    out = []
    for _ in range(9):
        n, r = divmod(n * 31 + 17, len(alphabet))
        out.append(alphabet[r])
    return "".join(out)


class DemoClock:
    """Maps wall time onto simulated time: the demo opens PRELUDE seconds into its story."""

    def __init__(self, clock: Clock = utc_now, prelude: float = PRELUDE) -> None:
        self.clock = clock
        self.started = clock()
        self.prelude = prelude

    def sim_time(self, now: datetime) -> float:
        return self.prelude + (now - self.started).total_seconds()

    def wall_time(self, sim_t: float) -> datetime:
        return self.started + timedelta(seconds=sim_t - self.prelude)


class DemoSource:
    """Base of the demo panel sources: advance the shared world, then describe one panel."""

    kind = "demo"

    def __init__(
        self, panel: str, world: DemoWorld, clock: DemoClock, measures: tuple[Measure, ...]
    ):
        self.panel = panel
        self.world = world
        self.demo_clock = clock
        self.measures = measures

    def _now(self) -> datetime:
        now = self.demo_clock.clock()
        self.world.advance_to(self.demo_clock.sim_time(now))
        return now

    async def read(self) -> Reading:
        now = self._now()
        return self._reading(now, self.world.last)

    async def backfill(self) -> list[Reading]:
        self._now()
        return [
            self._reading(self.demo_clock.wall_time(s.t), s) for s in list(self.world.samples)[:-1]
        ]

    async def history(self, seconds: float) -> list[Reading]:
        """What the world recorded over the last `seconds` (for charts)."""
        now = self._now()
        start = now - timedelta(seconds=seconds)
        readings = [
            self._reading(self.demo_clock.wall_time(s.t), s) for s in list(self.world.samples)
        ]
        return [r for r in readings if r.observed_at >= start]

    def _reading(self, at: datetime, sample: Sample) -> Reading:
        values = self._values(sample)
        return Reading(self.panel, at, values, evaluate(self.measures, values))

    def _values(self, sample: Sample) -> dict[str, float]:
        raise NotImplementedError

    async def aclose(self) -> None:
        return None


class DemoLatency(DemoSource):
    def _values(self, sample: Sample) -> dict[str, float]:
        return {"p50": sample.p50, "p95": sample.p95}


class DemoErrorRate(DemoSource):
    def _values(self, sample: Sample) -> dict[str, float]:
        return {"error_ratio": sample.error_ratio}


class DemoQueue(DemoSource):
    def _values(self, sample: Sample) -> dict[str, float]:
        return {"depth": sample.queue}


class DemoPods(DemoSource):
    async def pod_detail(self, name: str) -> PodDetail:
        """What `kubectl describe pod` and `kubectl logs` would show for a simulated pod."""
        now = self._now()
        w = self.world
        pod = next((p for p in w.pods if p.name == name), None)
        if pod is None:
            raise LookupError(f'pods "{name}" not found')
        row = next(r for r in w.pod_rows(now) if r.name == name)

        def at(t: float | None) -> str:
            return "?" if t is None else self.demo_clock.wall_time(t).strftime("%H:%M:%S")

        oom = row.status == "OOMKilled"
        last = ""
        if pod.last_restart is not None:
            reason, code = ("OOMKilled", 137) if oom else ("Error", 2)
            last = f"Terminated: {reason} (exit code {code}) at {at(pod.last_restart)}"
        if pod.phase == "running":
            state = f"Running since {at(pod.ready_at)}"
        elif pod.phase == "backoff":
            state = "Waiting: CrashLoopBackOff (back-off restarting failed container)"
        elif pod.phase == "creating":
            state = "Waiting: ContainerCreating"
        else:
            state = "Terminated: Completed (exit code 0)"
        container = ContainerDetail("checkout", pod.image, pod.ready, pod.restarts, state, last)
        events = [
            EventLine(
                short_age(w.t - pod.created),
                "Normal",
                "Scheduled",
                f"pod/{name}",
                f"Successfully assigned {w.namespace}/{name} to {pod.node}",
            )
        ]
        if pod.restarts and pod.bad:
            events.insert(
                0,
                EventLine(
                    short_age(w.t - (pod.last_restart or pod.created)),
                    "Warning",
                    "BackOff",
                    f"pod/{name}",
                    f"Back-off restarting failed container checkout in pod {name}",
                    count=pod.restarts,
                ),
            )
        if pod.bad:
            logs = [
                'level=info msg="checkout v1.9.0 starting" port=8080',
                'level=info msg="connected to orders-db" pool=20',
                "level=error msg=\"payment client: unknown field 'currency_code' in response\"",
                "panic: runtime error: invalid memory address or nil pointer dereference",
                "goroutine 1 [running]:",
                "main.(*Checkout).Price(0x0, 0xc000123400)",
            ]
            if oom:
                logs.append("fatal error: runtime: out of memory")
        else:
            logs = [
                'level=info msg="checkout v1.8.2 starting" port=8080',
                'level=info msg="connected to orders-db" pool=20',
                'level=info msg="GET /checkout 200" duration_ms=84',
                'level=info msg="POST /checkout 200" duration_ms=112',
            ]
        return PodDetail(
            name, w.namespace, row.status, pod.node, (container,), tuple(events), tuple(logs)
        )

    def _workload(self, rows: tuple[PodRow, ...]) -> WorkloadRow:
        w = self.world
        status = w.deployment_status()
        live = [r for r in rows if r.status != "Terminating"]
        rollout = rollout_status(
            Workload(
                "deployment",
                w.deployment,
                w.namespace,
                w.replicas,
                status.updated,
                status.ready,
                status.available,
                total=len(live),
            )
        )
        return WorkloadRow(
            "deployment",
            w.deployment,
            desired=w.replicas,
            current=len(live),
            updated=status.updated,
            available=status.available,
            revision=w.revision,
            image=status.image.rsplit(":", 1)[-1],
            rolled_out=rollout.done,
            rollout="" if rollout.done else _rollout_words(rollout.message),
        )

    async def read(self) -> Reading:
        now = self._now()
        rows = self.world.pod_rows(now)
        pods = PodList(rows, (self._workload(rows),))
        not_ready = sum(1 for r in rows if r.ready.startswith("0/") and r.status != "Terminating")
        restarts = sum(r.restarts for r in rows)
        values = {
            "pods": float(len(rows)),
            "not_ready": float(not_ready),
            "restarts": float(restarts),
        }
        return Reading(self.panel, now, values, evaluate(self.measures, values), detail=pods)

    async def backfill(self) -> list[Reading]:
        return []


def _rollout_words(message: str) -> str:
    # 'Waiting for deployment "x" rollout to finish: 1 out of 4 ...' → '1 out of 4 ...'
    return message.split("finish: ", 1)[-1].rstrip(".")


class DemoBackup(DemoSource):
    async def read(self) -> Reading:
        now = self._now()
        last = self.demo_clock.wall_time(self.world.backup_last_success)
        values = {"age": (now - last).total_seconds()}
        detail = BackupInfo(last_success=last, detail="CronJob db-backup: pg_dump orders-db")
        return Reading(self.panel, now, values, evaluate(self.measures, values), detail=detail)

    async def backfill(self) -> list[Reading]:
        return []


# Where the demo's alert rules say their runbooks are (a reserved domain: nothing is fetched).
DEMO_RUNBOOKS_URL = "https://runbooks.example.com/shop"
# Each demo alert's description annotation and runbook page, as a rule file would carry them.
DEMO_ALERT_NOTES = {
    "CheckoutHighErrorRate": (
        "More than 5% of checkout requests have answered 5xx for 2 minutes.\n"
        "Usually a bad rollout: compare the error rate with the last deploy.",
        "api-service#high-error-rate",
    ),
    "CheckoutLatencyHigh": (
        "Checkout's p95 latency has been above 500 ms for 5 minutes.",
        "api-service#high-latency",
    ),
    "KubePodCrashLooping": (
        "Pods of the checkout Deployment restart repeatedly (CrashLoopBackOff).",
        "api-service#pods-crash-looping",
    ),
    "OrdersQueueBacklog": (
        "The orders queue holds more than 500 messages: consumers fall behind.",
        "queue-consumer#backlog",
    ),
    "BackupTooOld": (
        "The last successful db-backup run is more than 24 hours old.",
        "database-backup#backup-too-old",
    ),
}


class DemoAlerts(DemoSource):
    """Alerts an Alertmanager would fire for this world, each from the moment its rule holds."""

    def __init__(
        self, panel: str, world: DemoWorld, clock: DemoClock, measures: tuple[Measure, ...]
    ):
        super().__init__(panel, world, clock, measures)
        self._since: dict[str, datetime] = {}

    def _rules(self, now: datetime) -> list[tuple[str, str, str, bool]]:
        sample = self.world.last
        rows = self.world.pod_rows(now)
        crashing = [r.name for r in rows if r.status == "CrashLoopBackOff"]
        backup_age = (
            now - self.demo_clock.wall_time(self.world.backup_last_success)
        ).total_seconds()
        deploy = self.world.deployment
        return [
            (
                "CheckoutHighErrorRate",
                "critical",
                f"{deploy}: {sample.error_ratio:.1%} of requests fail (> 5% for 2m)",
                sample.error_ratio > 0.05,
            ),
            (
                "CheckoutLatencyHigh",
                "warning",
                f"{deploy}: p95 {sample.p95 * 1000:.0f} ms (> 500 ms for 5m)",
                sample.p95 > 0.5,
            ),
            (
                "KubePodCrashLooping",
                "warning",
                f"{len(crashing)} pod(s) of {deploy} restarting: {', '.join(crashing[:2])}",
                bool(crashing),
            ),
            (
                "OrdersQueueBacklog",
                "warning",
                f"orders queue at {sample.queue:.0f} messages (> 500)",
                sample.queue > 500,
            ),
            (
                "BackupTooOld",
                "warning",
                f"db-backup last succeeded {backup_age / 3600:.0f} h ago (> 24 h)",
                backup_age > 24 * 3600,
            ),
        ]

    async def read(self) -> Reading:
        now = self._now()
        alerts = []
        for name, severity, summary, firing in self._rules(now):
            if not firing:
                self._since.pop(name, None)
                continue
            since = self._since.setdefault(name, now)
            labels = {"alertname": name, "severity": severity, "namespace": self.world.namespace}
            description, page = DEMO_ALERT_NOTES[name]
            annotations = {
                "summary": summary,
                "description": description,
                "runbook_url": f"{DEMO_RUNBOOKS_URL}/{page}",
            }
            alerts.append(
                FiringAlert(name, severity, summary, since, f"demo-{name}", labels, annotations)
            )
        alerts.sort(key=lambda a: (a.severity != "critical", a.starts_at, a.name))
        critical = sum(1 for a in alerts if a.severity == "critical")
        values = {"firing": float(len(alerts)), "critical": float(critical)}
        return Reading(
            self.panel, now, values, evaluate(self.measures, values), detail=tuple(alerts)
        )

    async def backfill(self) -> list[Reading]:
        return []


class DemoHealth(DemoSource):
    """`/healthz` and `/ready` of the service and a TCP check of its database."""

    def __init__(
        self, panel: str, world: DemoWorld, clock: DemoClock, measures: tuple[Measure, ...]
    ):
        super().__init__(panel, world, clock, measures)
        self._failing_since: dict[str, datetime] = {}
        self._last_failure: dict[str, datetime] = {}

    async def read(self) -> Reading:
        now = self._now()
        sample = self.world.last
        rows = self.world.pod_rows(now)
        ready = sum(1 for r in rows if not r.ready.startswith("0/"))
        checks = [
            ("healthz", "checkout.shop.svc/healthz", ready > 0, sample.p50, "HTTP 503"),
            ("ready", "checkout.shop.svc/ready", ready == len(rows), sample.p50, "HTTP 503"),
            ("orders-db", "orders-db.shop.svc:5432", True, 0.0012, "connection refused"),
        ]
        results = []
        for name, target, ok, latency, failure in checks:
            if ok:
                self._failing_since.pop(name, None)
            else:
                self._failing_since.setdefault(name, now)
                self._last_failure[name] = now
            results.append(
                HealthResult(
                    name,
                    target,
                    ok,
                    latency,
                    "ok" if ok else failure,
                    self._last_failure.get(name),
                    self._failing_since.get(name),
                )
            )
        failing = sum(1 for r in results if not r.ok)
        values = {"failing": float(failing), "checks": float(len(results))}
        return Reading(
            self.panel, now, values, evaluate(self.measures, values), detail=tuple(results)
        )

    async def backfill(self) -> list[Reading]:
        return []


# Where a Deployment holds what the demo's actions change, as the preview names it.
REVISION_PATH = path("metadata", "annotations", "deployment.kubernetes.io/revision")
RESTARTED_PATH = path(
    "spec", "template", "metadata", "annotations", "kubectl.kubernetes.io/restartedAt"
)


def image_path(container: str) -> str:
    return list_item(path("spec", "template", "spec", "containers"), container) + ".image"


class DemoActions:
    """Scale, restart and roll back the demo's Deployment, with kubectl's semantics and words.

    Implements `cockpit.core.mitigation.ClusterActions`; the read-only guard is here, as it is in
    the real adapter, so the demo proves the same rule the cluster relies on."""

    def __init__(
        self, world: DemoWorld, read_only: bool = False, clock: DemoClock | None = None
    ) -> None:
        self.world = world
        self.read_only = read_only
        # Turns the world's simulated times into the wall-clock stamps a cluster would show.
        self.clock = clock

    async def workloads(self) -> list[Workload]:
        w = self.world
        status = w.deployment_status()
        live = [p for p in w.pods if p.phase != "terminating"]
        return [
            Workload(
                kind="deployment",
                name=w.deployment,
                namespace=w.namespace,
                replicas=w.replicas,
                updated=status.updated,
                ready=status.ready,
                available=status.available,
                total=len(live),
                revision=w.revision,
                images=(status.image,),
                paused=w.paused,
            )
        ]

    async def history(self, kind: str, name: str) -> list[Revision]:
        self._check(kind, name)
        return [
            Revision(number, (template.image,), current=number == self.world.revision)
            for number, template in sorted(self.world.revisions.items())
        ]

    def _check(self, kind: str, name: str) -> None:
        if kind != "deployment" or name != self.world.deployment:
            raise LookupError(f'deployments.apps "{name}" not found')

    def _target_revision(self, request: ActionRequest) -> int | None:
        w = self.world
        if request.to_revision:
            return request.to_revision if request.to_revision in w.revisions else None
        older = sorted(r for r in w.revisions if r < w.revision)
        return older[-1] if older else None

    async def preview(self, request: ActionRequest) -> ActionPreview:
        w = self.world
        try:
            self._check(request.kind, request.name)
        except LookupError as error:
            return ActionPreview(request, (), ok=False, message=str(error))
        current = w.revisions[w.revision]
        if request.verb is Verb.SCALE:
            wanted = request.replicas if request.replicas is not None else w.replicas
            if wanted < 0:
                return ActionPreview(request, (), ok=False, message="replicas must be 0 or more")
            if request.current_replicas is not None and request.current_replicas != w.replicas:
                return ActionPreview(
                    request,
                    (),
                    ok=False,
                    message=(
                        f"Expected replicas to be {request.current_replicas}, was {w.replicas}"
                    ),
                )
            replicas = (path("spec", "replicas"), str(w.replicas), str(wanted))
            return ActionPreview(request, (replicas,))
        if w.paused:
            return ActionPreview(
                request, (), ok=False, message=f"deployment {w.deployment} is paused"
            )
        if request.verb is Verb.RESTART:
            return ActionPreview(
                request,
                (
                    (REVISION_PATH, str(w.revision), str(max(w.revisions) + 1)),
                    (RESTARTED_PATH, self._stamp(current.restarted_at), AT_APPLY),
                ),
                notes=(f"{w.replicas} pods are replaced one by one (rolling update)",),
            )
        target = self._target_revision(request)
        if target is None:
            wanted = request.to_revision
            message = (
                f"unable to find specified revision {wanted} in history"
                if wanted
                else f'no rollout history found for deployment "{w.deployment}"'
            )
            return ActionPreview(request, (), ok=False, message=message)
        template = w.revisions[target]
        if target == w.revision or template == current:
            return ActionPreview(
                request,
                (),
                message=f"skipped rollback (current template already matches revision {target})",
            )
        return ActionPreview(
            request,
            (
                (
                    REVISION_PATH,
                    str(w.revision),
                    f"{max(w.revisions) + 1} (revision {target}'s template)",
                ),
                (image_path(w.deployment), current.image, template.image),
            ),
        )

    def _stamp(self, restarted_at: float | None) -> str:
        """The restartedAt annotation as the API would hold it (RFC 3339, seconds, UTC)."""
        if restarted_at is None:
            return NOT_SET
        if self.clock is None:
            return f"t+{restarted_at:.0f}s (demo time)"
        return self.clock.wall_time(restarted_at).strftime("%Y-%m-%dT%H:%M:%SZ")

    async def apply(self, request: ActionRequest) -> ActionResult:
        if self.read_only:
            raise ReadOnlyError(request.describe())
        w = self.world
        self._check(request.kind, request.name)
        before = {
            "replicas": w.replicas,
            "revision": w.revision,
            "image": w.revisions[w.revision].image,
        }
        if request.verb is Verb.SCALE:
            if request.current_replicas is not None and request.current_replicas != w.replicas:
                return ActionResult(
                    request,
                    False,
                    f"Expected replicas to be {request.current_replicas}, was {w.replicas}",
                    before,
                    before,
                )
            outcome = w.scale(request.replicas if request.replicas is not None else w.replicas)
        elif request.verb is Verb.RESTART:
            outcome = w.restart()
        else:
            outcome = w.rollback(request.to_revision or None)
        after = {
            "replicas": w.replicas,
            "revision": w.revision,
            "image": w.revisions[w.revision].image,
        }
        return ActionResult(request, outcome.ok, outcome.message, before, after)


def demo_incident_start(world: DemoWorld, clock: DemoClock) -> datetime | None:
    if world.incident_started is None:
        return None
    return clock.wall_time(world.incident_started)


__all__ = [
    "BAD_IMAGE",
    "GOOD_IMAGE",
    "ActionOutcome",
    "DemoActions",
    "DemoAlerts",
    "DemoBackup",
    "DemoClock",
    "DemoErrorRate",
    "DemoHealth",
    "DemoLatency",
    "DemoPods",
    "DemoQueue",
    "DemoWorld",
    "Status",
]
