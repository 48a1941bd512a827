"""Hostile text from outside — names, reasons, alerts, server errors, timeline entries, runbooks —
reaches the terminal as visible stand-ins, never as escape sequences and never as markup.

The payload does what an attacker would try: set the window title and clear the screen
(`ESC ] 0 ; … BEL`, `ESC [ 2 J`), a C1 CSI (U+009B), a CR to overwrite the line, a
right-to-left override, and Textual/Rich markup (a live hyperlink, and a stray closing tag that
would make the markup parser raise).
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich.segment import Segment

from cockpit.app.cockpit_app import CockpitApp
from cockpit.config.schema import PanelSpec, RunbooksSettings, demo_config
from cockpit.core.model import (
    BackupInfo,
    FiringAlert,
    HeaderInfo,
    HealthResult,
    PanelState,
    PodList,
    PodRow,
    Reading,
    Status,
    WorkloadRow,
)
from cockpit.core.pod_detail import ContainerDetail, EventLine, PodDetail
from cockpit.core.records import Event, EventKind, Incident, IncidentStatus, Severity
from cockpit.core.safe_text import is_terminal_safe
from cockpit.incident.recorder import Recorder
from cockpit.runbooks.load import load_runbook
from cockpit.runtime.wiring import Runtime, SourceSet
from cockpit.screens.pod_detail import PodDetailScreen, detail_lines
from cockpit.screens.presenter import PresenterScreen
from cockpit.screens.runbook import RunbookScreen
from cockpit.screens.timeline import TimelineScreen, _row, incident_line
from tests.conftest import T0, FakeClock
from tests.support.screen_text import screen_text, wait_for
from tests.support.workers import runbooks_read, timeline_ready

ESCAPES = "\x1b]0;pwned\x07\x1b[2J"
MARKUP = "[link=http://x]click[/]"
PAYLOAD = f"{ESCAPES}\x9b31m\r\u202e{MARKUP}[/b]"
# What the payload looks like on screen: control pictures for C0, U+FFFD for C1 and bidi.
SHOWN = "␛]0;pwned␇␛[2J�31m␍�[link=http://x]click[/][/b]"
RAW = ("\x1b", "\x07", "\x9b", "\r", "\u202e")


def hostile(word: str) -> str:
    return word + PAYLOAD


# ---- the cockpit fed hostile readings, a hostile timeline and a hostile runbook -------------


@dataclass
class HostileSource:
    """A source that answers with what a compromised backend could send."""

    panel: str
    reading: Reading
    detail: PodDetail | None = None
    reads: int = field(default=0)

    async def read(self) -> Reading:
        self.reads += 1
        return self.reading

    async def aclose(self) -> None:
        return None

    async def pod_detail(self, name: str) -> PodDetail:
        assert self.detail is not None
        return self.detail


def hostile_reading(spec: PanelSpec) -> Reading:
    at = T0
    values = {m.key: 0.0 for m in spec.measures}
    if spec.panel == "pods":
        row = PodRow(hostile("web-"), "0/1", hostile("Crash"), 3, at - timedelta(hours=1), "n1")
        workload = WorkloadRow(
            "deployment", "web", 2, 2, 2, 1, 3, hostile("img:"), False, hostile("waiting ")
        )
        return Reading(spec.panel, at, values, Status.CRIT, detail=PodList((row,), (workload,)))
    if spec.panel == "alerts":
        alert = FiringAlert(
            hostile("Alert"), "critical", hostile("sum "), at, "fp", {"pod": hostile("p")}
        )
        return Reading(spec.panel, at, {"firing": 1.0}, Status.CRIT, detail=(alert,))
    if spec.panel == "health":
        check = HealthResult(hostile("chk"), "http://h", False, None, hostile("refused "))
        return Reading(spec.panel, at, values, Status.CRIT, detail=(check,))
    if spec.panel == "backup":
        return Reading(spec.panel, at, values, Status.OK, detail=BackupInfo(at, hostile("b ")))
    if spec.panel == "latency":
        return Reading.failure(spec.panel, at, hostile("server said: "))
    return Reading(
        spec.panel, at, values, Status.OK, warnings=(hostile("warn "),), note=hostile("note ")
    )


def pod_detail() -> PodDetail:
    container = ContainerDetail(hostile("c"), hostile("img"), False, 3, hostile("Waiting: "))
    event = EventLine("1m", "Warning", hostile("BackOff"), "pod/x", hostile("msg "))
    return PodDetail(
        hostile("web-"),
        "shop",
        hostile("Crash"),
        "n1",
        (container,),
        (event,),
        (hostile("log line "),),
        (hostile("problem "),),
    )


def hostile_sources(runtime: Runtime) -> SourceSet:
    sources: list[tuple[Any, PanelSpec]] = []
    for spec in runtime.specs:
        detail = pod_detail() if spec.panel == "pods" else None
        sources.append((HostileSource(spec.panel, hostile_reading(spec), detail), spec))
    return SourceSet(sources=sources)


RUNBOOK = f"""# Checkout {PAYLOAD}

