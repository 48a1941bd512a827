"""The pods panel from a real cluster: pods and Deployments kept current by list + watch,
summarised like `kubectl get pods` and `kubectl get deploy`.

The `kubernetes` package is imported on first read, inside a worker thread: importing it takes
longer than the cockpit's first-frame budget, and the UI must draw before any source answers.

Pods and Deployments are each listed once, then watched from the list's resourceVersion
(`cockpit.sources.kube.watch.Reflector`, one daemon thread each): events are applied to a keyed
copy off the UI thread, and `read()` only takes a snapshot of it, so a refresh costs no request
however many pods there are. Lists and watch streams are read raw (`_preload_content=False`) and
parsed with `json.loads`: building the client's model objects for 10,000 pods costs seconds, and
`cockpit.core.podstatus` works on plain dicts anyway.

Every way a list or watch can fail becomes an error reading whose message says what to do about
it and names the server or context involved. Bearer tokens and Authorization headers never
appear in a message or a log line: messages are built from our own words plus the API server's
`Status` message, never from `str()` of a client exception (which may quote request headers).
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import os
import re
import socket
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cockpit.core import names
from cockpit.core.causes import causes
from cockpit.core.mitigation import rollout_status
from cockpit.core.model import Measure, PodList, PodRow, Reading, WorkloadRow, evaluate
from cockpit.core.pod_detail import LOG_LINES, PodDetail
from cockpit.core.pod_detail import from_json as pod_detail_from_json
from cockpit.core.podstatus import is_completed, pod_row
from cockpit.core.safe_text import quoted, terminal_safe
from cockpit.sources.base import Clock, utc_now
from cockpit.sources.kube.config import (
    ContextEntry,
    Kubeconfig,
    KubeconfigError,
    read_kubeconfig,
)
from cockpit.sources.kube.watch import Reflector, WatchFailure, WatchTiming
from cockpit.sources.kube.workload import workload_of

log = logging.getLogger(__name__)

DEFAULT_KUBECONFIG = "~/.kube/config"
# Status messages from a server can be long (admission webhooks quote whole objects).
MESSAGE_LIMIT = 300


# The collections the panel lists and watches, by the word its messages use for them.
_COLLECTIONS = {
    "pods": "/api/v1/namespaces/{namespace}/pods",
    "deployments": "/apis/apps/v1/namespaces/{namespace}/deployments",
}
# A watch's parameters: the typed call's keyword → the API's query parameter.
_QUERY_NAMES = {
    "watch": "watch",
    "resource_version": "resourceVersion",
    "allow_watch_bookmarks": "allowWatchBookmarks",
    "timeout_seconds": "timeoutSeconds",
    "send_initial_events": "sendInitialEvents",
    "resource_version_match": "resourceVersionMatch",
}


def _query_value(value: object) -> str:
    return ("true" if value else "false") if isinstance(value, bool) else str(value)


class KubeError(WatchFailure):
    """A failure already worded for the panel; `code` is the HTTP status when the API server
    answered, else 0."""


def checked_name(kind: str, name: str) -> str:
    """`name` if the API server would accept it for `kind`, else a `KubeError` naming the rule:
    the adapter's last guard before a name becomes part of a request path."""
    try:
        return names.object_name(kind, name)
    except names.InvalidName as error:
        raise KubeError(str(error)) from None


@dataclass(frozen=True, slots=True)
class PodEntry:
    """A pod as the panel keeps it between events: its row, computed once per change."""

    row: PodRow
    counts_as_not_ready: bool


@dataclass(frozen=True, slots=True)
class _Summary:
    rows: tuple[PodRow, ...]
    workloads: tuple[WorkloadRow, ...]
    values: Mapping[str, float]


