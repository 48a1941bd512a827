"""`cockpit serve` against a hostile or broken browser, over real HTTP and websockets.

Most tests run the real server (`cockpit.serve.server.serve`) on a loopback port inside the test's
event loop, with `serve_probe_app.py` as the session's program: it starts in milliseconds and
reports exactly what the server relayed to it, so what a frame did is asserted, not guessed.
The tests at the end run the real `cockpit serve --demo` as a process, for what only the whole
program shows: its stderr, its log file, and real `cockpit` sessions.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import sys
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from io import StringIO
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cockpit.cli import serve as serve_cli
from cockpit.serve import server as serve_module
from cockpit.serve.access_log import configure
from cockpit.serve.frames import (
    MAX_COLUMNS,
    MAX_FRAME_BYTES,
    MAX_ROWS,
    MIN_COLUMNS,
    MIN_ROWS,
    FrameRefused,
    Resize,
    parse_frame,
)
from cockpit.serve.server import ServeSettings, bind, serve
from cockpit.serve.sessions import MEMORY_LIMIT_SUPPORTED, MIB, SessionLimits
from tests.e2e.test_serve import (
    Served,
    _group_alive,
    _kill_group,
    _screen_text,
    _session,
    start_server,
)

PROBE = (
    sys.executable,
    str(Path(__file__).resolve().parents[1] / "support" / "serve_probe_app.py"),
)
WAIT_S = 20.0
REFUSED_CODES = {1003, 1007, 1008, 1009}


@dataclass(frozen=True)
class Live:
    base: str
    url: str
    token: str


@asynccontextmanager
async def live_server(
    *, max_sessions: int = serve_cli.DEFAULT_MAX_SESSIONS, memory_mib: int = 512
) -> AsyncIterator[Live]:
    """The real server in this event loop, serving the probe app, stopped on exit."""
    limits = SessionLimits(max_sessions=max_sessions, memory_bytes=memory_mib * MIB)
    settings_ = ServeSettings(argv=PROBE, host="127.0.0.1", port=0, limits=limits)
    urls: asyncio.Queue[str] = asyncio.Queue()
    stop = asyncio.Event()
    server = asyncio.create_task(
        serve(settings_, on_ready=urls.put_nowait, sock=bind("127.0.0.1", 0), stop=stop)
    )
    ready = asyncio.create_task(urls.get())
    await asyncio.wait({server, ready}, timeout=WAIT_S, return_when=asyncio.FIRST_COMPLETED)
    if not ready.done():
        ready.cancel()
        stop.set()
        await server  # raises what stopped it
        raise AssertionError("the server never became ready")
    url = ready.result()
    base, _, token = url.partition("/?token=")
    try:
        yield Live(base, url, token)
    finally:
        stop.set()
        await asyncio.wait_for(server, 30)


@asynccontextmanager
async def browser(live: Live) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client holding the access cookie, as a browser has after opening the URL."""
    async with _session() as http:
        async with http.get(live.url) as response:
            assert response.status == 200
        yield http


async def open_session(
    http: aiohttp.ClientSession, live: Live, query: str = "width=80&height=24"
) -> tuple[aiohttp.ClientWebSocketResponse, dict[str, Any]]:
    """A websocket with its session started: the probe's start report comes with it."""
    ws = await http.ws_connect(f"{live.base}/ws?{query}", origin=live.base)
    start = await report(ws)
    assert start["type"] == "start", start
    return ws, start