## High latency {PAYLOAD}

Look at the dashboards first. {PAYLOAD}
A line that ends in CR\r
1. Check the pods {PAYLOAD}
2. Scale up if needed

```
kubectl -n shop get pods {PAYLOAD}
```
"""


def segments(app: CockpitApp) -> Iterator[Segment]:
    for strip in app.screen._compositor.render_strips():
        yield from strip


def assert_shown_safely(app: CockpitApp, *expected: str) -> str:
    text = screen_text(app)
    for raw in RAW:
        assert raw not in text, f"{raw!r} reached the screen"
    # Markup was not interpreted: no segment carries a hyperlink.
    assert not [s.text for s in segments(app) if s.style is not None and s.style.link]
    for piece in expected:
        assert piece in text, f"{piece!r} not on screen:\n{text}"
    return text


@pytest.fixture
async def hostile_cockpit(tmp_path: Path) -> Any:
    db = tmp_path / "t.db"
    recorder = await Recorder.open(db, actor=hostile("mallory"))
    await recorder.declare(hostile("checkout down "), "SEV2")
    await recorder.note(hostile("imported note ") + "\nsecond line")
    await recorder.close()
    book = tmp_path / "runbooks" / "checkout.md"
    book.parent.mkdir()
    book.write_bytes(RUNBOOK.encode())
    # The config refuses control characters in a path (config check), so what can still reach
    # a notice from here is markup.
    missing = tmp_path / "missing-dir [b]loud[reverse]"
    config = demo_config().model_copy(
        update={"runbooks": RunbooksSettings(dirs=[str(book.parent), str(missing)])}
    )
    runtime = Runtime.build(config, demo=True, clock=FakeClock(), db=db)
    app = CockpitApp(runtime, sources_factory=hostile_sources)
    async with app.run_test(size=(220, 60)) as pilot:
        yield app, pilot


async def test_hostile_text_is_shown_as_stand_ins_on_every_screen(hostile_cockpit: Any) -> None:
    app, pilot = hostile_cockpit
    await wait_for(pilot, lambda: "web-␛]0;pwned" in screen_text(app))
    await timeline_ready(pilot, app)
    await runbooks_read(pilot, app)
    # The dashboard: pod name and reason, workload, alert, check, server error, warnings,
    # and the imported incident title in the header.
    await wait_for(pilot, lambda: "checkout down" in screen_text(app))
    text = assert_shown_safely(
        app,
        f"web-{SHOWN}",  # the pods table: a str cell there would have been markup
        "Crash␛]0;pwned",
        "checkout down ␛]0;pwned",  # the header
        "server said: ",  # the latency panel's error line
        f"img:{SHOWN}",
        "chk␛]0;pwned",
    )
    assert text.count(SHOWN) >= 8  # alert, check, warnings, notes, backup, workload, pod
    # The missing runbook directory was said in a notice, as text: its brackets are no markup.
    notices = [n for n in app._notifications if "missing-dir" in n.message]
    assert notices and not notices[0].markup
    assert "missing-dir [b]loud[reverse]" in notices[0].message
    assert not any(raw in notices[0].message for raw in RAW)

    # The timeline: the imported title, the note and its actor.
    await pilot.press("t")
    await wait_for(pilot, lambda: isinstance(app.screen, TimelineScreen))
    await wait_for(pilot, lambda: "imported note" in screen_text(app))
    assert_shown_safely(
        app,
        f"imported note {SHOWN} ⏎ second line",
        "mallory␛]0;pwn",  # the actor column is narrow
        f"checkout down {SHOWN}",
    )
    await pilot.press("escape")

    # The presenter's latest entries.
    await pilot.press("z")
    await wait_for(pilot, lambda: isinstance(app.screen, PresenterScreen))
    await wait_for(pilot, lambda: "imported note" in screen_text(app))
    assert_shown_safely(app, f"imported note {SHOWN}")
    await pilot.press("escape")

    # A pod's details: container state, events, log lines.
    app.dashboard.panels["pods"].table.focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, PodDetailScreen))
    await wait_for(pilot, lambda: "log line" in screen_text(app))
    assert_shown_safely(app, f"log line {SHOWN}", f"msg {SHOWN}", f"Waiting: {SHOWN}")
    await pilot.press("escape")

    # The runbook pane: title, notes, steps, commands, as read.
    app.dashboard.panels["latency"].focus()
    book = next(b for b in app.runbooks if b.name == "checkout.md")
    section = next(s for s in book.sections if s.title.startswith("High latency"))
    app.push_screen(RunbookScreen(book.name, section, "linked", []))
    await wait_for(pilot, lambda: isinstance(app.screen, RunbookScreen))
    await pilot.pause()
    # In a file a lone CR ends a line (as old Mac files do), so the payload's CR splits it there.
    before_cr, after_cr = SHOWN.split("␍")
    assert_shown_safely(
        app,
        f"High latency {before_cr}",
        f"Look at the dashboards first. {before_cr}",
        after_cr,
        "A line that ends in CR",
        f"Check the pods {before_cr}",
    )
    assert app.is_running


# ---- a real terminal: the bytes the cockpit writes ------------------------------------------


@pytest.mark.slow
def test_no_escape_sequence_from_the_data_reaches_the_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`cockpit` against the fake API server, in a real pty: a pod whose name and container
    reason carry escape sequences, an incident title that does too. The bytes written to the
    terminal hold the stand-ins and none of the sequences (Textual itself never sends
    `ESC [ 2 J` or sets the title, so any would be the data's)."""
    from tests.support.fakekube import FakeKube, pod

    monkeypatch.syspath_prepend(str(Path(__file__).resolve().parents[2] / "bench"))
    from ptyrun import PtyProcess

    db = tmp_path / "t.db"

    async def declare() -> None:
        recorder = await Recorder.open(db, actor="oncall")
        await recorder.declare(hostile("outage "), "SEV1")
        await recorder.close()

    asyncio.run(declare())
    config = tmp_path / "cockpit.toml"
    config.write_text(
        '[cockpit]\nnamespace = "shop"\n\n'
        '[panels.pods]\nsource = "kubernetes"\ninterval = "1s"\ntimeout = "1s"\n',
        encoding="utf-8",
    )
    cockpit = str(Path(sys.executable).with_name("cockpit"))
    with FakeKube() as kube:
        created = T0 - timedelta(hours=1)
        kube.add(pod(hostile("web-"), namespace="shop", created=created, waiting=hostile("Crash")))
        kube.add(pod("web-plain", namespace="shop", created=created))
        kubeconfig = kube.write_kubeconfig(tmp_path / "kc", namespace="shop")
        monkeypatch.setenv("KUBECONFIG", str(kubeconfig))
        argv = [cockpit, "--config", str(config), "--db", str(db)]
        with PtyProcess(argv, columns=160, lines=40, record=True) as child:
            child.watch("pods", lambda s: "web-plain" in s.text() and "web-␛]0;pwned" in s.text())
            child.watch("title", lambda s: "outage ␛]0;pwned" in s.text())
            child.wait_for("pods", 60)
            child.wait_for("title", 60)
            shown = child.screen.text()
    written = b"".join(data for _, data in child.chunks)
    assert b"\x1b]0;pwned" not in written
    assert b"\x1b[2J" not in written
    assert b"\xc2\x9b" not in written  # C1 CSI, UTF-8 encoded
    assert "\u202e".encode() not in written
    assert "Crash␛]0;pwned" in shown


