"""Screenshot `cockpit serve --demo` in headless Chromium, as a browser really renders it.

    .venv/bin/python scripts/serve_screenshot.py [docs/serve.png] [--size 1280x800]

Needs Debian's chromium (`apt-get install chromium`); without it this says so and exits 2.
The server gets a free loopback port and throw-away data dirs, so the shot never touches the
real timeline, and it is stopped (with the session it started) however this script ends.

Chromium's own `--screenshot --virtual-time-budget` cannot be used here: virtual time runs
ahead of the real clock, so the budget is spent (in a fraction of a real second) before the
session's `cockpit` process has started and sent its first frame, and the shot shows the
loading dialog. Instead the script drives Chromium over the DevTools protocol on a loopback
port: navigate, wait in real time until the page marks its first terminal bytes
(`body.-first-byte`, set by textual-serve's script), let the first readings land, capture.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

EXIT_MISSING_TOOL = 2
START_TIMEOUT_S = 30.0
FIRST_BYTE_TIMEOUT_S = 60.0
# After the first bytes, the demo's panels fill over the next second or so (every source on its
# own clock); this is how long the page is given before the shot.
SETTLE_S = 3.0


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser"):
        if path := shutil.which(name):
            return path
    return "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None


def read_url(process: subprocess.Popen[bytes], timeout: float) -> str:
    """The first stdout line of `cockpit serve`: the URL with its access token."""
    assert process.stdout is not None
    fd = process.stdout.fileno()
    deadline = time.monotonic() + timeout
    buffer = b""
    while b"\n" not in buffer:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise SystemExit(f"cockpit serve printed no URL within {timeout:g}s")
        if select.select([fd], [], [], remaining)[0]:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise SystemExit(f"cockpit serve exited with {process.wait()} before serving")
            buffer += chunk
    return buffer.split(b"\n", 1)[0].decode()


def stop(process: subprocess.Popen[bytes]) -> None:
    # Each child runs in its own process group (the server with the session's `cockpit`,
    # Chromium with its helpers): end the whole group.
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except ProcessLookupError:
        return
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


class DevTools:
    """The smallest DevTools-protocol client: one page, commands answered in order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.next_id = 0

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        await self.ws.send_json({"id": self.next_id, "method": method, "params": params})
        while True:
            message = await self.ws.receive_json()
            # Events (no id) are not needed; skip them until our answer arrives.
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                result: dict[str, Any] = message.get("result", {})
                return result

    async def event(self, method: str) -> dict[str, Any]:
        while True:
            message = await self.ws.receive_json()
            if message.get("method") == method:
                params: dict[str, Any] = message.get("params", {})
                return params

    async def evaluate(self, expression: str) -> Any:
        """Run `expression` in the page; a promise is awaited, so the page can signal us."""
        answer = await self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        return answer.get("result", {}).get("value")


# Resolves once textual-serve's script has written the first terminal bytes: it adds this class
# to <body> then. Observing the class, rather than polling for it, returns the moment it happens.
FIRST_BYTES = """
new Promise((resolve) => {
  const arrived = () => document.body.classList.contains("-first-byte");
  if (arrived()) { resolve(true); return; }
  new MutationObserver((_, observer) => {
    if (arrived()) { observer.disconnect(); resolve(true); }
  }).observe(document.body, { attributes: true, attributeFilter: ["class"] });
})
"""


async def _devtools_port(profile: Path, browser: subprocess.Popen[bytes]) -> int:
    # With --remote-debugging-port=0 Chromium picks a free port and writes it to this file.
    marker = profile / "DevToolsActivePort"
    async with asyncio.timeout(START_TIMEOUT_S):
        while not marker.exists() or not marker.read_text().strip():
            if browser.poll() is not None:
                raise SystemExit(f"chromium exited with {browser.returncode}")
            await asyncio.sleep(0.1)
    return int(marker.read_text().split()[0])


async def capture(
    browser: subprocess.Popen[bytes], profile: Path, url: str, size: tuple[int, int]
) -> bytes:
    """The PNG of `url` once its terminal shows the app (and the first readings landed)."""
    port = await _devtools_port(profile, browser)
    timeout = aiohttp.ClientTimeout(total=FIRST_BYTE_TIMEOUT_S + 60)
    async with aiohttp.ClientSession(timeout=timeout) as http:
        async with http.get(f"http://127.0.0.1:{port}/json/list") as response:
            targets = await response.json()
        page = next(t for t in targets if t.get("type") == "page")
        async with http.ws_connect(page["webSocketDebuggerUrl"], max_msg_size=0) as ws:
            tools = DevTools(ws)
            await tools.call("Page.enable")
            # --window-size includes the (invisible) window frame; the viewport, and so the
            # PNG, is set to exactly the size asked for.
            await tools.call(
                "Emulation.setDeviceMetricsOverride",
                width=size[0],
                height=size[1],
                deviceScaleFactor=1,
                mobile=False,
            )
            await tools.call("Page.navigate", url=url)
            async with asyncio.timeout(FIRST_BYTE_TIMEOUT_S):
                # The observer must run in the served page, not in about:blank.
                await tools.event("Page.loadEventFired")
                await tools.evaluate(FIRST_BYTES)
            await asyncio.sleep(SETTLE_S)
            shot = await tools.call("Page.captureScreenshot", format="png")
            await tools.call("Browser.close")
    return base64.b64decode(shot["data"])


def shoot(chromium: str, output: Path, size: tuple[int, int], workdir: Path) -> None:
    env = dict(os.environ)
    for name in ("DATA", "STATE", "CACHE"):
        env[f"XDG_{name}_HOME"] = str(workdir / name.lower())
    server = subprocess.Popen(
        [sys.executable, "-m", "cockpit.cli.serve", "--demo", "--port", "0"],
        stdout=subprocess.PIPE,
        env=env,
        start_new_session=True,
    )
    browser: subprocess.Popen[bytes] | None = None
    try:
        url = read_url(server, START_TIMEOUT_S)
        output.parent.mkdir(parents=True, exist_ok=True)
        profile = workdir / "chromium"
        browser = subprocess.Popen(
            [
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                f"--user-data-dir={profile}",
                f"--window-size={size[0]},{size[1]}",
                # Loopback only (Chromium's default address), on a port it picks itself.
                "--remote-debugging-port=0",
                "about:blank",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        output.write_bytes(asyncio.run(capture(browser, profile, url, size)))
    finally:
        if browser is not None:
            stop(browser)
        stop(server)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="docs/serve.png")
    parser.add_argument("--size", default="1280x800", help="browser window, WIDTHxHEIGHT")
    args = parser.parse_args()
    width, height = (int(n) for n in args.size.split("x"))
    chromium = find_chromium()
    if chromium is None:
        print(
            "serve_screenshot: chromium is not installed; install it with:\n"
            "  sudo apt-get install chromium",
            file=sys.stderr,
        )
        sys.exit(EXIT_MISSING_TOOL)
    output = Path(args.path)
    # A stale file must not pass for a fresh screenshot if Chromium fails quietly.
    output.unlink(missing_ok=True)
    with tempfile.TemporaryDirectory(prefix="cockpit-shot-") as workdir:
        shoot(chromium, output, (width, height), Path(workdir))
    print(output)


if __name__ == "__main__":
    main()