def deployment_row(deployment: Mapping[str, Any]) -> WorkloadRow:
    """A Deployment's (or StatefulSet's) `kubectl get` columns and its rollout state by
    `kubectl rollout status` rules (progress deadline included)."""
    workload = workload_of(deployment)
    status = rollout_status(workload)
    image = workload.images[0] if workload.images else ""
    words = status.message.split("finish: ", 1)[-1].rstrip(".")
    return WorkloadRow(
        workload.kind,
        workload.name,
        desired=workload.replicas,
        current=workload.total,
        updated=workload.updated,
        available=workload.available,
        revision=workload.revision,
        image=image.rsplit(":", 1)[-1] if ":" in image.rsplit("/", 1)[-1] else image,
        rolled_out=status.done and not status.failed,
        rollout="" if status.done and not status.failed else words,
    )


class KubernetesPods:
    """Source of the pods panel: `pods`, `not_ready` and `restarts`, with the rows as detail."""

    # A `Watching` source (it has `retry_now`): kept current by watches that reconnect with their
    # own backoff, cut short by every read while they fail; see cockpit.runtime.scheduler.
    kind = "kubernetes"

    def __init__(
        self,
        panel: str,
        measures: tuple[Measure, ...],
        *,
        namespace: str,
        selector: str = "",
        context: str = "",
        kubeconfig: str | None = None,
        clock: Clock = utc_now,
        timeout: float = 10.0,
        watch: WatchTiming | None = None,
    ) -> None:
        self.panel = panel
        self.measures = measures
        self.namespace = namespace
        self.selector = selector
        self.context = context
        self.kubeconfig = kubeconfig
        self.clock = clock
        self.timeout = timeout
        self.watch_timing = watch or WatchTiming()
        self.server = ""  # the API server URL once the config is loaded; named in messages
        self._api_client: Any = None
        self._core: Any = None
        self._apps_api: Any = None
        # The client is built in a worker thread; two overlapping reads must not build two.
        self._lock = threading.Lock()
        self.pods_watch: Reflector[PodEntry] | None = None
        self.deployments_watch: Reflector[WorkloadRow] | None = None
        self._summary: tuple[tuple[int, int], _Summary] | None = None

    def __repr__(self) -> str:
        return (
            f"KubernetesPods({self.panel!r}, namespace={self.namespace!r}, "
            f"selector={self.selector!r}, context={self.context!r})"
        )

    async def read(self) -> Reading:
        now = self.clock()
        try:
            return await asyncio.to_thread(self._read_blocking, now)
        except KubeError as exc:
            # The message is ours and secret-free by construction, so it is safe to log.
            log.info("panel %s: %s", self.panel, exc.message)
            return Reading.failure(self.panel, now, exc.message)

    def retry_now(self) -> None:
        """Refresh-now from the keyboard: a watch waiting out its backoff reconnects at once."""
        for watch in (self.pods_watch, self.deployments_watch):
            if watch is not None:
                watch.retry_now()

    async def pod_detail(self, name: str) -> PodDetail:
        """`kubectl describe pod` + `kubectl logs --tail`: the pod, its events and last log
        lines. Events and logs are best effort: what cannot be had is named in `problems`."""
        return await asyncio.to_thread(self._detail_blocking, name, self.clock())

    async def aclose(self) -> None:
        watches = [w for w in (self.pods_watch, self.deployments_watch) if w is not None]
        self.pods_watch = self.deployments_watch = None
        self._summary = None
        client = self._api_client
        self._api_client = self._core = self._apps_api = None

        def close() -> None:
            for watch in watches:
                watch.stop(timeout=2.0)
            if client is not None:
                client.close()

        if watches or client is not None:
            await asyncio.to_thread(close)

    # ---- the blocking part, run in a worker thread ------------------------------------------

    def _read_blocking(self, now: datetime) -> Reading:
        pods, deployments = self._watches()
        # The first read waits for the first lists (bounded), so a panel that can answer at once
        # does; once they are done, these return at once and a read never waits.
        pods.wait_first(self.timeout + 1.0)
        deployments.wait_first(self.timeout + 1.0)
        # A failing watch may be waiting out a backoff of up to half a minute: each poll has it
        # retry now instead, so an API server that is back shows at the next poll (the
        # scheduler polls a failing watched source every half interval).
        for watch in (pods, deployments):
            watch.retry_if_failing()
        snap = pods.snapshot()
        if snap.error is not None:
            raise KubeError(snap.error)
        if not snap.synced:
            raise KubeError(f"no answer from {self.server} within {self.timeout:g}s")
        workloads = deployments.snapshot()
        key = (snap.version, workloads.version)
        cached = self._summary
        if cached is None or cached[0] != key:
            summary = _summarise(snap.items, workloads.items)
            self._summary = cached = (key, summary)
        summary = cached[1]
        return Reading(
            self.panel,
            now,
            summary.values,
            evaluate(self.measures, summary.values),
            detail=PodList(summary.rows, summary.workloads),
        )

    def _watches(self) -> tuple[Reflector[PodEntry], Reflector[WorkloadRow]]:
        with self._lock:
            # Bound now: a watch thread outliving aclose() must not build a client.
            api = self._connect()
            if self.pods_watch is None or self.deployments_watch is None:
                # The typed calls of a client without the generic request path may not know
                # sendInitialEvents; such a client lists again after a failure instead.
                initial_events = hasattr(api, "param_serialize")
                self.pods_watch = Reflector(
                    "pods",
                    lister=lambda: self._list_pods(api),
                    watcher=lambda rv, seconds, initial: self._watch(
                        api, "pods", rv, seconds, initial
                    ),
                    convert=self._pod_entry,
                    timing=self.watch_timing,
                    initial_events=initial_events,
                )
                self.deployments_watch = Reflector(
                    "deployments",
                    lister=lambda: self._list_deployments(api),
                    watcher=lambda rv, seconds, initial: self._watch(
                        api, "deployments", rv, seconds, initial
                    ),
                    convert=deployment_row,
                    timing=self.watch_timing,
                    initial_events=initial_events,
                )
                self.pods_watch.start()
                self.deployments_watch.start()
            return self.pods_watch, self.deployments_watch

    def _pod_entry(self, pod: Mapping[str, Any]) -> PodEntry:
        row = pod_row(pod, self.clock())
        # A finished Job pod is 0/1 by design; counting it would keep the panel red forever.
        done = is_completed(pod) or row.status == "Completed"
        return PodEntry(row, not done and not _full(row.ready))

    def _list_pods(self, api: Any) -> tuple[list[Mapping[str, Any]], str]:
        raw = self._call(lambda: self._collection(api, "pods"), verb="list")
        pods, version = self._items(raw, "pod")
        if not pods:
            self._check_namespace(api)
        return pods, version

    def _list_deployments(self, api: Any) -> tuple[list[Mapping[str, Any]], str]:
        """Deployments of the namespace. Best effort: a user allowed to list pods but not
        deployments still gets the pods (the deployments reflector's error is only logged)."""
        raw = self._call(
            lambda: self._collection(api, "deployments"), verb="list", what="deployments"
        )
        return self._items(raw, "deployment")

    def _watch(
        self, api: Any, what: str, version: str, seconds: int, initial_events: bool = False
    ) -> _WatchStream:
        response = self._open(
            # The answer's head must come as quickly as any other answer's: a server that
            # accepts the connection and says nothing is named within the timeout.
            lambda: self._collection(
                api, what, watch_from=version, seconds=seconds, initial_events=initial_events
            ),
            verb="watch",
            what=what,
        )
        # Then the stream may rightly be quiet until the server ends it after `seconds`; a
        # read that waits longer than that means the connection died without saying so.
        sock = getattr(getattr(response, "connection", None), "sock", None)
        if sock is not None:
            sock.settimeout(seconds + self.timeout)
        return _WatchStream(response, self)

    def _collection(
        self,
        api: Any,
        what: str,
        *,
        watch_from: str | None = None,
        seconds: int = 0,
        initial_events: bool = False,
    ) -> Any:
        """GET the namespace's pods or deployments, as a list or (`watch_from` a version) as a
        watch stream, which may start with every current object (`initial_events`): the
        response with its body unread, or the client's `ApiException`."""
        watch: dict[str, Any] = {}
        timeout: Any = self.timeout
        if watch_from is not None:
            watch = {
                "watch": True,
                "resource_version": watch_from,
                "allow_watch_bookmarks": True,
                "timeout_seconds": seconds,
            }
            if initial_events:
                # The state at least as new as the version asked for, then the end bookmark.
                watch["send_initial_events"] = True
                watch["resource_version_match"] = "NotOlderThan"
            timeout = (self.timeout, self.timeout)
        if not hasattr(api, "param_serialize"):
            # An older client without the generic request path: its typed API sends the same
            # request (at the cost of importing its model classes), on the same bound client.
            from kubernetes import client

            typed = (
                client.CoreV1Api(api).list_namespaced_pod
                if what == "pods"
                else client.AppsV1Api(api).list_namespaced_deployment
            )
            return typed(
                self.namespace,
                label_selector=self.selector or None,
                _preload_content=False,
                _request_timeout=timeout,
                **watch,
            )
        query = [("labelSelector", self.selector)] if self.selector else []
        query += [(_QUERY_NAMES[k], _query_value(v)) for k, v in watch.items()]
        return self._get(api, _COLLECTIONS[what], {"namespace": self.namespace}, query, timeout)

    @staticmethod
    def _get(
        api: Any, path: str, params: Mapping[str, str], query: list[tuple[str, str]], timeout: Any
    ) -> Any:
        """A GET through the client's generic request path: the same URL, authentication
        (token refresh included), TLS and timeouts as its typed calls, without importing the
        hundreds of model classes a typed API class pulls in (seconds, on a busy machine, before
        the first pod could be shown)."""
        from kubernetes.client.exceptions import ApiException

        request = api.param_serialize(
            method="GET",
            resource_path=path,
            path_params=dict(params),
            query_params=query,
            header_params={"Accept": "application/json"},
            auth_settings=["BearerToken"],
        )
        response = api.call_api(*request, _request_timeout=timeout)
        if not 200 <= response.status <= 299:
            response.read()
            raise ApiException.from_response(http_resp=response, body=None, data=None)
        return response.response

    def _apps(self) -> Any:
        """The typed apps API (actions); built on the shared `ApiClient`."""
        api = self._connect()
        if self._apps_api is None:
            from kubernetes import client

            self._apps_api = client.AppsV1Api(api)
        return self._apps_api

    def check_config(self) -> Kubeconfig | None:
        """What every request goes through first: the namespace, label selector and context
        as the API server and kubeconfig would take them, and the kubeconfig itself readable
        and naming a usable context. Blocking (reads the file); `KubeError` in one line.
        None when no kubeconfig exists (then only in-cluster credentials can serve)."""
        self._check_names()
        paths = self._kubeconfig_paths()
        try:
            kubeconfig = read_kubeconfig(paths)
            if kubeconfig is not None:
                kubeconfig.context(self.context)
        except KubeconfigError as error:
            raise KubeError(error.message) from None
        # In-cluster credentials only when no kubeconfig was named: a named but missing file
        # is a mistake to report, not a reason to quietly talk to whatever cluster we run in.
        if kubeconfig is None and (
            self.kubeconfig is not None or not os.environ.get("KUBERNETES_SERVICE_HOST")
        ):
            looked = ", ".join(terminal_safe(str(p)) for p in paths)
            raise KubeError(
                f"no kubeconfig found (looked in {looked}) and not running inside a "
                "cluster; set KUBECONFIG or create one with your cluster's login command"
            )
        return kubeconfig

    def _client(self) -> Any:
        """The typed core API (pod detail, actions); built on the shared `ApiClient`."""
        api = self._connect()
        if self._core is None:
            from kubernetes import client

            self._core = client.CoreV1Api(api)
        return self._core

    def _connect(self) -> Any:
        """The `ApiClient` for the context, configured once; names are checked every time."""
        if self._api_client is not None:
            # Asked on every request, not only the first: the namespace is a plain attribute.
            self._check_names()
            return self._api_client
        kubeconfig = self.check_config()
        from kubernetes import client, config
        from kubernetes.config.config_exception import ConfigException

        configuration = client.Configuration()
        try:
            if kubeconfig is not None:
                config.load_kube_config(
                    config_file=os.pathsep.join(str(p) for p in kubeconfig.files),
                    # Resolved as kubectl does (the first current-context wins), not as the
                    # library would (the last one).
                    context=kubeconfig.context(self.context).name,
                    client_configuration=configuration,
                    # Never write refreshed credentials back into the user's kubeconfig.
                    persist_config=False,
                )
            else:
                config.load_incluster_config(client_configuration=configuration)
        except ConfigException as exc:
            where = f"context {quoted(self.context)}" if self.context else "kubeconfig"
            raise KubeError(f"cannot load {where}: {_server_text(str(exc))}") from None
        except (KeyError, TypeError, ValueError, OSError) as exc:
            # The file was checked above; what is left is the library's view of a field we
            # do not read ourselves (a certificate path, an exec plugin's settings).
            files = kubeconfig.where if kubeconfig is not None else "in-cluster config"
            raise KubeError(
                f"cannot load kubeconfig {files}: {type(exc).__name__}: {_server_text(str(exc))}"
            ) from None
        # Fail fast and let the scheduler's next poll be the retry: urllib3's own retries would
        # multiply the timeout and hide what happened.
        configuration.retries = False
        self.server = str(configuration.host).rstrip("/")
        self._api_client = client.ApiClient(configuration=configuration)
        return self._api_client

    def _check_names(self) -> None:
        try:
            names.namespace(self.namespace)
            if self.selector:
                names.check_label_selector(self.selector)
            if self.context:
                names.context_name(self.context)
        except names.InvalidName as error:
            raise KubeError(str(error)) from None

    def _kubeconfig_paths(self) -> list[Path]:
        # Read KUBECONFIG now rather than using the client's default, which it fixes at import.
        raw = self.kubeconfig or os.environ.get("KUBECONFIG") or DEFAULT_KUBECONFIG
        return [Path(p).expanduser() for p in raw.split(os.pathsep) if p]

    def context_name(self) -> str:
        """The context requests go to: the one named, else the kubeconfig's current-context;
        "" when no kubeconfig says. Blocking (reads the file); safety checks need the real name."""
        if self.context:
            return self.context
        entry = self._kubeconfig_context()
        return entry.name if entry is not None else ""

    def context_namespace(self) -> str:
        """The namespace the context names in the kubeconfig (kubectl's default for -n); ""
        when it names none. Blocking (reads the file)."""
        entry = self._kubeconfig_context(self.context)
        return entry.namespace if entry is not None else ""

    def _kubeconfig_context(self, name: str = "") -> ContextEntry | None:
        """The named context's kubeconfig entry, else the current one; None if there is none
        (`check_config` says why, before any request)."""
        try:
            kubeconfig = read_kubeconfig(self._kubeconfig_paths())
            return kubeconfig.context(name) if kubeconfig is not None else None
        except KubeconfigError:
            return None

    def _items(self, raw: bytes, kind: str) -> tuple[list[Mapping[str, Any]], str]:
        try:
            body = json.loads(raw)
        except ValueError:
            raise KubeError(f"unexpected answer from {self.server}: not JSON") from None
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list):
            raise KubeError(f"unexpected answer from {self.server}: no {kind} list")
        metadata = body.get("metadata") if isinstance(body.get("metadata"), dict) else {}
        return [p for p in items if isinstance(p, dict)], str(metadata.get("resourceVersion", ""))

    def _detail_blocking(self, name: str, now: datetime) -> PodDetail:
        checked_name("pod", name)
        with self._lock:
            core = self._client()
        raw = self._call(
            lambda: core.read_namespaced_pod(
                name, self.namespace, _preload_content=False, _request_timeout=self.timeout
            ),
            verb="get",
        )
        try:
            pod = json.loads(raw)
        except ValueError:
            raise KubeError(f"unexpected answer from {self.server}: not JSON") from None
        problems: list[str] = []
        events: list[Mapping[str, Any]] = []
        try:
            body = json.loads(
                self._call(
                    lambda: core.list_namespaced_event(
                        self.namespace,
                        field_selector=f"involvedObject.name={name}",
                        _preload_content=False,
                        _request_timeout=self.timeout,
                    ),
                    verb="list",
                )
            )
            events = [e for e in body.get("items", []) if isinstance(e, dict)]
        except (KubeError, ValueError, AttributeError) as exc:
            problems.append(f"events: {getattr(exc, 'message', exc)}")
        logs = ""
        try:
            logs = self._call(
                lambda: core.read_namespaced_pod_log(
                    name,
                    self.namespace,
                    tail_lines=LOG_LINES,
                    _preload_content=False,
                    _request_timeout=self.timeout,
                ),
                verb="get",
            ).decode("utf-8", errors="replace")
        except KubeError as exc:
            problems.append(f"logs: {exc.message}")
        return pod_detail_from_json(pod, events, logs, now, problems)

    def _check_namespace(self, api: Any) -> None:
        """An empty list may mean a misspelt namespace: the API server lists nothing rather than
        saying so. Ask once; if we may not read namespaces, an empty panel is all we can say."""

        def read() -> Any:
            if not hasattr(api, "param_serialize"):
                from kubernetes import client

                return client.CoreV1Api(api).read_namespace(
                    self.namespace, _preload_content=False, _request_timeout=self.timeout
                )
            path = "/api/v1/namespaces/{name}"
            return self._get(api, path, {"name": self.namespace}, [], self.timeout)

        try:
            self._call(read, verb="get")
        except KubeError as exc:
            if exc.code == 404:
                raise

    def _call(self, request: Any, *, verb: str, what: str = "pods") -> bytes:
        from urllib3.exceptions import HTTPError as Urllib3Error

        response = self._open(request, verb=verb, what=what)
        try:
            return bytes(response.data)
        except Urllib3Error as exc:
            raise KubeError(self._transport_message(exc)) from None
        finally:
            response.release_conn()

    def _open(self, request: Any, *, verb: str, what: str = "pods") -> Any:
        """Send a request; the response, whose body is not read yet, or a `KubeError`."""
        from kubernetes.client.exceptions import ApiException
        from urllib3.exceptions import HTTPError as Urllib3Error

        try:
            return request()
        except ApiException as exc:
            raise KubeError(self._api_message(exc, verb, what), int(exc.status or 0)) from None
        except Urllib3Error as exc:
            raise KubeError(self._transport_message(exc)) from None
        except OSError as exc:
            raise KubeError(f"cannot reach {self.server}: {_os_reason(exc)}") from None

    # ---- messages -------------------------------------------------------------------------------

    def _api_message(self, exc: Any, verb: str, what: str = "pods") -> str:
        """The API server's answer in words. What failed is taken from its `Status` (reason,
        details, message), never guessed from the request: a 404 names the namespace only when
        the Status says a namespace is what is missing."""
        code = int(exc.status or 0)
        status = _status_body(exc.body)
        server_says = _server_text(str(status.get("message") or exc.reason or ""))
        where = self.server
        if code == 0:
            # The client wraps TLS failures as status 0 with the SSL error text as the reason.
            return f"TLS error talking to {where}: {_tls_reason(str(exc.reason or ''))}"
        if code == 401:
            who = f"context {quoted(self.context)}" if self.context else "the current context"
            return (
                f"credentials rejected by {where} (401 Unauthorized): the token or certificate "
                f"of {who} is expired or wrong; log in again"
            )
        if code == 403:
            # RBAC says no: name what we tried, then the server's own reason (user, verb, scope).
            if verb in ("get", "list", "watch"):
                refused = (
                    f'cannot get namespace "{self.namespace}"'
                    if verb == "get"
                    else f"cannot {verb if verb == 'watch' else 'list'} {what} in namespace "
                    f'"{self.namespace}"'
                )
            else:
                # A write: name the resource the server refused (e.g. deployments.apps).
                details = _details(status)
                kind = _server_text(str(details.get("kind") or what))
                group = _server_text(str(details.get("group") or ""))
                resource = f"{kind}.{group}" if group else kind
                refused = f'cannot {verb} {resource} in namespace "{self.namespace}"'
            return f"forbidden: {refused}" + (f" ({server_says})" if server_says else "")
        details = _details(status)
        if code == 404 and details.get("kind") == "namespaces":
            missing = _server_text(str(details.get("name") or self.namespace))
            return f'namespace "{missing}" not found on {where}'
        if 400 <= code < 500 and status.get("message"):
            return server_error(status)
        if code == 404:
            return f"not found on {where}: {server_says or f'no {what} API at this URL'}"
        answered = f"API server {where} answered {code} {exc.reason or ''}".rstrip()
        return answered + (f": {server_says}" if server_says else "")

    def _transport_message(self, exc: Exception) -> str:
        from urllib3.exceptions import (
            ConnectTimeoutError,
            MaxRetryError,
            NewConnectionError,
            ProtocolError,
            ReadTimeoutError,
        )
        from urllib3.exceptions import (
            TimeoutError as Urllib3Timeout,
        )

        where = self.server
        if isinstance(exc, MaxRetryError) and exc.reason is not None:
            exc = exc.reason
        # NewConnectionError subclasses ConnectTimeoutError in urllib3, so it is asked first.
        if isinstance(exc, NewConnectionError):
            return f"cannot reach {where}: {_os_reason(exc)}"
        if isinstance(exc, ConnectTimeoutError):
            return f"cannot reach {where}: no connection within {self.timeout:g}s"
        if isinstance(exc, ReadTimeoutError | Urllib3Timeout):
            return f"no answer from {where} within {self.timeout:g}s"
        if isinstance(exc, ProtocolError):
            reason = _protocol_reason(exc)
            # A TLS server hangs up on a plain HTTP request without a word; other breaks (a
            # reset, an answer cut short) are not a sign of the wrong scheme.
            hint = (
                " (is the URL http:// where the server wants https://?)"
                if where.startswith("http://") and reason == _CLOSED_SILENTLY
                else ""
            )
            return f"connection to {where} broke: {reason}{hint}"
        return f"connection to {where} failed: {type(exc).__name__}"


