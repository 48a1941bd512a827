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
on a non-ASCII guess. The token is printed once and never logged (cockpit.serve.access_log).

Behind the guard, a browser is an untrusted peer of the session it drives:

- at most `--max-sessions` sessions run at once; one more gets 503 and a short page saying so
  (on the page itself and on the websocket handshake). A slot is held from the handshake until
  the session's process has been reaped, whether the browser closed or the process died;
- every frame is parsed strictly (cockpit.serve.frames): terminal sizes are whole numbers
  clamped to 20–500 columns and 10–200 rows, frames are at most 64 KiB, and anything malformed
  ends that one session with a close code and a one-line note on stderr;
- each session's process runs without a shell and with a bounded data segment
  (cockpit.serve.sessions);
- `/ws` without an Upgrade is a 400, not a handler waiting on a handshake that never comes.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import logging
import secrets
import signal
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import WSCloseCode, WSMsgType, hdrs, web
from textual_serve.server import Server

from cockpit.serve.access_log import COOKIE_PREFIX, loop_exception_handler
from cockpit.serve.access_log import configure as configure_logging
from cockpit.serve.frames import (
    CLOSE_UNSUPPORTED_DATA,
    Focus,
    Frame,
    FrameRefused,
    Ping,
    Resize,
    Stdin,
    parse_frame,
    query_size,
)
from cockpit.serve.sessions import QUIT_GRACE_S, SessionLimits, SessionProcess, SessionSlots

WEBSOCKET_PATH = "/ws"
# Long enough that guessing is hopeless, short enough to paste: 24 bytes -> 32 URL-safe chars.
TOKEN_BYTES = 24
# How long a shutdown waits for browser sessions' `cockpit` processes to quit on their own.
SHUTDOWN_GRACE_S = 5.0
# textual-serve's heartbeat: a browser that vanished without a close is noticed within it.
HEARTBEAT_S = 15.0
# How long a close the server starts waits for the browser's answer before dropping the line.
CLOSE_TIMEOUT_S = 3.0

log = logging.getLogger("cockpit.serve.server")

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

        if _is_websocket_upgrade(request):
            origin = request.headers.get(hdrs.ORIGIN)
            if origin is None or origin.lower() not in self.origins:
                raise web.HTTPForbidden(
                    text="cockpit serve: websocket refused: its Origin is not this server's.\n"
                )
            return await handler(request)

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


FULL_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>cockpit serve: all sessions in use</title>
</head><body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>All {limit} sessions are in use</h1>
<p>This cockpit server runs at most {limit} browser sessions at once, and each one is taken.
Close a tab that shows this cockpit (or wait for a session to end), then reload this page.</p>
<p>The limit is set by <code>cockpit serve --max-sessions</code>.</p>
</body></html>
"""


@dataclass(frozen=True)
class SessionEnd:
    """How a session's websocket is closed; `refused` when the browser broke the protocol."""

    code: int
    reason: str
    refused: bool = False


PROTOCOL_ERRORS = {
    WSCloseCode.MESSAGE_TOO_BIG: "a frame over the size limit",
    WSCloseCode.INVALID_TEXT: "a text frame that is not UTF-8",
}
QUIT = SessionEnd(WSCloseCode.OK, "the cockpit quit")
BROWSER_CLOSED = SessionEnd(WSCloseCode.OK, "")
SERVER_STOPPING = SessionEnd(WSCloseCode.GOING_AWAY, "the server is stopping")


