"""A fake Kubernetes API server on 127.0.0.1 for tests: real HTTP, real JSON wire format.

The real `kubernetes` Python client and the real `kubectl` talk to it through a generated
kubeconfig, so what the tests prove is what production does over the wire, not what a mock
believes. It is deliberately small and layered so that later work can add resources and verbs
without touching the HTTP plumbing:

- `ResourceType` / `RESOURCES`: the API types the server knows; discovery is derived from them.
- `Store`: an in-memory object store with a cluster-wide resourceVersion counter.
- `ApiRequest` + `FakeKube.handlers`: a request is parsed once into (verb, resource, namespace,
  name, subresource); a handler is looked up by (verb, resource, subresource). Register more
  with `FakeKube.handle(...)` (e.g. deployments' `scale`, `watch`).
- `Response`: a status, headers and a body that may be an iterator of chunks (sent with chunked
  transfer encoding, which is what a watch stream needs).
- `FakeKube`: the server in a background thread; a context manager yielding itself, with
  `.url` and `.write_kubeconfig(...)`.

Faithfulness notes (mirroring kube-apiserver): listing in a namespace that does not exist is an
empty list, not a 404; a GET of a missing object is a 404 `Status`; list items carry no `kind`
or `apiVersion`; a bad or missing bearer token is a 401 `Status` with message "Unauthorized".
"""

from __future__ import annotations

import atexit
import base64
import binascii
import copy
import functools
import itertools
import json
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

JSON = dict[str, Any]
SERVER_VERSION = {
    "major": "1",
    "minor": "31",
    "gitVersion": "v1.31.0-fakekube",
    "gitCommit": "0000000000000000000000000000000000000000",
    "gitTreeState": "clean",
    "buildDate": "2026-01-01T00:00:00Z",
    "goVersion": "go1.22.5",
    "compiler": "gc",
    "platform": "linux/amd64",
}
# How long a request held by `FakeKube.stall()` waits at most: a forgotten release must not leave
# threads hanging past the test run.
STALL_LIMIT = 30.0


@dataclass(frozen=True, slots=True)
class TlsMaterial:
    ca_pem: bytes
    cert_file: Path
    key_file: Path


@functools.cache
def tls_material() -> TlsMaterial:
    """A throwaway CA and a server certificate for 127.0.0.1, made once per test process.

    kubectl will not send a bearer token over plain HTTP, so the server speaks HTTPS like a real
    one; the openssl CLI makes the certificates (present wherever kubectl runs, no extra Python
    dependency).
    """
    openssl = shutil.which("openssl")
    if openssl is None:
        raise RuntimeError("fakekube needs the openssl command to make its TLS certificate")
    folder = Path(tempfile.mkdtemp(prefix="fakekube-tls-"))
    atexit.register(shutil.rmtree, folder, True)
    ca_key, ca_cert = folder / "ca.key", folder / "ca.crt"
    key, csr, cert = folder / "server.key", folder / "server.csr", folder / "server.crt"
    ext = folder / "server.ext"
    ext.write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature,keyEncipherment\n"
        "extendedKeyUsage=serverAuth\n"
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
    )
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    steps = [
        [
            openssl,
            "req",
            "-x509",
            *ec,
            "-keyout",
            ca_key,
            "-out",
            ca_cert,
            "-days",
            "2",
            "-subj",
            "/CN=fakekube-ca",
        ],
        [openssl, "req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=fakekube"],
        [
            openssl,
            "x509",
            "-req",
            "-in",
            csr,
            "-CA",
            ca_cert,
            "-CAkey",
            ca_key,
            "-CAcreateserial",
            "-out",
            cert,
            "-days",
            "2",
            "-extfile",
            ext,
        ],
    ]
    for argv in steps:
        subprocess.run([str(a) for a in argv], check=True, capture_output=True)
    return TlsMaterial(ca_cert.read_bytes(), cert, key)


# ---- API types ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ResourceType:
    group: str  # "" is the core group served under /api
    version: str
    plural: str
    kind: str
    singular: str
    namespaced: bool
    verbs: tuple[str, ...] = ("get", "list")
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[str, ...] = ()

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> tuple[str, str]:
        return self.group, self.version


RESOURCES: dict[tuple[str, str], ResourceType] = {
    (r.group, r.plural): r
    for r in (
        ResourceType("", "v1", "namespaces", "Namespace", "namespace", False, short_names=("ns",)),
        ResourceType(
            "",
            "v1",
            "pods",
            "Pod",
            "pod",
            True,
            short_names=("po",),
            categories=("all",),
            subresources=("status", "log"),
        ),
        ResourceType("", "v1", "events", "Event", "event", True, short_names=("ev",)),
        ResourceType(
            "apps",
            "v1",
            "deployments",
            "Deployment",
            "deployment",
            True,
            short_names=("deploy",),
            categories=("all",),
            subresources=("status", "scale"),
        ),
        ResourceType(
            "apps",
            "v1",
            "replicasets",
            "ReplicaSet",
            "replicaset",
            True,
            short_names=("rs",),
            categories=("all",),
            subresources=("status", "scale"),
        ),
        ResourceType(
            "apps",
            "v1",
            "statefulsets",
            "StatefulSet",
            "statefulset",
            True,
            short_names=("sts",),
            categories=("all",),
            subresources=("status", "scale"),
        ),
    )
}


