"""A loopback TCP proxy that misbehaves on demand, for fault tests.

Between the cockpit and a real server (Prometheus, the fake Kubernetes API): `mode` is read for
every new connection, so a test flips it and the next request meets the new fault.

- "pass": forward both ways;
- "refuse": accept and close at once (a crashed backend behind a load balancer);
- "blackhole": accept, read, never answer (a hung server; only timeouts save the client);
- "delay": wait `delay` seconds, then forward;
- "cut": forward the request, relay the first `cut_after` bytes of the answer, then close.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass, field


@dataclass
class FaultProxy:
    target: tuple[str, int]
    mode: str = "pass"
    delay: float = 0.0
    cut_after: int = 64
    connections: int = 0
    _server: socket.socket = field(init=False)
    _stop: threading.Event = field(default_factory=threading.Event, init=False)
    _threads: list[threading.Thread] = field(default_factory=list, init=False)
    _open: list[socket.socket] = field(default_factory=list, init=False)

    def __post_init__(self) -> None:
        self._server = socket.create_server(("127.0.0.1", 0))
        self._server.settimeout(0.2)
        thread = threading.Thread(target=self._accept_loop, daemon=True, name="fault-proxy")
        thread.start()
        self._threads.append(thread)

    @property
    def url(self) -> str:
        host, port = self._server.getsockname()[:2]
        return f"http://{host}:{port}"

    def switch(self, mode: str, *, delay: float | None = None) -> None:
        """Change the fault and drop every open connection, as a crashed or failed-over
        backend would: kept-alive client connections must meet the new fault too."""
        self.mode = mode
        if delay is not None:
            self.delay = delay
        open_now, self._open = self._open, []
        for sock in open_now:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            with contextlib.suppress(OSError):
                sock.close()

    def close(self) -> None:
        self._stop.set()
        for sock in [self._server, *self._open]:
            with contextlib.suppress(OSError):
                sock.close()
        for thread in self._threads:
            thread.join(timeout=2)

    def __enter__(self) -> FaultProxy:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._open.append(client)
            thread = threading.Thread(
                target=self._handle, args=(client, self.mode), daemon=True, name="fault-conn"
            )
            thread.start()
            self._threads.append(thread)

    def _handle(self, client: socket.socket, mode: str) -> None:
        with contextlib.closing(client):
            if mode == "refuse":
                return
            if mode == "blackhole":
                try:
                    client.settimeout(0.2)
                except OSError:  # a mode switch closed the socket before this thread ran
                    return
                while not self._stop.is_set():
                    try:
                        if not client.recv(65536):
                            return
                    except TimeoutError:
                        continue
                    except OSError:
                        return
                return
            if mode == "delay":
                deadline = time.monotonic() + self.delay
                while time.monotonic() < deadline and not self._stop.is_set():
                    time.sleep(0.05)
            try:
                upstream = socket.create_connection(self.target, timeout=5)
            except OSError:
                return
            self._open.append(upstream)
            with contextlib.closing(upstream):
                pump = threading.Thread(
                    target=self._pump, args=(client, upstream, None), daemon=True
                )
                pump.start()
                limit = self.cut_after if mode == "cut" else None
                self._pump(upstream, client, limit)
                # Closing both ends stops the other direction too.
                for sock in (client, upstream):
                    with contextlib.suppress(OSError):
                        sock.shutdown(socket.SHUT_RDWR)
                pump.join(timeout=2)

    def _pump(self, source: socket.socket, sink: socket.socket, limit: int | None) -> None:
        sent = 0
        try:
            source.settimeout(0.2)
        except OSError:
            return  # closed before this thread started: a switch drops every connection
        while not self._stop.is_set():
            try:
                chunk = source.recv(65536)
            except TimeoutError:
                continue
            except OSError:
                return
            if not chunk:
                return
            if limit is not None:
                chunk = chunk[: max(0, limit - sent)]
            try:
                sink.sendall(chunk)
            except OSError:
                return
            sent += len(chunk)
            if limit is not None and sent >= limit:
                return