class _WatchStream:
    """A watch response read line by line as JSON events; transport errors become `KubeError`s
    in the panel's words. `close()` may come from another thread to end a blocked read."""

    def __init__(self, response: Any, source: KubernetesPods) -> None:
        self._response = response
        self._source = source
        self._closed = False

    def __iter__(self) -> Iterator[Mapping[str, Any]]:
        from urllib3.exceptions import HTTPError as Urllib3Error

        server = self._source.server
        try:
            for line in self._response:
                line = line.strip()
                if not line:
                    continue
                try:
                    event = json.loads(line)
                except ValueError:
                    raise KubeError(
                        f"unexpected answer from {server}: a watch event that is not JSON"
                    ) from None
                if isinstance(event, dict):
                    yield event
        except Urllib3Error as exc:
            if self._closed:
                return
            raise KubeError(self._source._transport_message(exc)) from None
        except OSError as exc:
            if self._closed:
                return
            raise KubeError(f"connection to {server} broke: {_os_reason(exc)}") from None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        # Shutting the socket down ends a read blocked in another thread. The connection is
        # closed, never pooled: a stream that seemed to end may have been cut by the network,
        # and a dead pooled connection would fail the next request for nothing.
        with suppress(Exception):
            self._response.shutdown()
        with suppress(Exception):
            self._response.close()