async def report(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """The next thing the probe app reported (one binary frame per packet)."""
    async with asyncio.timeout(WAIT_S):
        message = await ws.receive()
    if message.type is not aiohttp.WSMsgType.BINARY:
        raise AssertionError(f"expected a report, got {message.type!r} {message.data!r}")
    result: dict[str, Any] = json.loads(message.data)
    return result


async def close_of(ws: aiohttp.ClientWebSocketResponse) -> tuple[int | None, str]:
    """The close code and reason the server ended the websocket with (reports skipped)."""
    async with asyncio.timeout(WAIT_S):
        while True:
            message = await ws.receive()
            if message.type is aiohttp.WSMsgType.CLOSE:
                return message.data, message.extra or ""
            if message.type in (aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):
                return ws.close_code, ""


async def still_serves(http: aiohttp.ClientSession, live: Live) -> None:
    """A new session starts and a resize reaches its process: the server is fine."""
    ws, _ = await open_session(http, live)
    await ws.send_str('["resize",{"width":100,"height":30}]')
    assert await report(ws) == {"type": "resize", "width": 100, "height": 30}
    await ws.close()


def no_tracebacks(caplog: pytest.LogCaptureFixture) -> None:
    failures = [r for r in caplog.records if r.exc_info or "Traceback" in r.getMessage()]
    assert not failures, [r.getMessage() for r in failures]


# ---- frames: each malformed one ends its session alone -------------------------------------

BAD_RESIZES = {
    "string": ('{"width":"a","height":30}', "resize width must be a whole number"),
    "float": ('{"width":1.5,"height":30}', "resize width must be a whole number"),
    "huge float": ('{"width":1e308,"height":30}', "resize width must be a whole number"),
    "integral float": ('{"width":120.0,"height":30}', "resize width must be a whole number"),
    "bool": ('{"width":true,"height":30}', "resize width must be a whole number"),
    "null": ('{"width":80,"height":null}', "resize height must be a whole number"),
    "missing width": ('{"height":30}', "resize needs exactly"),
    "missing height": ('{"width":80}', "resize needs exactly"),
    "extra key": ('{"width":80,"height":30,"depth":3}', "resize needs exactly"),
    "list": ("[80,30]", "resize needs exactly"),
    "NaN": ('{"width":NaN,"height":30}', "not JSON"),
}


@pytest.mark.slow
@pytest.mark.parametrize(("size", "rule"), BAD_RESIZES.values(), ids=BAD_RESIZES.keys())
async def test_a_malformed_resize_ends_only_its_session(
    size: str, rule: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with live_server() as live, browser(live) as http:
        bystander, _ = await open_session(http, live)
        victim, _ = await open_session(http, live)
        await victim.send_str(f'["resize",{size}]')
        code, reason = await close_of(victim)
        assert code == 1008 and reason.startswith(rule), (code, reason)
        # The other session never noticed.
        await bystander.send_str('["resize",{"width":90,"height":25}]')
        assert await report(bystander) == {"type": "resize", "width": 90, "height": 25}
        await bystander.close()
        await still_serves(http, live)
    no_tracebacks(caplog)
    assert f"ended a session: {rule}" in caplog.text


CLAMPED = {
    "negative": ((-5, 30), (MIN_COLUMNS, 30)),
    "zero": ((0, 0), (MIN_COLUMNS, MIN_ROWS)),
    "huge": ((20000, 20000), (MAX_COLUMNS, MAX_ROWS)),
    "more digits than a float": ((10**40, 10**40), (MAX_COLUMNS, MAX_ROWS)),
    "in range": ((120, 40), (120, 40)),
}


@pytest.mark.slow
@pytest.mark.parametrize(("asked", "given"), CLAMPED.values(), ids=CLAMPED.keys())
async def test_an_out_of_range_size_is_clamped_and_the_session_goes_on(
    asked: tuple[int, int], given: tuple[int, int]
) -> None:
    async with live_server() as live, browser(live) as http:
        ws, _ = await open_session(http, live)
        await ws.send_str(json.dumps(["resize", {"width": asked[0], "height": asked[1]}]))
        assert await report(ws) == {"type": "resize", "width": given[0], "height": given[1]}
        await ws.send_str('["stdin","still here"]')
        assert await report(ws) == {"type": "stdin", "text": "still here"}
        await ws.close()


@pytest.mark.parametrize(
    ("query", "size"),
    [
        ("width=20000&height=20000", (MAX_COLUMNS, MAX_ROWS)),
        ("width=5&height=3", (MIN_COLUMNS, MIN_ROWS)),
        ("width=NaN&height=undefined", (80, 24)),
        ("width=-5&height=1e308", (80, 24)),
        ("width=" + "9" * 5000 + "&height=٣٣", (MAX_COLUMNS, 24)),
        ("", (80, 24)),
    ],
)
@pytest.mark.slow
async def test_the_first_size_from_the_url_is_bounded(query: str, size: tuple[int, int]) -> None:
    async with live_server() as live, browser(live) as http:
        ws, start = await open_session(http, live, query)
        assert (start["width"], start["height"]) == size
        await ws.close()


MALFORMED = {
    "not JSON": ("resize 80 24", 1008),
    "NaN is not JSON": ('["ping",NaN]', 1008),
    "not a list": ('{"resize":[80,24]}', 1008),
    "empty list": ("[]", 1008),
    "type not a string": ("[1,2]", 1008),
    "unknown type": ('["paste","x"]', 1008),
    "unknown type alone": ('["reboot"]', 1008),
    "stdin not text": ('["stdin",5]', 1008),
    "stdin with two arguments": ('["stdin","a","b"]', 1008),
    "stdin lone surrogate": ('["stdin","\\ud800"]', 1008),
    "focus with an argument": ('["focus",1]', 1008),
    "ping too long": ('["ping","' + "1" * 100 + '"]', 1008),
    "deep nesting": ("[" * 30000 + "]" * 30000, 1008),
    "digits beyond int conversion": ('["resize",{"width":' + "9" * 5000 + ',"height":1}]', 1008),
    "over the size limit": ('["stdin","' + "x" * MAX_FRAME_BYTES + '"]', 1009),
}


@pytest.mark.slow
@pytest.mark.parametrize(("frame", "code"), MALFORMED.values(), ids=MALFORMED.keys())
async def test_a_malformed_frame_ends_its_session_with_a_close_code(
    frame: str, code: int, caplog: pytest.LogCaptureFixture
) -> None:
    async with live_server() as live, browser(live) as http:
        ws, _ = await open_session(http, live)
        await ws.send_str(frame)
        assert (await close_of(ws))[0] == code
        await still_serves(http, live)
    no_tracebacks(caplog)


@pytest.mark.slow
async def test_binary_and_invalid_utf8_frames_end_the_session(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with live_server() as live, browser(live) as http:
        ws, _ = await open_session(http, live)
        await ws.send_bytes(b'["resize",{"width":80,"height":24}]')
        assert await close_of(ws) == (1003, "binary frames are not accepted")
        ws, _ = await open_session(http, live)
        await ws.send_frame(b'["stdin","\xff"]', aiohttp.WSMsgType.TEXT)
        assert (await close_of(ws))[0] == 1007
        await still_serves(http, live)
    no_tracebacks(caplog)


@pytest.mark.slow
async def test_well_formed_frames_reach_the_session() -> None:
    async with live_server() as live, browser(live) as http:
        ws, _ = await open_session(http, live)
        await ws.send_str('["stdin","q\\u00e9"]')
        assert await report(ws) == {"type": "stdin", "text": "qé"}
        await ws.send_str('["focus"]')
        assert await report(ws) == {"type": "focus"}
        await ws.send_str('["blur"]')
        assert await report(ws) == {"type": "blur"}
        await ws.send_str('["ping","1733230000000"]')
        async with asyncio.timeout(WAIT_S):
            assert await ws.receive_json() == ["pong", "1733230000000"]
        await ws.close()


# ---- frames: generated -------------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
SIZE_VALUES = st.integers() | st.floats() | st.booleans() | st.none() | st.text(max_size=5)
ENVELOPES = st.one_of(
    st.builds(lambda w, h: ["resize", {"width": w, "height": h}], SIZE_VALUES, SIZE_VALUES),
    st.builds(lambda kind, args: [kind, *args],
              st.sampled_from(["stdin", "resize", "ping", "focus", "blur", "pong", ""]),
              st.lists(JSON_VALUES, max_size=2)),
    JSON_VALUES,
)
FRAMES = st.one_of(
    ENVELOPES.map(lambda value: json.dumps(value)),  # NaN/Infinity included, as Python writes
    st.text(max_size=40),
)


@given(frame=FRAMES)
def test_parsing_a_frame_refuses_or_yields_a_bounded_frame(frame: str) -> None:
    try:
        parsed = parse_frame(frame)
    except FrameRefused as refused:
        assert refused.code == 1008 and 0 < len(refused.reason.encode()) <= 123
        return
    if isinstance(parsed, Resize):
        assert MIN_COLUMNS <= parsed.width <= MAX_COLUMNS
        assert MIN_ROWS <= parsed.height <= MAX_ROWS


@pytest.mark.slow
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(frames=st.lists(FRAMES, min_size=1, max_size=4))
async def test_generated_frames_never_break_the_server(
    frames: list[str], caplog: pytest.LogCaptureFixture
) -> None:
    async with live_server() as live, browser(live) as http:
        ws, _ = await open_session(http, live)
        for frame in frames:
            await ws.send_str(frame)
            try:
                expected = parse_frame(frame)
            except FrameRefused:
                assert (await close_of(ws))[0] in REFUSED_CODES
                break
            if isinstance(expected, Resize):
                got = await report(ws)
                assert (got["width"], got["height"]) == (expected.width, expected.height)
        else:
            await ws.close()
        await still_serves(http, live)
    no_tracebacks(caplog)


# ---- the session cap ---------------------------------------------------------------------


@pytest.mark.slow
async def test_one_session_over_the_cap_gets_503_until_a_session_closes() -> None:
    async with live_server() as live, browser(live) as http:
        sessions = [await open_session(http, live) for _ in range(8)]
        with pytest.raises(aiohttp.WSServerHandshakeError) as full:
            await http.ws_connect(live.base + "/ws", origin=live.base)
        assert full.value.status == 503
        async with http.get(live.base + "/") as page:
            assert page.status == 503
            assert page.content_type == "text/html"
            assert "All 8 sessions are in use" in await page.text()
        # A close completes once the server has reaped the session: the slot is free.
        await sessions[0][0].close()
        ninth, _ = await open_session(http, live)
        with pytest.raises(aiohttp.WSServerHandshakeError) as full:
            await http.ws_connect(live.base + "/ws", origin=live.base)
        assert full.value.status == 503
        for ws, _ in [*sessions[1:], (ninth, None)]:
            await ws.close()


@pytest.mark.slow
async def test_a_session_whose_process_dies_frees_its_slot(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with live_server(max_sessions=2) as live, browser(live) as http:
        first, _ = await open_session(http, live)
        second, start = await open_session(http, live)
        os.kill(start["pid"], signal.SIGKILL)
        code, reason = await close_of(second)
        assert code == 1011 and "status -9" in reason
        third, _ = await open_session(http, live)  # the dead session's slot
        # A process that exits on its own frees its slot the same way.
        await third.send_str('["stdin","exit 3"]')
        assert (await close_of(third))[0] == 1011
        fourth, _ = await open_session(http, live)
        # And so does one whose output the server cannot read.
        await fourth.send_str('["stdin","garble"]')
        assert await close_of(fourth) == (1011, "the cockpit's output was unreadable")
        fifth, _ = await open_session(http, live)
        await first.close()
        await fifth.close()
    no_tracebacks(caplog)
    assert "a session ended with exit status -9" in caplog.text
    assert "a session wrote output the server cannot read (JSONDecodeError)" in caplog.text


def test_the_cap_is_an_option(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, ServeSettings] = {}
    monkeypatch.setattr(serve_module, "run", lambda settings, **_: seen.setdefault("s", settings))
    monkeypatch.setattr(serve_module, "bind", lambda host, port: None)
    runner = CliRunner()
    result = runner.invoke(serve_cli.serve_command, ["--demo"])
    assert result.exit_code == 0, result.output
    assert seen.pop("s").limits == SessionLimits(8, 512 * MIB)
    args = ["--demo", "--max-sessions", "3", "--session-memory", "256"]
    result = runner.invoke(serve_cli.serve_command, args)
    assert result.exit_code == 0, result.output
    assert seen["s"].limits == SessionLimits(3, 256 * MIB)
    for bad in (["--max-sessions", "0"], ["--session-memory", "16"], ["--max-sessions", "x"]):
        result = runner.invoke(serve_cli.serve_command, ["--demo", *bad])
        assert result.exit_code == 2 and bad[0] in result.stderr, result.output


# ---- memory ------------------------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.skipif(not MEMORY_LIMIT_SUPPORTED, reason="needs prlimit (Linux)")
async def test_a_session_over_its_memory_limit_ends_alone(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with live_server(memory_mib=128) as live, browser(live) as http:
        modest, _ = await open_session(http, live)
        greedy, _ = await open_session(http, live)
        await modest.send_str('["stdin","alloc 32"]')
        assert await report(modest) == {"type": "allocated", "bytes": 32 * MIB}
        await greedy.send_str('["stdin","alloc 512"]')
        code, reason = await close_of(greedy)
        assert code == 1011 and "status 1" in reason
        await modest.send_str('["stdin","still here"]')
        assert await report(modest) == {"type": "stdin", "text": "still here"}
        await modest.close()
    no_tracebacks(caplog)
    assert "exit status 1: MemoryError" in caplog.text


# ---- plain HTTP on the websocket path ----------------------------------------------------


@pytest.mark.slow
async def test_the_websocket_path_without_an_upgrade_is_a_400() -> None:
    async with live_server() as live, browser(live) as http:
        for headers in ({}, {"Origin": live.base}):
            async with http.get(live.base + "/ws", headers=headers) as response:
                assert response.status == 400
                body = await response.text()
                assert "websocket" in body and len(body) < 200
        broken = {"Upgrade": "websocket", "Connection": "Upgrade", "Origin": live.base}
        async with http.get(live.base + "/ws", headers=broken) as response:
            assert response.status == 400  # no Sec-WebSocket-Key
        await still_serves(http, live)


# ---- the real program --------------------------------------------------------------------


def _session_pids(server: Served) -> list[int]:
    pids: list[int] = []
    for listing in Path(f"/proc/{server.process.pid}/task").glob("*/children"):
        pids += [int(pid) for pid in listing.read_text().split()]
    return pids


def _proc_bytes(pid: int, name: str) -> bytes:
    return Path(f"/proc/{pid}/{name}").read_bytes()


def _proc_field(pid: int, name: str, field: str) -> str:
    for line in Path(f"/proc/{pid}/{name}").read_text().splitlines():
        if line.startswith(field):
            return line
    raise AssertionError(f"{field} not in /proc/{pid}/{name}")


async def _raw_request(port: int, request: bytes) -> bytes:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(request)
        await writer.drain()
        async with asyncio.timeout(WAIT_S):
            return await reader.read()
    finally:
        writer.close()


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
async def test_real_sessions_stay_bounded_and_the_token_is_never_logged(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--demo", "--max-sessions", "3", "--session-memory", "384")
    token = server.token
    try:
        # aiohttp refuses lines over 8190 bytes and logs the start of the line: the token.
        padding = "a" * 9000
        cookie = f"cockpit_serve_{server.port}"
        for request in (
            f"GET /?token={token}&pad={padding} HTTP/1.1\r\nHost: x\r\n\r\n",
            f"GET /?pad={padding}&token={token} HTTP/1.1\r\nHost: x\r\n\r\n",
            f"GET / HTTP/1.1\r\nHost: x\r\nCookie: {cookie}={token}; p={padding}\r\n\r\n",
            # Behind another cookie, the quoted start of the line ends inside the token.
            f"GET / HTTP/1.1\r\nHost: x\r\nCookie: p={'b' * 70}; {cookie}={token}; q={padding}"
            "\r\n\r\n",
            f"GET / HTTP/1.1\r\nHost: x\r\nX-Note: {token}{padding}\r\n\r\n",
            f"GET /?token={token} HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",
        ):
            answer = await _raw_request(server.port, request.encode())
            assert answer.startswith(b"HTTP/1.1 400") or answer.startswith(b"HTTP/1.0 400")

        async with _session() as http:
            async with http.get(server.url) as response:
                assert response.status == 200
            async with http.get(f"{server.base}/nowhere?token={token}") as response:
                assert response.status == 404
            watcher = await http.ws_connect(server.base + "/ws?width=120&height=40",
                                            origin=server.base)
            await _screen_text(watcher, "Latency", "READ-ONLY")
            wide = await http.ws_connect(server.base + "/ws?width=120&height=40",
                                         origin=server.base)
            await _screen_text(wide, "Latency")
            # What grew a session to 2.5 GB: now a 500 × 200 terminal.
            await wide.send_str('["resize",{"width":20000,"height":20000}]')
            await _screen_text(wide, "Latency")
            broken = await http.ws_connect(server.base + "/ws", origin=server.base)
            await broken.send_str('["resize",{"width":1e308,"height":20000}]')
            assert (await close_of(broken))[0] == 1008

            pids = _session_pids(server)
            assert len(pids) == 2
            for pid in pids:
                # Each session: its own limit, and neither the token nor a shell in sight.
                limit = _proc_field(pid, "limits", "Max data size").split()
                assert limit[3:5] == [str(384 * MIB)] * 2
                rss_kib = int(_proc_field(pid, "status", "VmHWM").split()[1])
                assert rss_kib < 384 * 1024, f"session {pid} peaked at {rss_kib} KiB"
                for name in ("cmdline", "environ"):
                    assert token.encode() not in _proc_bytes(pid, name)
                assert _proc_bytes(pid, "cmdline").split(b"\0")[1:4] == [
                    b"-m", b"cockpit", b"--read-only"
                ]
            # The watcher's session never noticed: the server answers it, and so does its app.
            await watcher.send_str('["ping","1"]')
            async with asyncio.timeout(WAIT_S):
                while (message := await watcher.receive()).type is aiohttp.WSMsgType.BINARY:
                    pass
            assert message.json() == ["pong", "1"]
            await watcher.close()
            await wide.close()

        server.process.send_signal(signal.SIGTERM)
        await asyncio.to_thread(server.process.wait, 30)
        assert server.process.returncode == 0
        assert not _group_alive(server.process.pid)
    finally:
        _kill_group(server.process)

    assert server.process.stdout is not None
    assert server.process.stdout.read() == b""  # the URL was the only line
    stderr = (tmp_path / "serve.stderr").read_text()
    assert token not in stderr
    assert re.search(rf"{cookie}=(?!\*\*\*)", stderr) is None  # not even a cut token
    assert "Traceback" not in stderr
    assert "token=***" in stderr  # the over-long line was reported, masked
    assert "ended a session: resize width must be a whole number" in stderr
    logs = list((tmp_path / "state").rglob("*.log"))
    assert logs, "the server writes its details to the cockpit log"
    for log_file in logs:
        assert token not in log_file.read_text()


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """The server configures the process's logging; the test process gets its own back."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    try:
        yield
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])
        logging.getLogger("aiohttp.access").disabled = False


@pytest.mark.usefixtures("restored_logging")
def test_logging_masks_the_token_in_every_part_of_a_record(tmp_path: Path) -> None:
    token = "Tok-en_0123456789abcdefghijklmnopqrstuv"
    stream = StringIO()
    path = configure(token, stream=stream, log_dir=tmp_path)
    log = logging.getLogger("aiohttp.server")
    try:
        raise ValueError(f"cookie cockpit_serve_1={token}; url /?x=1&token={token}")
    except ValueError:
        log.exception("Error handling %s", f"/?token={token}")
    log.warning("partial: token=%s", token[:7])
    log.warning("Cookie: a=%s; cockpit_serve_8566=%s", "b" * 60, token[:9])
    log.warning("line\r\n\x1b[2Jforged: %s", "x" * 1000)
    logging.getLogger("aiohttp.access").warning("GET /?token=%s", token)
    console = stream.getvalue()
    details = path.read_text()
    for text in (console, details):
        assert token not in text and token[:7] not in text
    lines = console.splitlines()
    assert len(lines) == 4 and all(line.startswith("cockpit serve: ") for line in lines)
    assert "(ValueError: cookie cockpit_serve_1=***" in lines[0]
    assert lines[2].endswith("cockpit_serve_8566=***")
    assert "\x1b" not in lines[3] and len(lines[3]) <= 420
    assert "Traceback" not in console and "Traceback" in details


@pytest.mark.usefixtures("restored_logging")
def test_a_fault_of_the_server_is_one_line_and_exit_status_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def broken(settings: ServeSettings, **_: Any) -> None:
        raise RuntimeError(f"cannot serve /?token={settings.token}")

    monkeypatch.setattr(serve_module, "serve", broken)
    limits = SessionLimits(max_sessions=1, memory_bytes=128 * MIB)
    settings_ = ServeSettings(argv=PROBE, host="127.0.0.1", port=0, limits=limits)
    with bind("127.0.0.1", 0) as sock, pytest.raises(SystemExit) as stopped:
        serve_module.run(settings_, on_ready=print, sock=sock)
    assert stopped.value.code == 1
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and "Traceback" not in stderr
    assert "stopped on an error" in stderr and "RuntimeError: cannot serve" in stderr
    assert settings_.token not in stderr