class CockpitServer(Server):
    """textual-serve's Server with the access guard in front of every route, and sessions run
    by `SessionProcess` behind a cap, with every browser frame checked by `parse_frame`.

    `_make_app` is textual-serve's one place where routes are assembled, and `handle_index` /
    `handle_websocket` are the handlers it routes to; the pinned textual-serve version in
    pyproject.toml keeps those hooks where this class expects them, and the tests fail loudly
    if a request ever reaches a route unguarded.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        host: str,
        port: int,
        public_url: str,
        guard: AccessGuard,
        limits: SessionLimits,
    ) -> None:
        super().__init__(" ".join(argv), host=host, port=port, title="cockpit",
                         public_url=public_url)
        self.argv = tuple(argv)
        self.guard = guard
        self.limits = limits
        self.slots = SessionSlots(limits.max_sessions)
        self._sessions: set[SessionProcess] = set()

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        # Outermost: nothing, not even a 404 for a guessed path, is answered before the check.
        app.middlewares.insert(0, self.guard.middleware)
        return app

    async def on_startup(self, app: web.Application) -> None:
        # textual-serve prints a banner and the URL here; the caller prints the one URL that
        # matters (with the token), and stdout stays a single line a script can read.
        pass

    def _full(self) -> web.Response:
        return web.Response(
            status=503, text=FULL_PAGE.format(limit=self.slots.limit), content_type="text/html"
        )

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        # Said on the page, where a person reads it; the websocket handshake says it as well.
        if self.slots.full:
            return self._full()
        response: web.StreamResponse = await super().handle_index(request)
        return response

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:  # type: ignore[override]
        if not _is_websocket_upgrade(request):
            raise web.HTTPBadRequest(
                text="cockpit serve: /ws is the session's websocket; open the page URL instead.\n"
            )
        websocket = web.WebSocketResponse(
            timeout=CLOSE_TIMEOUT_S,
            heartbeat=HEARTBEAT_S,
            max_msg_size=self.limits.max_frame_bytes,
            # The reply to a browser's close is sent once the session's process is gone, so
            # a browser whose close has completed can count on its slot being free again.
            autoclose=False,
        )
        if not websocket.can_prepare(request).ok:
            raise web.HTTPBadRequest(text="cockpit serve: not a valid websocket handshake.\n")
        holder = asyncio.current_task()
        assert holder is not None
        if not self.slots.acquire(holder):
            return self._full()
        try:
            await websocket.prepare(request)
            size = query_size(request.query.get("width"), request.query.get("height"))
            await self._run_session(websocket, size, holder)
        finally:
            self.slots.release(holder)
        return websocket

    async def _run_session(
        self, websocket: web.WebSocketResponse, size: Resize, holder: asyncio.Task[Any]
    ) -> None:
        session = SessionProcess(
            self.argv,
            memory_bytes=self.limits.memory_bytes,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            download_manager=self.download_manager,
        )
        end = SERVER_STOPPING
        self._sessions.add(session)
        try:
            try:
                await session.start(size.width, size.height)
            except OSError as error:
                log.error("could not start a session: %s", error.strerror or error)
                end = SessionEnd(WSCloseCode.INTERNAL_ERROR, "the cockpit could not start")
                return
            browser = asyncio.create_task(self._relay_browser(websocket, session))
            output = session.output_ended()
            try:
                await asyncio.wait({browser, output}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                browser.cancel()  # a no-op when the browser's side is what ended
                [outcome] = await asyncio.gather(browser, return_exceptions=True)
            if isinstance(outcome, SessionEnd):
                end = outcome
            elif isinstance(outcome, asyncio.CancelledError):
                end = QUIT  # the process ended first
            else:
                log.error("a session's relay failed", exc_info=outcome)
                end = SessionEnd(WSCloseCode.INTERNAL_ERROR, "the server failed")
        finally:
            await session.stop()
            self._sessions.discard(session)
            # The process is gone: its slot is free before the browser hears the session end.
            self.slots.release(holder)
            end = self._report(end, session)
            if not websocket.closed:
                await websocket.close(code=end.code, message=end.reason.encode())

    async def kill_sessions(self) -> None:
        """Kill and reap every session process still there (the last step of a shutdown)."""
        for session in list(self._sessions):
            await session.kill()

    def _report(self, end: SessionEnd, session: SessionProcess) -> SessionEnd:
        """The session's end on stderr when it was not an ordinary one, and its close code."""
        status = session.returncode
        if end.refused:
            log.warning("ended a session: %s", end.reason)
        elif session.fault is not None:
            return SessionEnd(WSCloseCode.INTERNAL_ERROR, "the cockpit's output was unreadable")
        elif end is QUIT and status not in (0, None):
            last = session.last_words()
            log.warning(
                "a session ended with exit status %s%s", status, f": {last}" if last else ""
            )
            return SessionEnd(WSCloseCode.INTERNAL_ERROR, f"the cockpit ended (status {status})")
        return end

    async def _relay_browser(
        self, websocket: web.WebSocketResponse, session: SessionProcess
    ) -> SessionEnd:
        """Browser frames to the session, until the browser closes or breaks the protocol."""
        while True:
            message = await websocket.receive()
            if message.type is WSMsgType.TEXT:
                try:
                    frame = parse_frame(message.data)
                except FrameRefused as refused:
                    return SessionEnd(refused.code, refused.reason, refused=True)
                try:
                    await self._deliver(frame, websocket, session)
                except ConnectionError:
                    return BROWSER_CLOSED
            elif message.type is WSMsgType.BINARY:
                return SessionEnd(
                    CLOSE_UNSUPPORTED_DATA, "binary frames are not accepted", refused=True
                )
            elif message.type is WSMsgType.ERROR:
                # aiohttp has closed it already, with the code that says why; 1006 is a
                # browser that stopped answering the heartbeat (gone, not hostile).
                code = websocket.close_code or WSCloseCode.PROTOCOL_ERROR
                if code == WSCloseCode.ABNORMAL_CLOSURE:
                    return BROWSER_CLOSED
                return SessionEnd(code, PROTOCOL_ERRORS.get(code, "websocket protocol error"),
                                  refused=True)
            else:  # CLOSE, CLOSING, CLOSED
                return BROWSER_CLOSED

    @staticmethod
    async def _deliver(
        frame: Frame, websocket: web.WebSocketResponse, session: SessionProcess
    ) -> None:
        match frame:
            case Stdin(text):
                await session.send_bytes(text.encode("utf-8"))
            case Resize(width, height):
                await session.set_terminal_size(width, height)
            case Ping(payload):
                await websocket.send_json(["pong", payload])
            case Focus(True):
                await session.focus()
            case Focus(False):
                await session.blur()