def _summarise(pods: Iterable[PodEntry], deployments: Iterable[WorkloadRow]) -> _Summary:
    entries = sorted(pods, key=lambda e: e.row.name)
    rows = tuple(e.row for e in entries)
    values = {
        "pods": float(len(rows)),
        "not_ready": float(sum(1 for e in entries if e.counts_as_not_ready)),
        "restarts": float(sum(r.restarts for r in rows)),
    }
    workloads = tuple(sorted(deployments, key=lambda w: w.name))
    return _Summary(rows, workloads, values)


def _full(ready: str) -> bool:
    have, _, want = ready.partition("/")
    return have == want


def _status_body(body: object) -> Mapping[str, Any]:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if not isinstance(body, str) or not body:
        return {}
    try:
        parsed = json.loads(body)
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) and parsed.get("kind") == "Status" else {}


def _details(status: Mapping[str, Any]) -> Mapping[str, Any]:
    details = status.get("details")
    return details if isinstance(details, dict) else {}


def server_error(status: Mapping[str, Any]) -> str:
    """A `Status` as kubectl prints it: `Error from server (NotFound): deployments.apps "x" not
    found`. The server's words are outside text: clipped and made terminal-safe."""
    reason = _server_text(str(status.get("reason") or ""))
    message = _server_text(str(status.get("message") or ""))
    return f"Error from server ({reason}): {message}" if reason else f"Error from server: {message}"