# ---- every builder's output is terminal-safe, whatever the text -----------------------------

TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=("Cs",)) | st.sampled_from(RAW), max_size=40
)


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT, TEXT, TEXT)
def test_model_objects_hold_only_terminal_safe_text(a: str, b: str, c: str, d: str) -> None:
    row = PodRow(a, b, c, 0, T0, d)
    workload = WorkloadRow(a, b, 1, 1, 1, 1, image=c, rollout=d)
    alert = FiringAlert(a, b, c, T0, d, {a: b, c: d})
    check = HealthResult(a, b, False, None, c)
    reading = Reading(
        "pods", T0, error=a, warnings=(b, c), note=d, detail=PodList((row,), (workload,))
    )
    header = HeaderInfo(a, b, T0, incident_title=c, severity=d, timeline_problem=a, phase=b)
    texts = [
        row.name, row.ready, row.status, row.node,
        workload.kind, workload.name, workload.image, workload.rollout,
        alert.name, alert.severity, alert.summary, *alert.labels, *alert.labels.values(),
        check.name, check.target, check.message,
        reading.error or "", *reading.warnings, reading.note,
        BackupInfo(None, a).detail,
        header.context, header.namespace, header.incident_title, header.severity,
        header.timeline_problem, header.phase,
    ]  # fmt: skip
    assert all(is_terminal_safe(t) for t in texts)
    state = PanelState("pods", "Pods", (), 5.0)
    state.apply(reading)
    view = state.view(T0)
    assert is_terminal_safe(view.error or "") and all(is_terminal_safe(w) for w in view.warnings)
    # Text that was safe already is kept exactly.
    if is_terminal_safe(a):
        assert row.name == a


