"""`cockpit serve`: the cockpit in a browser, one `cockpit` process per browser tab.

textual-serve does the terminal-in-a-browser part: its page runs xterm.js, opens a websocket to
`/ws`, and for each websocket it starts the command with Textual's web driver and relays the
app's output as binary frames. It has no access control of its own, so this module adds it in
front of every route as aiohttp middleware:

- every request (page, websocket, static files, downloads) needs the access token, either as
  `?token=` or as the cookie the first valid request sets. The page builds its websocket URL by
  appending `?width=..&height=..` to a fixed URL, so the token cannot ride in that URL; the
  cookie (HttpOnly, SameSite=Strict, `Secure` under https) is what the websocket carries;
- a websocket upgrade must come with an `Origin` that is one of the served origins. Cookies are
  scoped by host, not by port, so without this check any page on another port of the same host
  (a dev server on 127.0.0.1:3000, say) could open the websocket with the cookie attached;
- static assets need the token too, although they are the public files shipped in the
  textual-serve wheel: guarding them costs nothing (the page's own requests carry the cookie)
  and leaves no unauthenticated surface at all, not even a directory listing.

Tokens are compared with `hmac.compare_digest` on bytes: constant time, and no TypeError (a 500)
on a non-ASCII guess. The token is printed once; aiohttp's access log is off because it would
print every `?token=` URL again.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import ipaddress
import os
import secrets
import shlex
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import hdrs, web
from textual_serve.server import Server

WEBSOCKET_PATH = "/ws"
# Long enough that guessing is hopeless, short enough to paste: 24 bytes -> 32 URL-safe chars.
TOKEN_BYTES = 24
# How long a shutdown waits for browser sessions' `cockpit` processes to quit on their own.
SHUTDOWN_GRACE_S = 5.0

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def is_loopback(host: str) -> bool:
    """True when only this machine can connect: `localhost` or a loopback address."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def is_wildcard(host: str) -> bool:
    """True for "every interface" binds, whose address in a browser cannot be guessed."""
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return host == ""


def _url_host(host: str) -> str:
    """A host as it appears in a URL: IPv6 literals need brackets."""
    host = host.strip("[]")
    try:
        if ipaddress.ip_address(host).version == 6:
            return f"[{host}]"
    except ValueError:
        pass
    return host.lower()


def normalise_origin(url: str) -> str:
    """`scheme://host[:port]` exactly as a browser writes it in an `Origin` header.

    Browsers lowercase scheme and host and leave out the scheme's default port, so an origin
    built from a configured URL must do the same or a correct browser would be refused.
    """
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = _url_host(parts.hostname or "")
    port = parts.port
    if port is None or (scheme, port) in (("http", 80), ("https", 443)):
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def allowed_origins(public_url: str, host: str, port: int) -> frozenset[str]:
    """Origins whose pages may open the websocket.

    The public URL's origin always. On a loopback bind also the other loopback spellings on the
    same port, so `localhost:8566` works as well as `127.0.0.1:8566` (the usual SSH tunnel case);
    they name this machine only, so they widen nothing.
    """
    origins = {normalise_origin(public_url)}
    if is_loopback(host):
        origins |= {f"http://{name}:{port}" for name in ("127.0.0.1", "localhost", "[::1]")}
    return frozenset(origins)


def cockpit_argv(
    *,
    allow_actions: bool = False,
    demo: bool = False,
    config_path: str | None = None,
    theme: str | None = None,
    refresh: float | None = None,
    context: str | None = None,
    namespace: str | None = None,
    db_path: str | None = None,
    debug: bool = False,
    python: str = sys.executable,
) -> list[str]:
    """The command each browser session runs, as an argv list.

    `sys.executable -m cockpit` rather than `cockpit` from PATH: the sessions then run exactly
    the code and the environment that the server runs. Read-only unless actions were opted in.
    """
    argv = [python, "-m", "cockpit"]
    if not allow_actions:
        argv.append("--read-only")
    if demo:
        argv.append("--demo")
    if config_path is not None:
        argv += ["--config", config_path]
    if theme is not None:
        argv += ["--theme", theme]
    if refresh is not None:
        argv += ["--refresh", repr(float(refresh))]
    if context is not None:
        argv += ["--context", context]
    if namespace is not None:
        argv += ["--namespace", namespace]
    if db_path is not None:
        argv += ["--db", db_path]
    if debug:
        argv.append("--debug")
    return argv