def resource_for(kind_or_plural: str, group: str | None = None) -> ResourceType:
    for rt in RESOURCES.values():
        if group is not None and rt.group != group:
            continue
        if kind_or_plural in (rt.kind, rt.plural, rt.singular):
            return rt
    raise KeyError(kind_or_plural)


def status_object(code: int, reason: str, message: str, details: JSON | None = None) -> JSON:
    """A `metav1.Status` as kube-apiserver sends it with every error."""
    body: JSON = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": reason,
        "code": code,
    }
    if details is not None:
        body["details"] = details
    return body


class ApiError(Exception):
    """Raised by a handler to answer with a `Status`."""

    def __init__(self, code: int, reason: str, message: str, details: JSON | None = None):
        super().__init__(message)
        self.status = status_object(code, reason, message, details)
        self.code = code


def not_found(rt: ResourceType, name: str) -> ApiError:
    kind = rt.plural if not rt.group else f"{rt.plural}.{rt.group}"
    details: JSON = {"name": name, "kind": rt.plural}
    if rt.group:
        details["group"] = rt.group
    return ApiError(404, "NotFound", f'{kind} "{name}" not found', details)


# ---- label selectors ------------------------------------------------------------------------

_REQ = re.compile(
    r"""^\s*(?:
        (?P<not>!)\s*(?P<nkey>[^\s=!(),]+)
      | (?P<skey>[^\s=!(),]+)\s*(?P<setop>in|notin)\s*\((?P<values>[^)]*)\)
      | (?P<key>[^\s=!(),]+)\s*(?P<op>==|=|!=)\s*(?P<value>[^\s=!(),]*)
      | (?P<ekey>[^\s=!(),]+)
    )\s*$""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!"
    values: frozenset[str] = frozenset()

    def matches(self, labels: Mapping[str, str]) -> bool:
        present = self.key in labels
        value = labels.get(self.key)
        if self.op == "exists":
            return present
        if self.op == "!":
            return not present
        if self.op in ("=", "in"):
            return present and value in self.values
        # "!=" and "notin" match objects without the label, as in apimachinery.
        return not present or value not in self.values


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, []
    for ch in text:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
    parts.append("".join(current))
    return parts


def parse_selector(text: str) -> tuple[Requirement, ...]:
    """Parse a label selector (`a=b,c!=d,e in (f,g),h notin (i),j,!k`); ValueError if bad."""
    if not text.strip():
        return ()
    requirements = []
    for part in _split_top_level(text):
        m = _REQ.match(part)
        if not m:
            raise ValueError(f"unable to parse requirement: {part.strip()!r}")
        if m["not"]:
            requirements.append(Requirement(m["nkey"], "!"))
        elif m["setop"]:
            values = frozenset(v.strip() for v in m["values"].split(",") if v.strip())
            requirements.append(Requirement(m["skey"], m["setop"], values))
        elif m["op"]:
            op = "!=" if m["op"] == "!=" else "="
            requirements.append(Requirement(m["key"], op, frozenset({m["value"]})))
        else:
            requirements.append(Requirement(m["ekey"], "exists"))
    return tuple(requirements)


def selector_matches(requirements: Iterable[Requirement], labels: Mapping[str, str]) -> bool:
    return all(r.matches(labels) for r in requirements)


# ---- store --------------------------------------------------------------------------------------


def _now_rfc3339() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


Key = tuple[str, str, str, str]  # (group, plural, namespace, name)
# kube-apiserver's watch cache keeps a bounded window of recent changes; a watch that asks to
# resume from before the window gets 410 Expired and must list again.
HISTORY_LIMIT = 1000


@dataclass(frozen=True, slots=True)
class Change:
    """One write as the watch cache remembers it: `old` lets a filtered watch tell an object
    that left its selector (DELETED) from one that changed inside it (MODIFIED)."""

    rv: int
    type: str  # ADDED, MODIFIED, DELETED
    key: Key
    old: JSON | None
    new: JSON


class Expired(Exception):
    """A watch asked for changes older than the history holds."""

    def __init__(self, asked: int, oldest: int) -> None:
        super().__init__(f"too old resource version: {asked} ({oldest})")


@dataclass
class Store:
    """Objects by (resource, namespace, name). Objects are replaced, never mutated in place, so a
    reader holding one (while it is being encoded) never sees a half-made change. Every write is
    also a `Change` in a bounded history, and wakes the watches waiting on `changed`."""

    _lock: threading.RLock = field(default_factory=threading.RLock)
    _rv: itertools.count[int] = field(default_factory=lambda: itertools.count(1000))
    _objects: dict[Key, JSON] = field(default_factory=dict)
    resource_version: int = 999
    history_limit: int = HISTORY_LIMIT
    _history: deque[Change] = field(default_factory=deque)
    changed: threading.Condition = field(init=False)

    def __post_init__(self) -> None:
        self.changed = threading.Condition(self._lock)

    def _bump(self) -> str:
        self.resource_version = next(self._rv)
        return str(self.resource_version)

    def _record(self, kind: str, key: Key, old: JSON | None, new: JSON) -> None:
        # Called with the lock held, right after the bump that `new` carries.
        self._history.append(Change(self.resource_version, kind, key, old, new))
        while len(self._history) > max(1, self.history_limit):
            self._history.popleft()
        self.changed.notify_all()

    def changes_since(self, rv: int) -> tuple[list[Change], int]:
        """Changes after `rv` and the store's resourceVersion now; `Expired` when the history no
        longer reaches back to `rv` (the same rule as kube-apiserver's watch cache)."""
        with self._lock:
            oldest = self._history[0].rv if self._history else self.resource_version + 1
            if rv < oldest - 1:
                raise Expired(rv, oldest - 1)
            # Newest last: walk back only over what is new to this watch.
            found: list[Change] = []
            for change in reversed(self._history):
                if change.rv <= rv:
                    break
                found.append(change)
            found.reverse()
            return found, self.resource_version

    def forget_history(self) -> None:
        """Drop the change history (as an apiserver restart does): older watches get 410."""
        with self._lock:
            self._history.clear()
            self._bump()

    @staticmethod
    def _key(rt: ResourceType, namespace: str, name: str) -> Key:
        return (rt.group, rt.plural, namespace if rt.namespaced else "", name)

    def put(self, obj: Mapping[str, Any]) -> JSON:
        """Create or replace an object; fills kind/apiVersion and server-set metadata."""
        stored = copy.deepcopy(dict(obj))
        api_version = str(stored.get("apiVersion", "v1"))
        group = api_version.split("/")[0] if "/" in api_version else ""
        rt = resource_for(str(stored["kind"]), group)
        stored["apiVersion"] = rt.api_version
        meta = stored.setdefault("metadata", {})
        name = meta["name"]
        namespace = meta.get("namespace", "") if rt.namespaced else ""
        if rt.namespaced:
            if not namespace:
                raise ValueError(f"{rt.kind} {name} needs metadata.namespace")
            self.ensure_namespace(namespace)
        key = self._key(rt, namespace, name)
        with self._lock:
            old = self._objects.get(key)
            if old is not None:
                meta.setdefault("uid", old["metadata"]["uid"])
                meta.setdefault("creationTimestamp", old["metadata"]["creationTimestamp"])
            meta.setdefault("uid", str(uuid.uuid4()))
            meta.setdefault("creationTimestamp", _now_rfc3339())
            meta["resourceVersion"] = self._bump()
            self._objects[key] = stored
            self._record("ADDED" if old is None else "MODIFIED", key, old, stored)
        return stored

    def ensure_namespace(self, name: str) -> None:
        rt = RESOURCES[("", "namespaces")]
        with self._lock:
            key = self._key(rt, "", name)
            if key in self._objects:
                return
            namespace: JSON = {
                "kind": "Namespace",
                "apiVersion": "v1",
                "metadata": {
                    "name": name,
                    "uid": str(uuid.uuid4()),
                    "creationTimestamp": _now_rfc3339(),
                    "labels": {"kubernetes.io/metadata.name": name},
                    "resourceVersion": self._bump(),
                },
                "spec": {"finalizers": ["kubernetes"]},
                "status": {"phase": "Active"},
            }
            self._objects[key] = namespace
            self._record("ADDED", key, None, namespace)

    def delete(self, rt: ResourceType, namespace: str, name: str) -> JSON | None:
        key = self._key(rt, namespace, name)
        with self._lock:
            gone = self._objects.pop(key, None)
            if gone is not None:
                # A DELETED event carries the object's last state at the deletion's version.
                final = {**gone, "metadata": {**gone["metadata"], "resourceVersion": self._bump()}}
                self._record("DELETED", key, gone, final)
            return gone

    def get(self, rt: ResourceType, namespace: str, name: str) -> JSON | None:
        with self._lock:
            return self._objects.get(self._key(rt, namespace, name))

    def list(
        self, rt: ResourceType, namespace: str | None, requirements: tuple[Requirement, ...] = ()
    ) -> tuple[list[JSON], str]:
        """Matching objects ordered by (namespace, name), as etcd keys order them, and the
        resourceVersion of the snapshot."""
        with self._lock:
            rv = str(self.resource_version)
            found = [
                (ns, name, obj)
                for (group, plural, ns, name), obj in self._objects.items()
                if group == rt.group
                and plural == rt.plural
                and (namespace is None or ns == namespace)
                and selector_matches(requirements, obj["metadata"].get("labels") or {})
            ]
        found.sort(key=lambda t: (t[0], t[1]))
        return [obj for _, _, obj in found], rv

    def namespaces(self) -> set[str]:
        rt = RESOURCES[("", "namespaces")]
        with self._lock:
            return {name for (g, p, _, name) in self._objects if (g, p) == (rt.group, rt.plural)}


# ---- requests and responses ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ApiRequest:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    user: str = ""
    # Set for resource requests (/api/v1/..., /apis/g/v/...), empty for discovery and /version.
    verb: str = ""
    resource: ResourceType | None = None
    namespace: str = ""
    name: str = ""
    subresource: str = ""

    def json(self) -> Any:
        return json.loads(self.body or b"null")


@dataclass(slots=True)
class Response:
    code: int
    body: bytes | Iterator[bytes] = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, obj: Any, code: int = 200) -> Response:
        return cls(code, json.dumps(obj, separators=(",", ":")).encode())


Handler = Callable[[ApiRequest], Response]

_RESOURCE_PATH = re.compile(
    r"^/(?:api/(?P<core>v1)|apis/(?P<group>[^/]+)/(?P<version>[^/]+))"
    r"(?:/namespaces/(?P<ns>[^/]+)(?=/))?"
    r"/(?P<plural>[^/]+)(?:/(?P<name>[^/]+)(?:/(?P<sub>[^/]+))?)?/?$"
)
_VERBS = {"GET": "get", "POST": "create", "PUT": "update", "PATCH": "patch", "DELETE": "delete"}


@dataclass(frozen=True, slots=True)
class Forbidden:
    verb: str
    resource: str
    namespace: str | None  # None forbids at every scope


class FakeKube:
    """The fake API server. Use as a context manager; `url` is valid inside it.

    `tokens` maps bearer tokens to user names; requests without a known token get a 401.
    """

    def __init__(
        self, *, token: str = "fake-token-for-tests", user: str = "test-user", tls: bool = True
    ) -> None:
        self.tls = tls
        self.store = Store()
        self.tokens: dict[str, str] = {token: user}
        self.token = token
        self.forbidden: list[Forbidden] = []
        self.requests: list[tuple[str, str]] = []  # (method, path?query) for assertions
        # Connections accepted, counted before TLS or HTTP: the wire spy's other half, so that
        # "nothing was sent" also means nothing even tried to connect.
        self.connections = 0
        self._connections_lock = threading.Lock()
        # Container logs by (namespace, pod, container), served by the pods/log subresource.
        self.logs: dict[tuple[str, str, str], str] = {}
        self.handlers: dict[tuple[str, str, str], Handler] = {}
        # kube-apiserver sends a bookmark about once a minute to watches that allow them.
        self.bookmark_interval = 60.0
        # Watches that start with the whole state (`sendInitialEvents`, "watch-list"); False
        # answers as an API server from before it does: 422 for `resourceVersionMatch`.
        self.watch_list = True
        self._stall: threading.Event | None = None
        self._held: threading.Event | None = None
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._port = 0  # kept across stop() so that start() again is the same server coming back
        self._stopping = threading.Event()
        self.url = ""
        for plural in ("pods", "namespaces", "deployments", "replicasets", "statefulsets"):
            self.handle("get", plural, "", self._get_object)
            self.handle("list", plural, "", self._list_objects)
            self.handle("watch", plural, "", self._watch_objects)
        self.handle("list", "events", "", self._list_objects)
        self.handle("get", "pods", "log", self._pod_log)

    # ---- configuration used by tests ---------------------------------------------------------

    def handle(self, verb: str, plural: str, subresource: str, handler: Handler) -> None:
        self.handlers[(verb, plural, subresource)] = handler

    def forbid(self, verb: str, resource: str, namespace: str | None = None) -> None:
        """Make RBAC deny `verb` on `resource` (plural) in `namespace` (None: everywhere)."""
        self.forbidden.append(Forbidden(verb, resource, namespace))

    def add(self, *objects: Mapping[str, Any]) -> list[JSON]:
        return [self.store.put(obj) for obj in objects]

    def remove(self, plural: str, namespace: str, name: str, group: str = "") -> JSON | None:
        """Delete an object as a controller would (watches see DELETED)."""
        return self.store.delete(RESOURCES[(group, plural)], namespace, name)

    def count_connection(self) -> None:
        with self._connections_lock:
            self.connections += 1

    def wire(self) -> tuple[int, list[tuple[str, str]]]:
        """(connections accepted, requests received) so far: `(0, [])` means that nothing at
        all reached the server."""
        with self._connections_lock:
            return self.connections, list(self.requests)

    def list_requests(self, plural: str) -> list[str]:
        """The paths of list (not watch) requests for `plural` so far."""
        return [
            path
            for method, path in list(self.requests)
            if method == "GET"
            and path.split("?", 1)[0].endswith(f"/{plural}")
            and "watch=" not in path
        ]

    def watch_requests(self, plural: str) -> list[str]:
        return [
            path
            for method, path in list(self.requests)
            if method == "GET"
            and path.split("?", 1)[0].endswith(f"/{plural}")
            and ("watch=1" in path or "watch=true" in path)
        ]

    def drop_connections(self) -> None:
        """Close every open connection, watch streams included, as a load balancer that
        times out long requests does; the server itself stays up."""
        if self._httpd is not None:
            self._httpd.close_connections()

    def stall(self) -> threading.Event:
        """Hold every API request until the returned event is set (or STALL_LIMIT passes)."""
        self._stall = threading.Event()
        return self._stall

    def hold_watch_events(self) -> threading.Event:
        """Answer every watch's head at once but hold its events until the returned event is
        set (or STALL_LIMIT passes): the moment between a resumed stream's head and its
        backlog, as long as a test needs it to be."""
        self._held = threading.Event()
        return self._held

    # ---- lifecycle ------------------------------------------------------------------------------

    def __enter__(self) -> FakeKube:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> None:
        """Serve; after a `stop()`, on the same port with the same objects, as an API server
        that restarts (clients see connection refused in between)."""
        self._stopping.clear()
        self._httpd = _HTTPServer(("127.0.0.1", self._port), _Handler, self)
        host, port = self._httpd.server_address[:2]
        self._port = port
        if self.tls:
            material = tls_material()
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(material.cert_file, material.key_file)
            # The handshake happens in the handler thread, so a silent client cannot block accept.
            self._httpd.socket = context.wrap_socket(
                self._httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.url = f"{'https' if self.tls else 'http'}://{host}:{port}"
        # A short poll interval makes `stop()` quick; the default 0.5 s adds up over a suite.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, args=(0.02,), name="fakekube", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        with self.store.changed:
            self.store.changed.notify_all()
        for held in (self._stall, self._held):
            if held is not None:
                held.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd.close_connections()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def write_kubeconfig(
        self,
        path: Path,
        *,
        context: str = "fake",
        namespace: str = "default",
        token: str | None = None,
        server: str | None = None,
    ) -> Path:
        """A kubeconfig for the real client and kubectl. JSON is valid YAML, so both read it."""
        config = kubeconfig(
            server or self.url,
            token if token is not None else self.token,
            context,
            namespace,
            ca_pem=tls_material().ca_pem if self.tls else None,
        )
        path.write_text(json.dumps(config, indent=2))
        return path

    # ---- request handling ---------------------------------------------------------------------

    def dispatch(self, request: ApiRequest) -> Response:
        self.requests.append(
            (request.method, request.path + ("?" if request.query else "") + _qs(request.query))
        )
        try:
            user = self._authenticate(request.headers)
            if self._stall is not None:
                self._stall.wait(STALL_LIMIT)
            return self._route(request, user)
        except ApiError as err:
            return Response.of(err.status, err.code)

    def _authenticate(self, headers: Mapping[str, str]) -> str:
        auth = headers.get("authorization", "")
        scheme, _, token = auth.partition(" ")
        user = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise ApiError(401, "Unauthorized", "Unauthorized")
        return user

    def _route(self, request: ApiRequest, user: str) -> Response:
        path = request.path.rstrip("/") or "/"
        if request.method == "GET":
            discovery = self._discovery(path)
            if discovery is not None:
                return Response.of(discovery)
        m = _RESOURCE_PATH.match(request.path)
        if not m:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        group = m["group"] or ""
        version = m["core"] or m["version"]
        rt = RESOURCES.get((group, m["plural"]))
        if rt is None or rt.version != version:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        namespace = m["ns"] or ""
        name = m["name"] or ""
        sub = m["sub"] or ""
        if not rt.namespaced and namespace:
            raise ApiError(404, "NotFound", "the server could not find the requested resource", {})
        verb = _VERBS.get(request.method, request.method.lower())
        if request.method == "GET" and not name:
            verb = "watch" if request.query.get("watch") in ("1", "true") else "list"
        if request.method == "DELETE" and not name:
            verb = "deletecollection"
        resolved = ApiRequest(
            request.method,
            request.path,
            request.query,
            request.headers,
            request.body,
            user,
            verb,
            rt,
            namespace,
            name,
            sub,
        )
        self._authorize(resolved)
        handler = self.handlers.get((verb, rt.plural, sub))
        if handler is None:
            raise ApiError(
                405,
                "MethodNotAllowed",
                f"the server does not allow this method on the requested resource "
                f"({verb} {rt.plural}{'/' + sub if sub else ''})",
            )
        return handler(resolved)

    def _authorize(self, request: ApiRequest) -> None:
        rt = request.resource
        assert rt is not None
        for rule in self.forbidden:
            if rule.verb != request.verb or rule.resource != rt.plural:
                continue
            if rule.namespace is not None and rule.namespace != request.namespace:
                continue
            resource = f"{rt.plural}/{request.subresource}" if request.subresource else rt.plural
            what = f'"{request.name}" ' if request.name else ""
            scope = (
                f'in the namespace "{request.namespace}"'
                if request.namespace
                else "at the cluster scope"
            )
            message = (
                f'{rt.plural} {what}is forbidden: User "{request.user}" cannot {request.verb} '
                f'resource "{resource}" in API group "{rt.group}" {scope}'
            )
            details: JSON = {"kind": rt.plural}
            if request.name:
                details["name"] = request.name
            if rt.group:
                details["group"] = rt.group
            raise ApiError(403, "Forbidden", message, details)

    # ---- generic handlers ---------------------------------------------------------------------

    def _get_object(self, request: ApiRequest) -> Response:
        rt = request.resource
        assert rt is not None
        obj = self.store.get(rt, request.namespace, request.name)
        if obj is None:
            raise not_found(rt, request.name)
        return Response.of(obj)

    def _pod_log(self, request: ApiRequest) -> Response:
        """`pods/NAME/log` as the kubelet answers through kube-apiserver: the pod must exist,
        the container be named when there are several, and have started; `tailLines`."""
        rt = request.resource
        assert rt is not None
        pod = self.store.get(rt, request.namespace, request.name)
        if pod is None:
            raise not_found(rt, request.name)
        containers = [c.get("name", "") for c in pod.get("spec", {}).get("containers", [])]
        container = request.query.get("container", "")
        if not container:
            if len(containers) != 1:
                raise ApiError(
                    400,
                    "BadRequest",
                    f"a container name must be specified for pod {request.name}, "
                    f"choose one of: [{' '.join(containers)}]",
                )
            container = containers[0]
        if container not in containers:
            raise ApiError(
                400, "BadRequest", f"container {container} is not valid for pod {request.name}"
            )
        text = self.logs.get((request.namespace, request.name, container))
        if text is None:
            statuses = pod.get("status", {}).get("containerStatuses") or []
            state = next((s.get("state", {}) for s in statuses if s.get("name") == container), {})
            reason = (state.get("waiting") or {}).get("reason", "ContainerCreating")
            raise ApiError(
                400,
                "BadRequest",
                f'container "{container}" in pod "{request.name}" is waiting to start: {reason}',
            )
        lines = text.splitlines(keepends=True)
        tail = request.query.get("tailLines", "")
        if tail.isdigit():
            lines = lines[len(lines) - int(tail) :] if int(tail) else []
        return Response(200, "".join(lines).encode(), content_type="text/plain")

    def _list_objects(self, request: ApiRequest) -> Response:
        rt = request.resource
        assert rt is not None
        try:
            requirements = parse_selector(request.query.get("labelSelector", ""))
        except ValueError as exc:
            raise ApiError(400, "BadRequest", str(exc)) from None
        items, rv = self.store.list(rt, request.namespace or None, requirements)
        fields = _field_selector(request.query.get("fieldSelector", ""))
        items = [o for o in items if all(_field(o, path) == want for path, want in fields)]
        metadata: JSON = {"resourceVersion": rv}
        start = _decode_continue(request.query.get("continue", ""))
        if start is not None:
            start_ns, start_name, rv = start
            metadata["resourceVersion"] = rv
            items = [
                o
                for o in items
                if (o["metadata"].get("namespace", ""), o["metadata"]["name"])
                > (start_ns, start_name)
            ]
        limit = int(request.query.get("limit", "0") or 0)
        if limit > 0 and len(items) > limit:
            last = items[limit - 1]["metadata"]
            metadata["continue"] = _encode_continue(
                last.get("namespace", ""), last["name"], metadata["resourceVersion"]
            )
            metadata["remainingItemCount"] = len(items) - limit
            items = items[:limit]
        # kube-apiserver leaves kind/apiVersion off list items; clients re-add them.
        bare = [{k: v for k, v in o.items() if k not in ("kind", "apiVersion")} for o in items]
        return Response.of(
            {
                "kind": f"{rt.kind}List",
                "apiVersion": rt.api_version,
                "metadata": metadata,
                "items": bare,
            }
        )

    def _watch_objects(self, request: ApiRequest) -> Response:
        """`?watch=1`: a chunked stream of `{"type", "object"}` lines, one per change after
        `resourceVersion` (none or "0": the current objects as ADDED first), filtered by the
        label selector, with BOOKMARKs if allowed, until `timeoutSeconds` or the server stops.
        A resourceVersion older than the history is an ERROR event with a 410 `Status`, sent
        in a 200 stream as kube-apiserver's watch cache does.

        `sendInitialEvents=true` (with `resourceVersionMatch=NotOlderThan` and bookmarks, as
        apiserver requires) starts with every current object as ADDED, at least as new as
        `resourceVersion`, then a BOOKMARK annotated `k8s.io/initial-events-end`; then changes
        as usual. With `watch_list` off, a watch's `resourceVersionMatch` is refused, as
        apiservers before watch-list refuse it."""
        rt = request.resource
        assert rt is not None
        try:
            requirements = parse_selector(request.query.get("labelSelector", ""))
        except ValueError as exc:
            raise ApiError(400, "BadRequest", str(exc)) from None
        raw_rv = request.query.get("resourceVersion", "")
        if raw_rv not in ("", "0") and not raw_rv.isdigit():
            raise ApiError(400, "BadRequest", f"invalid resource version: {raw_rv}")
        seconds = request.query.get("timeoutSeconds", "")
        deadline = time.monotonic() + float(seconds) if seconds.isdigit() else None
        bookmarks = request.query.get("allowWatchBookmarks") in ("true", "1")
        initial = self._initial_events(request.query, bookmarks)
        scope = WatchScope(rt, request.namespace or None, requirements)
        return Response(200, self._stream(scope, raw_rv, deadline, bookmarks, initial))

    def _initial_events(self, query: Mapping[str, str], bookmarks: bool) -> bool:
        """Whether a watch asked to start with the whole state; `ApiError` 422 for what
        apiserver's validation of the options refuses."""
        match = query.get("resourceVersionMatch", "")
        send = query.get("sendInitialEvents", "")
        if match and not self.watch_list:
            raise _invalid_options("resourceVersionMatch is forbidden for watch")
        if send not in ("true", "1"):
            if match:
                raise _invalid_options(
                    "resourceVersionMatch is forbidden for watch unless sendInitialEvents is "
                    "provided"
                )
            return False
        if match != "NotOlderThan":
            raise _invalid_options(
                f"sendInitialEvents requires resourceVersionMatch NotOlderThan, not {match!r}"
            )
        if not bookmarks:
            raise _invalid_options("sendInitialEvents requires setting allowWatchBookmarks to true")
        return True

    def _stream(
        self,
        scope: WatchScope,
        raw_rv: str,
        deadline: float | None,
        bookmarks: bool,
        initial: bool = False,
    ) -> Iterator[bytes]:
        store = self.store
        held = self._held
        if held is not None:
            held.wait(STALL_LIMIT)
        if raw_rv in ("", "0") or initial:
            # This store is always at least as new as any version it gave out.
            items, current = store.list(scope.resource, scope.namespace, scope.requirements)
            cursor = int(current)
            for obj in items:
                yield _event("ADDED", obj)
            if initial:
                yield _event("BOOKMARK", scope.bookmark(cursor, initial_events_end=True))
        else:
            cursor = int(raw_rv)
        next_bookmark = time.monotonic() + self.bookmark_interval
        while True:
            try:
                changes, current = store.changes_since(cursor)
            except Expired as exc:
                yield _event("ERROR", status_object(410, "Expired", str(exc)))
                return
            for change in changes:
                kind = scope.event_type(change)
                if kind is not None:
                    yield _event(kind, change.new)
            cursor = max(cursor, current)
            now = time.monotonic()
            if self._stopping.is_set() or (deadline is not None and now >= deadline):
                return
            if bookmarks and now >= next_bookmark:
                yield _event("BOOKMARK", scope.bookmark(cursor))
                next_bookmark = now + self.bookmark_interval
            wake = min(next_bookmark if bookmarks else now + 1.0, deadline or now + 1.0)
            with store.changed:
                if store.resource_version == cursor and not self._stopping.is_set():
                    store.changed.wait(max(0.0, min(wake - now, 1.0)))

    # ---- discovery ------------------------------------------------------------------------------

    def _discovery(self, path: str) -> JSON | None:
        if path == "/version":
            return SERVER_VERSION
        if path == "/api":
            host = self.url.split("://", 1)[1]
            return {
                "kind": "APIVersions",
                "versions": ["v1"],
                "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": host}],
            }
        if path == "/apis":
            groups = sorted({rt.group for rt in RESOURCES.values() if rt.group})
            return {
                "kind": "APIGroupList",
                "apiVersion": "v1",
                "groups": [self._group(g) for g in groups],
            }
        m = re.fullmatch(r"/apis/([^/]+)", path)
        if m and any(rt.group == m[1] for rt in RESOURCES.values()):
            return {"kind": "APIGroup", "apiVersion": "v1", **self._group(m[1])}
        m = re.fullmatch(r"/api/(v1)|/apis/([^/]+)/([^/]+)", path)
        if m:
            group, version = ("", "v1") if m[1] else (m[2], m[3])
            types = [rt for rt in RESOURCES.values() if rt.group_version == (group, version)]
            if types:
                return self._resource_list(group, version, types)
        return None

    @staticmethod
    def _group(group: str) -> JSON:
        versions = sorted({rt.version for rt in RESOURCES.values() if rt.group == group})
        entries = [{"groupVersion": f"{group}/{v}", "version": v} for v in versions]
        return {"name": group, "versions": entries, "preferredVersion": entries[0]}

    @staticmethod
    def _resource_list(group: str, version: str, types: list[ResourceType]) -> JSON:
        resources: list[JSON] = []
        for rt in types:
            entry: JSON = {
                "name": rt.plural,
                "singularName": rt.singular,
                "namespaced": rt.namespaced,
                "kind": rt.kind,
                "verbs": list(rt.verbs),
            }
            if rt.short_names:
                entry["shortNames"] = list(rt.short_names)
            if rt.categories:
                entry["categories"] = list(rt.categories)
            resources.append(entry)
            for sub in rt.subresources:
                kind = "Scale" if sub == "scale" else rt.kind
                sub_entry: JSON = {
                    "name": f"{rt.plural}/{sub}",
                    "singularName": "",
                    "namespaced": rt.namespaced,
                    "kind": kind,
                    "verbs": ["get"],
                }
                if sub == "scale":
                    sub_entry["group"] = "autoscaling"
                    sub_entry["version"] = "v1"
                resources.append(sub_entry)
        return {
            "kind": "APIResourceList",
            "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version,
            "resources": resources,
        }