@settings(max_examples=200, deadline=None)
@given(TEXT, TEXT, TEXT)
def test_timeline_and_pod_detail_lines_are_terminal_safe(a: str, b: str, c: str) -> None:
    incident = Incident("0123456789abcdef", a, Severity.SEV2, IncidentStatus.ACTIVE, T0)
    event = Event("u1", incident.id, T0, T0, EventKind.NOTE, b, "tui", f"{c}\n{a}")
    cells = _row(event)
    assert all(is_terminal_safe(str(cell)) for cell in cells)
    assert is_terminal_safe(incident_line(incident, 12.0).plain)
    detail = PodDetail(
        a,
        b,
        c,
        a,
        (ContainerDetail(a, b, True, 0, c, a),),
        (EventLine(a, b, c, a, b),),
        (c, a),
        (b,),
    )
    assert all(is_terminal_safe(line.plain) for line in detail_lines(detail))


@settings(max_examples=100, deadline=None)
@given(st.lists(TEXT, min_size=1, max_size=12))
def test_a_runbook_is_terminal_safe_once_read(tmp_path_factory: Any, lines: list[str]) -> None:
    path = tmp_path_factory.mktemp("rb") / "book.md"
    body = "\n".join(["# Book", "## Section", *lines, "1. step " + lines[0], "```", *lines, "```"])
    path.write_bytes(body.encode("utf-8", "surrogatepass"))
    book = load_runbook(path)
    for section in book.sections:
        assert is_terminal_safe(section.title)
        assert is_terminal_safe(section.notes, multiline=True)
        assert all(is_terminal_safe(step.text, multiline=True) for step in section.steps)
        assert all(is_terminal_safe(cmd.text, multiline=True) for cmd in section.commands)