def shell_command(argv: Sequence[str]) -> str:
    """The argv as the shell command textual-serve runs (it only takes a string).

    Every argument is quoted, so nothing in a path or a name is ever read as shell syntax.
    `exec` makes the shell become the cockpit instead of waiting on it as a child, so the
    process textual-serve signals, kills and reaps is the session's cockpit itself.
    """
    return "exec " + shlex.join(argv)


def opt_in_warnings(host: str, allow_actions: bool) -> list[str]:
    """What stderr says when a safer default was given up on purpose."""
    warnings = []
    if not is_loopback(host):
        warnings.append(
            f"warning: listening on {host}, not loopback: other machines can connect. Anyone "
            "with the URL (it holds the token) can watch, and the traffic is plain HTTP; "
            "prefer an SSH tunnel, or TLS in a reverse proxy in front."
        )
    if allow_actions:
        warnings.append(
            "warning: --allow-actions: every browser session can scale, restart and roll back "
            "Deployments, as the user running this server."
        )
    return warnings


def _is_websocket_upgrade(request: web.Request) -> bool:
    return request.headers.get(hdrs.UPGRADE, "").lower() == "websocket"


@dataclass
class AccessGuard:
    """The token and Origin checks, as one aiohttp middleware."""

    token: str
    origins: frozenset[str]
    cookie_name: str
    secure_cookie: bool = False
    # Tasks serving websockets, cancelled at shutdown so each session's app is told to quit.
    sessions: set[asyncio.Task[Any]] = field(default_factory=set)

    def token_matches(self, candidate: str | None) -> bool:
        if not candidate:
            return False
        return hmac.compare_digest(candidate.encode("utf-8"), self.token.encode("utf-8"))

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        query_token = request.query.get("token")
        cookie_token = request.cookies.get(self.cookie_name)
        from_query = self.token_matches(query_token)
        if not (from_query or self.token_matches(cookie_token)):
            if query_token is None and cookie_token is None:
                raise web.HTTPUnauthorized(
                    text="cockpit serve: open the URL printed at start-up; it carries the "
                    "access token.\n",
                    headers={hdrs.WWW_AUTHENTICATE: 'Bearer realm="cockpit"'},
                )
            raise web.HTTPForbidden(text="cockpit serve: wrong access token.\n")

        websocket = request.path == WEBSOCKET_PATH or _is_websocket_upgrade(request)
        if websocket:
            origin = request.headers.get(hdrs.ORIGIN)
            if origin is None or origin.lower() not in self.origins:
                raise web.HTTPForbidden(
                    text="cockpit serve: websocket refused: its Origin is not this server's.\n"
                )
            task = asyncio.current_task()
            if task is not None:
                self.sessions.add(task)
            try:
                return await handler(request)
            finally:
                if task is not None:
                    self.sessions.discard(task)

        response = await handler(request)
        if not response.prepared:
            # The URL holds the token: never send it on as a Referer, never cache the page.
            response.headers.setdefault("Referrer-Policy", "no-referrer")
            response.headers.setdefault(hdrs.CACHE_CONTROL, "no-store")
            response.headers.setdefault("Content-Security-Policy", "frame-ancestors 'none'")
            if from_query and not self.token_matches(cookie_token):
                response.set_cookie(
                    self.cookie_name,
                    self.token,
                    path="/",
                    httponly=True,
                    samesite="Strict",
                    secure=self.secure_cookie,
                )
        return response