@dataclass(frozen=True, slots=True)
class WatchScope:
    """What one watch asked for: a resource type, a namespace or all, a label selector."""

    resource: ResourceType
    namespace: str | None
    requirements: tuple[Requirement, ...]

    def _matches(self, obj: JSON | None) -> bool:
        if obj is None:
            return False
        meta = obj.get("metadata") or {}
        if self.namespace is not None and meta.get("namespace", "") != self.namespace:
            return False
        return selector_matches(self.requirements, meta.get("labels") or {})

    def event_type(self, change: Change) -> str | None:
        """The event this watch sees for a change, or None. As in apiserver, an object whose
        labels leave the selector is DELETED for this watch, one that enters it ADDED."""
        group, plural = change.key[:2]
        if (group, plural) != (self.resource.group, self.resource.plural):
            return None
        was = change.type != "ADDED" and self._matches(change.old)
        now = change.type != "DELETED" and self._matches(change.new)
        if change.type == "DELETED":
            return "DELETED" if was else None
        if was and now:
            return "MODIFIED"
        if now:
            return "ADDED"
        return "DELETED" if was else None

    def bookmark(self, rv: int, initial_events_end: bool = False) -> JSON:
        # A bookmark is an empty object of the watched kind that carries only the version (and
        # the annotation that ends a watch's initial events).
        metadata: dict[str, Any] = {"resourceVersion": str(rv)}
        if initial_events_end:
            metadata["annotations"] = {"k8s.io/initial-events-end": "true"}
        return {
            "kind": self.resource.kind,
            "apiVersion": self.resource.api_version,
            "metadata": metadata,
        }


