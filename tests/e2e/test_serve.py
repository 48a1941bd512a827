"""`cockpit serve`: the token, the Origin check and the first frames, over real HTTP/websockets.

The server runs as a real process in its own process group, on a free loopback port it picks
itself (`--port 0`, so no port is guessed and raced for); the group is killed whatever happens,
which also ends the `cockpit` process each websocket starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import click
import pytest
from click.testing import CliRunner

from cockpit.cli import serve as serve_cli
from cockpit.serve import server as serve_module
from cockpit.serve.server import (
    AccessGuard,
    allowed_origins,
    cockpit_argv,
    is_loopback,
    normalise_origin,
    opt_in_warnings,
)
from cockpit.serve.sessions import start_process

START_TIMEOUT_S = 30.0
FRAME_TIMEOUT_S = 60.0
HTTP_TIMEOUT = aiohttp.ClientTimeout(total=20)
ANSI = re.compile(r"\x1b(?:\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])")


@dataclass(frozen=True)
class Served:
    process: subprocess.Popen[bytes]
    url: str
    base: str
    token: str
    port: int


def _isolated_env(root: Path) -> dict[str, str]:
    # Logs and the timeline of the served sessions stay in the test's own directories.
    env = dict(os.environ)
    for name in ("CONFIG", "DATA", "STATE", "CACHE"):
        env[f"XDG_{name}_HOME"] = str(root / name.lower())
    env.pop("COCKPIT_CONFIG", None)
    env.pop("COCKPIT_DB", None)
    return env


def _read_line(process: subprocess.Popen[bytes], timeout: float) -> str:
    assert process.stdout is not None
    fd = process.stdout.fileno()
    deadline = time.monotonic() + timeout
    buffer = b""
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no URL on stdout within {timeout}s")
        ready, _, _ = select.select([fd], [], [], remaining)
        if ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError(f"server exited ({process.wait()}) before printing its URL")
            buffer += chunk
    return buffer.split(b"\n", 1)[0].decode()


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def start_server(root: Path, *args: str) -> Served:
    process = subprocess.Popen(
        [sys.executable, "-m", "cockpit.cli.serve", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=open(root / "serve.stderr", "wb"),  # noqa: SIM115 - the child owns it
        env=_isolated_env(root),
        start_new_session=True,
    )
    try:
        url = _read_line(process, START_TIMEOUT_S)
    except BaseException:
        _kill_group(process)
        raise
    base, _, token = url.partition("/?token=")
    return Served(process, url, base, token, int(base.rsplit(":", 1)[1]))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    server = start_server(tmp_path_factory.mktemp("serve"), "--demo")
    try:
        yield server
    finally:
        _kill_group(server.process)


def _session() -> aiohttp.ClientSession:
    # unsafe=True: aiohttp's jar otherwise ignores cookies from IP hosts; browsers keep them.
    return aiohttp.ClientSession(timeout=HTTP_TIMEOUT, cookie_jar=aiohttp.CookieJar(unsafe=True))


async def _screen_text(ws: aiohttp.ClientWebSocketResponse, *wanted: str) -> str:
    """Terminal output from the websocket, escape sequences removed, until `wanted` all appear.

    textual-serve reads the app's stdout as packets (`D`/`M`/`P`, 4-byte big-endian length,
    payload) and forwards each `D` payload unchanged as one binary frame: the bytes a terminal
    would get. Text frames are JSON envelopes (open_url, downloads) and are skipped.
    """
    raw = b""
    text = ""
    async with asyncio.timeout(FRAME_TIMEOUT_S):
        while not all(word in text for word in wanted):
            message = await ws.receive()
            if message.type is aiohttp.WSMsgType.BINARY:
                raw += message.data
                text = ANSI.sub("", raw.decode("utf-8", "replace"))
            elif message.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                raise AssertionError(f"websocket closed early; output so far: {text[-500:]!r}")
    return text


# ---- over the network ----------------------------------------------------------------------


@pytest.mark.slow
async def test_page_needs_the_token(served: Served) -> None:
    async with _session() as http:
        async with http.get(served.base + "/") as response:
            assert response.status == 401
        async with http.get(served.base + "/?token=" + "x" * len(served.token)) as response:
            assert response.status == 403
        async with http.get(served.base + "/", params={"token": "é" + served.token}) as response:
            assert response.status == 403  # non-ASCII is a wrong token, not a server error
        async with http.get(served.base + "/static/js/textual.js") as response:
            assert response.status == 401
        assert not http.cookie_jar.filter_cookies(served.base)

        async with http.get(served.url) as response:
            assert response.status == 200
            page = await response.text()
            assert response.headers["Referrer-Policy"] == "no-referrer"
            cookie = response.headers["Set-Cookie"]
        assert f'data-session-websocket-url="ws://127.0.0.1:{served.port}/ws"' in page
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
        # The cookie alone now lets the page load its assets, as a browser would.
        async with http.get(served.base + "/static/js/textual.js") as response:
            assert response.status == 200


@pytest.mark.slow
async def test_websocket_from_another_origin_is_refused(served: Served) -> None:
    async with _session() as http:
        async with http.get(served.url) as response:
            assert response.status == 200  # holds the cookie from here on
        # Another port on the same host gets the cookie too (cookies ignore ports): the Origin
        # check is what stops it.
        for origin in (f"http://127.0.0.1:{served.port + 1}", "http://evil.example", "null"):
            with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                await http.ws_connect(served.base + "/ws", origin=origin)
            assert refused.value.status == 403, origin
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await http.ws_connect(served.base + "/ws")  # no Origin at all
        assert refused.value.status == 403

    async with _session() as stranger:  # the right Origin without the token
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await stranger.ws_connect(served.base + "/ws", origin=served.base)
        assert refused.value.status == 401


@pytest.mark.slow
async def test_websocket_with_token_and_origin_shows_the_read_only_dashboard(
    served: Served,
) -> None:
    async with _session() as http:
        async with http.get(served.url) as response:
            assert response.status == 200
        # The URL the page's script builds: its websocket URL plus the terminal size.
        async with http.ws_connect(
            served.base + "/ws?width=120&height=40", origin=served.base
        ) as ws:
            text = await _screen_text(ws, "Latency", "READ-ONLY")
            await ws.close()
    assert "Latency" in text and "READ-ONLY" in text


@pytest.mark.slow
async def test_localhost_spelling_is_accepted_on_a_loopback_bind(served: Served) -> None:
    base = f"http://localhost:{served.port}"
    async with _session() as http:
        async with http.get(f"{base}/?token={served.token}") as response:
            assert response.status == 200
        async with http.ws_connect(base + "/ws?width=80&height=24", origin=base) as ws:
            assert ws.closed is False
            await ws.close()


@pytest.mark.slow
async def test_stopping_the_server_ends_every_session(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--demo")
    try:
        async with _session() as http:
            async with http.get(server.url) as response:
                assert response.status == 200
            async with http.ws_connect(
                server.base + "/ws?width=100&height=30", origin=server.base
            ) as ws:
                await _screen_text(ws, "Latency")
                server.process.send_signal(signal.SIGTERM)  # the server alone, not its group
                await asyncio.to_thread(server.process.wait, 30)
        assert server.process.returncode == 0
        # The server exits only once its sessions have: nothing is left in its process group.
        assert not _group_alive(server.process.pid)
    finally:
        _kill_group(server.process)


# ---- the command each session runs ---------------------------------------------------------


def test_sessions_are_read_only_unless_actions_are_allowed() -> None:
    assert "--read-only" in cockpit_argv(demo=True)
    assert "--read-only" not in cockpit_argv(demo=True, allow_actions=True)
    argv = cockpit_argv(config_path="/etc/c.toml", theme="high-contrast", namespace="shop")
    assert argv[:3] == [sys.executable, "-m", "cockpit"]
    assert argv[3:] == [
        "--read-only", "--config", "/etc/c.toml", "--theme", "high-contrast", "--namespace", "shop"
    ]


async def test_user_text_never_becomes_shell_syntax() -> None:
    hostile = "/tmp/a b; touch pwned $(id) `id` 'q\"\n.toml"
    argv = cockpit_argv(config_path=hostile, context="ctx && rm -rf ~")
    # The session's process gets exactly these arguments: there is no shell to read them.
    echo = [sys.executable, "-c", "import sys; sys.stdout.write('\\0'.join(sys.argv[1:]))"]
    process = await start_process([*echo, *argv[3:]], dict(os.environ), 256 * 1024 * 1024)
    printed, _ = await asyncio.wait_for(process.communicate(), 30)
    assert printed.split(b"\0") == [a.encode() for a in argv[3:]]


# ---- origins, tokens, warnings -------------------------------------------------------------


def test_origins_are_normalised_like_a_browser_writes_them() -> None:
    assert normalise_origin("HTTPS://Cockpit.Example.com:443/x") == "https://cockpit.example.com"
    assert normalise_origin("http://127.0.0.1:8566/") == "http://127.0.0.1:8566"
    assert normalise_origin("http://[::1]:8566") == "http://[::1]:8566"
    loopback = allowed_origins("http://127.0.0.1:8566", "127.0.0.1", 8566)
    assert "http://localhost:8566" in loopback and "http://127.0.0.1:8567" not in loopback
    proxied = allowed_origins("https://cockpit.example.com", "10.0.0.5", 8566)
    assert proxied == {"https://cockpit.example.com"}


def test_token_comparison() -> None:
    guard = AccessGuard(token="s3cret", origins=frozenset(), cookie_name="c")
    assert guard.token_matches("s3cret")
    assert not guard.token_matches("s3cre")
    assert not guard.token_matches("")
    assert not guard.token_matches(None)
    assert not guard.token_matches("s3crét")


def test_opt_ins_warn() -> None:
    assert opt_in_warnings("127.0.0.1", allow_actions=False) == []
    assert opt_in_warnings("localhost", allow_actions=False) == []
    assert is_loopback("::1") and not is_loopback("192.0.2.1") and not is_loopback("example.com")
    [network] = opt_in_warnings("0.0.0.0", allow_actions=False)
    assert "not loopback" in network
    [actions] = opt_in_warnings("127.0.0.1", allow_actions=True)
    assert "--allow-actions" in actions


def test_cli_prints_the_url_once_and_warns_on_opt_ins(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run(settings: serve_module.ServeSettings, **kwargs: Any) -> None:
        seen["settings"] = settings
        kwargs["on_ready"](f"http://192.0.2.1:8566/?token={settings.token}")

    monkeypatch.setattr(serve_module, "run", fake_run)
    monkeypatch.setattr(serve_module, "bind", lambda host, port: None)
    result = CliRunner().invoke(
        serve_cli.serve_command, ["--host", "192.0.2.1", "--allow-actions", "--demo"]
    )
    assert result.exit_code == 0, result.output
    token = seen["settings"].token
    assert result.stdout == f"http://192.0.2.1:8566/?token={token}\n"
    assert len(token) >= 32
    assert "not loopback" in result.stderr and "--allow-actions" in result.stderr
    assert "--read-only" not in seen["settings"].argv


def test_cli_refuses_a_wildcard_bind_without_a_public_url() -> None:
    result = CliRunner().invoke(serve_cli.serve_command, ["--host", "0.0.0.0", "--demo"])
    assert result.exit_code == 2
    assert "--public-url" in result.stderr


def test_cli_checks_the_config_before_serving(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[cockpit]\nrefrsh = 5\n")
    result = CliRunner().invoke(serve_cli.serve_command, ["--config", str(bad)])
    assert result.exit_code == 2
    assert "invalid config" in result.stderr


def test_register_adds_serve_and_reads_group_options(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, Any] = {}

    def fake_run(settings: serve_module.ServeSettings, **kwargs: Any) -> None:
        seen["argv"] = settings.argv

    monkeypatch.setattr(serve_module, "run", fake_run)
    monkeypatch.setattr(serve_module, "bind", lambda host, port: None)

    @click.group()
    @click.option("--demo", is_flag=True, default=None)
    @click.option("-n", "--namespace", default=None)
    @click.pass_context
    def group(ctx: click.Context, **opts: Any) -> None:
        ctx.obj = {k: v for k, v in opts.items() if v is not None}

    serve_cli.register(group)
    result = CliRunner().invoke(group, ["--demo", "-n", "shop", "serve"])
    assert result.exit_code == 0, result.output
    assert seen["argv"][3:] == ("--read-only", "--demo", "--namespace", "shop")


def test_serve_is_a_cockpit_command() -> None:
    from cockpit.cli.main import main

    result = CliRunner().invoke(main, ["serve", "--help"])
    assert result.exit_code == 0, result.output
    for option in ("--host", "--port", "--allow-actions", "--demo", "--config", "--theme"):
        assert option in result.output


def test_the_cli_does_not_load_the_web_server_until_serve_runs() -> None:
    # `cockpit` imports serve_cli at start-up; aiohttp and textual-serve cost most of a second.
    code = (
        "import sys, cockpit.cli.main, cockpit.cli.serve;"
        "heavy = ('aiohttp', 'textual_serve', 'cockpit.serve.server');"
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == "[]"