class CockpitServer(Server):
    """textual-serve's Server with the access guard in front of every route.

    `_make_app` is textual-serve's one place where routes are assembled; the pinned
    textual-serve version in pyproject.toml keeps that hook where this class expects it, and the
    tests fail loudly if a request ever reaches a route unguarded.
    """

    def __init__(
        self, command: str, *, host: str, port: int, public_url: str, guard: AccessGuard
    ) -> None:
        super().__init__(command, host=host, port=port, title="cockpit", public_url=public_url)
        self.guard = guard

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        # Outermost: nothing, not even a 404 for a guessed path, is answered before the check.
        app.middlewares.insert(0, self.guard.middleware)
        return app

    async def on_startup(self, app: web.Application) -> None:
        # textual-serve prints a banner and the URL here; the caller prints the one URL that
        # matters (with the token), and stdout stays a single line a script can read.
        pass


@dataclass(frozen=True)
class ServeSettings:
    argv: tuple[str, ...]
    host: str
    port: int
    public_url: str | None = None
    token: str = field(default_factory=new_token)


def bind(host: str, port: int) -> socket.socket:
    """A listening socket; port 0 picks a free port (tests and the screenshot script use it)."""
    family, _, _, _, address = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    return socket.create_server(address, family=family)


def default_public_url(host: str, port: int) -> str:
    return f"http://{_url_host(host)}:{port}"


def access_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/?token={quote(token)}"


async def serve(
    settings: ServeSettings,
    *,
    on_ready: Callable[[str], None],
    sock: socket.socket | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Serve until SIGINT/SIGTERM (or `stop` is set); `on_ready` gets the URL with the token.

    `sock`, when given, is already bound (by `bind`), so a caller can report a busy port before
    any event loop exists.
    """
    sock = sock or bind(settings.host, settings.port)
    port = sock.getsockname()[1]
    public_url = settings.public_url or default_public_url(settings.host, port)
    guard = AccessGuard(
        token=settings.token,
        origins=allowed_origins(public_url, settings.host, port),
        # Cookies are per host, not per port: two servers on one host keep separate cookies.
        cookie_name=f"cockpit_serve_{port}",
        secure_cookie=public_url.lower().startswith("https:"),
    )
    server = CockpitServer(
        shell_command(settings.argv),
        host=settings.host,
        port=port,
        public_url=public_url.rstrip("/"),
        guard=guard,
    )
    app = await server._make_app()
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_S)
    await runner.setup()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await web.SockSite(runner, sock, shutdown_timeout=SHUTDOWN_GRACE_S).start()
        on_ready(access_url(public_url, settings.token))
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await _end_sessions(guard.sessions)
        await runner.cleanup()
        await _wait_for_sessions_to_exit()


async def _end_sessions(sessions: Iterable[asyncio.Task[Any]]) -> None:
    """Cancel websocket handlers: textual-serve then closes the socket and tells the session's
    app to quit, so no `cockpit` process outlives the server."""
    tasks = list(sessions)
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=SHUTDOWN_GRACE_S)



def _child_pids() -> set[int]:
    """This process's children (Linux; elsewhere none are known and nothing waits)."""
    pids: set[int] = set()
    for listing in Path("/proc/self/task").glob("*/children"):
        try:
            pids.update(int(pid) for pid in listing.read_text().split())
        except OSError:
            continue
    return pids


async def _wait_for_sessions_to_exit() -> None:
    """Stay alive until the sessions' processes have exited and been reaped.

    textual-serve never waits for a session's process: it stops reading when the app closes its
    stdout, which is before the app has finished exiting. Returning then would leave the exit
    to be reaped by whoever inherits the process. The only children this server has are
    sessions, so it waits for all of them, and kills any that are still there after the grace
    period: no session outlives the server.
    """
    try:
        async with asyncio.timeout(SHUTDOWN_GRACE_S):
            await _no_children_left()
    except TimeoutError:
        for pid in _child_pids():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


async def _no_children_left() -> None:
    # asyncio reaps each child as it exits; this only watches for that to have happened.
    while True:
        if not _child_pids():
            return
        await asyncio.sleep(0.05)