def _invalid_options(detail: str) -> ApiError:
    # apiserver's words for list/watch options it refuses: 422 Invalid on ListOptions.
    return ApiError(422, "Invalid", f'ListOptions.meta.k8s.io "" is invalid: {detail}')


def _event(kind: str, obj: Mapping[str, Any]) -> bytes:
    return json.dumps({"type": kind, "object": obj}, separators=(",", ":")).encode() + b"\n"


def _field_selector(text: str) -> list[tuple[str, str]]:
    """`involvedObject.name=web-1,type=Warning` → [(path, value)]; only equality, which is all
    the cockpit asks for (kube-apiserver supports a few fields per kind, `=`/`==`/`!=`)."""
    out = []
    for part in filter(None, (p.strip() for p in text.split(","))):
        path, eq, value = part.partition("==") if "==" in part else part.partition("=")
        if not eq or part.find("!=") >= 0:
            raise ApiError(400, "BadRequest", f"invalid field selector: {part!r}")
        out.append((path.strip(), value.strip()))
    return out


def _field(obj: Mapping[str, Any], path: str) -> str:
    value: Any = obj
    for key in path.split("."):
        value = value.get(key) if isinstance(value, Mapping) else None
    return "" if value is None else str(value)


def _qs(query: Mapping[str, str]) -> str:
    return "&".join(f"{k}={v}" for k, v in query.items())