@dataclass(frozen=True)
class ServeSettings:
    argv: tuple[str, ...]
    host: str
    port: int
    limits: SessionLimits
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


def run(
    settings: ServeSettings,
    *,
    on_ready: Callable[[str], None],
    sock: socket.socket,
    debug: bool = False,
) -> None:
    """The server as a process: its logging set up (token redacted), then `serve` until stopped."""
    path = configure_logging(settings.token, debug=debug)
    try:
        asyncio.run(serve(settings, on_ready=on_ready, sock=sock))
    except Exception:
        # A fault of the server itself: one line on stderr, the traceback in the log file.
        log.critical("stopped on an error; details in %s", path, exc_info=True)
        raise SystemExit(1) from None


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
        cookie_name=f"{COOKIE_PREFIX}{port}",
        secure_cookie=public_url.lower().startswith("https:"),
    )
    server = CockpitServer(
        settings.argv,
        host=settings.host,
        port=port,
        public_url=public_url.rstrip("/"),
        guard=guard,
        limits=settings.limits,
    )
    app = await server._make_app()
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_S)
    await runner.setup()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    previous_handler = loop.get_exception_handler()
    loop.set_exception_handler(loop_exception_handler)
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        await web.SockSite(runner, sock).start()
        on_ready(access_url(public_url, settings.token))
        await stop.wait()
    finally:
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(signum)
        await _end_sessions(server)
        await runner.cleanup()
        loop.set_exception_handler(previous_handler)


async def _end_sessions(server: CockpitServer) -> None:
    """Stop every session before the server returns, so no `cockpit` process outlives it.

    Each websocket handler is cancelled: it tells its process to quit, kills it after the
    grace period, reaps it and closes the websocket with 1001. A handler that cannot finish
    in time (a browser that never answers the close) still gets its process killed and reaped.
    """
    tasks = server.slots.holders()
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.wait(tasks, timeout=QUIT_GRACE_S + CLOSE_TIMEOUT_S)
    await server.kill_sessions()