def _server_text(text: str) -> str:
    return terminal_safe(_clip(text))


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_LIMIT else text[: MESSAGE_LIMIT - 1] + "…"


_CLOSED_SILENTLY = "the server closed the connection without answering"


def _protocol_reason(exc: BaseException) -> str:
    for cause in causes(exc):
        if type(cause).__name__ == "RemoteDisconnected":
            return _CLOSED_SILENTLY
    text = str(exc)
    if "IncompleteRead" in text or "InvalidChunkLength" in text or "Response ended" in text:
        return "the answer was cut off before its end"
    return _os_reason(exc)


def _tls_reason(text: str) -> str:
    # The client's text is urllib3's whole retry story; the verifier's own words are the useful
    # part ("certificate verify failed: unable to get local issuer certificate").
    m = re.search(r"certificate verify failed: ([^(')]+)", text)
    if m:
        return (
            f"certificate not trusted ({m[1].strip()}); check certificate-authority(-data) "
            "in the kubeconfig"
        )
    if "WRONG_VERSION_NUMBER" in text:
        return "the server does not speak TLS (is the URL http:// rather than https://?)"
    return _clip(text.replace("SSLError\n", "", 1)) or "handshake failed"


_ERRNO_WORDS = {
    errno.ECONNREFUSED: "connection refused (is the API server up, is the port right?)",
    errno.EHOSTUNREACH: "host unreachable",
    errno.ENETUNREACH: "network unreachable",
    errno.ECONNRESET: "connection reset by the server",
    errno.ETIMEDOUT: "connection timed out",
}


def _os_reason(exc: BaseException) -> str:
    """Why a connection failed, in words, from the OSError somewhere under a client error."""
    for cause in causes(exc):
        if isinstance(cause, socket.gaierror):
            return "host name not found (DNS)"
        if isinstance(cause, OSError) and cause.errno in _ERRNO_WORDS:
            return _ERRNO_WORDS[cause.errno]
    text = str(exc)
    # urllib3 folds the OSError into its message; recognise the common ones without quoting it.
    if "Connection refused" in text:
        return _ERRNO_WORDS[errno.ECONNREFUSED]
    if "Name or service not known" in text or "nodename nor servname" in text:
        return "host name not found (DNS)"
    if "Connection reset" in text:
        return _ERRNO_WORDS[errno.ECONNRESET]
    return type(exc).__name__


__all__ = ["KubeError", "KubernetesPods"]