def _encode_continue(namespace: str, name: str, rv: str) -> str:
    raw = json.dumps({"v": "meta.k8s.io/v1", "rv": int(rv), "start": f"{namespace}/{name}"})
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _decode_continue(token: str) -> tuple[str, str, str] | None:
    if not token:
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        namespace, _, name = str(data["start"]).partition("/")
        return namespace, name, str(data["rv"])
    except (ValueError, KeyError, TypeError, binascii.Error):
        raise ApiError(400, "BadRequest", "continue key is not valid") from None


def kubeconfig(
    server: str, token: str, context: str, namespace: str, *, ca_pem: bytes | None = None
) -> JSON:
    cluster: JSON = {"server": server}
    if ca_pem is not None:
        cluster["certificate-authority-data"] = base64.b64encode(ca_pem).decode()
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "preferences": {},
        "clusters": [{"name": f"{context}-cluster", "cluster": cluster}],
        "users": [{"name": f"{context}-user", "user": {"token": token}}],
        "contexts": [
            {
                "name": context,
                "context": {
                    "cluster": f"{context}-cluster",
                    "user": f"{context}-user",
                    "namespace": namespace,
                },
            }
        ],
        "current-context": context,
    }


# ---- HTTP plumbing ------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], handler: type[_Handler], kube: FakeKube):
        self.kube = kube
        self._connections: set[socket.socket] = set()
        self._conn_lock = threading.Lock()
        super().__init__(address, handler)

    def track(self, conn: socket.socket, alive: bool) -> None:
        with self._conn_lock:
            if alive:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients that fail the TLS handshake or hang up are part of the tests (untrusted CA,
        # plain HTTP to the TLS port); anything else is a fake-server bug and is printed.
        if isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError):
            return
        super().handle_error(request, client_address)

    def close_connections(self) -> None:
        # Keep-alive connections would outlive the server; a stopped server must look down.
        with self._conn_lock:
            conns = list(self._connections)
            self._connections.clear()
        for conn in conns:
            with suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)


class _Handler(BaseHTTPRequestHandler):
    # HTTP/1.1 for keep-alive (as a real client pools connections) and chunked watch streams.
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    server_version = "fakekube"

    def setup(self) -> None:
        self.server.kube.count_connection()
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        with suppress(OSError):
            super().finish()
        self.server.track(self.connection, False)

    def log_message(self, format: str, *args: Any) -> None:
        return  # tests read `FakeKube.requests`; stderr noise helps nobody

    def _serve(self) -> None:
        split = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        request = ApiRequest(self.command, split.path, query, headers, body)
        try:
            response = self.server.kube.dispatch(request)
        except Exception as exc:  # a bug in a handler: answer like apiserver would, visibly
            response = Response.of(
                status_object(500, "InternalError", f"fakekube handler failed: {exc!r}"), 500
            )
        self._write(response)

    def _write(self, response: Response) -> None:
        self.send_response(response.code)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Cache-Control", "no-cache, private")
        for key, value in response.headers.items():
            self.send_header(key, value)
        if isinstance(response.body, bytes):
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            self.wfile.write(response.body)
            return
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        try:
            for chunk in response.body:
                if chunk:
                    self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
                    self.wfile.flush()
            self.wfile.write(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = _serve
    do_POST = _serve
    do_PUT = _serve
    do_PATCH = _serve
    do_DELETE = _serve
