"""The kubeconfig read and checked the way kubectl reads it, before the client library sees it.

Why a reader of our own in front of `kubernetes.config`: the library opens whatever the path
names and hands it to `yaml.safe_load`, so a FIFO hangs it, `/dev/zero` reads until memory runs
out, a deeply nested file ends in RecursionError, a YAML alias bomb expands when the merge copies
it, and a wrong type somewhere surfaces as a KeyError or TypeError from deep inside. Here every
file is a regular file of bounded size, UTF-8 text, one YAML document of bounded depth and
expanded size, with the fields the cockpit relies on of the right type; anything else is one
line that names the file and what is wrong with it.

Merging follows client-go (the rules kubectl documents for KUBECONFIG): files are read in
order, a missing file is skipped, the first file to define a cluster, user or context by name
wins, and the first non-empty `current-context` wins. (The Python client lets the *last*
`current-context` win; the cockpit therefore always names the context it resolved here.)

Resolving a context checks what client-go's `ConfirmUsable` checks: the context exists, and the
cluster and user it names are defined, the cluster with a server URL.
"""

from __future__ import annotations

import stat
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cockpit.core.safe_text import quoted, terminal_safe

# Kubeconfigs with embedded certificates for dozens of clusters stay well under this.
MAX_BYTES = 4 * 1024 * 1024
MAX_DEPTH = 32
# Nodes after aliases are expanded: a few aliases can stand for billions of nodes.
MAX_NODES = 200_000


class KubeconfigError(Exception):
    """A kubeconfig that cannot be used; the message is one line naming the file."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class ContextEntry:
    name: str
    cluster: str
    user: str
    namespace: str
    file: Path


@dataclass(frozen=True, slots=True)
class Kubeconfig:
    """The merged view of the files that exist, in KUBECONFIG order."""

    files: tuple[Path, ...]
    contexts: Mapping[str, ContextEntry]
    clusters: Mapping[str, str]  # name → server URL ("" when the entry has none)
    users: frozenset[str]
    current_context: str
    current_file: Path | None  # the file whose current-context won

    @property
    def where(self) -> str:
        return ", ".join(shown(p) for p in self.files)

    def known(self) -> str:
        names = sorted(self.contexts)
        return ", ".join(terminal_safe(n) for n in names) if names else "none"

    def context(self, name: str = "") -> ContextEntry:
        """The named context, else the current one, checked usable; `KubeconfigError` says
        what is missing and in which file."""
        if name:
            entry = self.contexts.get(name)
            if entry is None:
                raise KubeconfigError(
                    f"context {quoted(name)} not found in kubeconfig {self.where} "
                    f"(contexts: {self.known()})"
                )
        else:
            if not self.contexts:
                raise KubeconfigError(
                    f"kubeconfig {self.where} defines no contexts; point KUBECONFIG at your "
                    "cluster's file or add one with `kubectl config set-context`"
                )
            if not self.current_context:
                raise KubeconfigError(
                    f"kubeconfig {self.where} sets no current-context; name one with --context "
                    f"or `kubectl config use-context` (contexts: {self.known()})"
                )
            entry = self.contexts.get(self.current_context)
            if entry is None:
                raise KubeconfigError(
                    f"kubeconfig {shown(self.current_file or self.files[0])}: current-context "
                    f"{quoted(self.current_context)} is not one of its contexts "
                    f"(contexts: {self.known()})"
                )
        return self._usable(entry)

    def _usable(self, entry: ContextEntry) -> ContextEntry:
        where = f"kubeconfig {shown(entry.file)}: context {quoted(entry.name)}"
        if not entry.cluster:
            raise KubeconfigError(f"{where} names no cluster")
        if entry.cluster not in self.clusters:
            raise KubeconfigError(f"{where} names cluster {quoted(entry.cluster)}, not defined")
        if entry.user and entry.user not in self.users:
            raise KubeconfigError(f"{where} names user {quoted(entry.user)}, not defined")
        if not self.clusters[entry.cluster]:
            raise KubeconfigError(f"{where}: cluster {quoted(entry.cluster)} has no server URL")
        return entry


def shown(path: Path | str) -> str:
    return terminal_safe(str(path))


def read_kubeconfig(paths: Sequence[Path]) -> Kubeconfig | None:
    """The files of `paths` that exist, checked and merged; None when none exists."""
    found: list[tuple[Path, Mapping[str, Any]]] = []
    for path in paths:
        document = _read_file(path)
        if document is not None:
            found.append((path, document))
    if not found:
        return None
    contexts: dict[str, ContextEntry] = {}
    clusters: dict[str, str] = {}
    users: set[str] = set()
    current, current_file = "", None
    for path, document in found:
        for name, body in _entries(path, document, "clusters", "cluster"):
            if name not in clusters:
                server = body.get("server")
                _expect_text(path, f"clusters[{quoted(name)}].cluster.server", server)
                clusters[name] = str(server or "")
        for name, _ in _entries(path, document, "users", "user"):
            users.add(name)
        for name, body in _entries(path, document, "contexts", "context"):
            if name not in contexts:
                fields = {}
                for key in ("cluster", "user", "namespace"):
                    value = body.get(key)
                    _expect_text(path, f"contexts[{quoted(name)}].context.{key}", value)
                    fields[key] = str(value or "")
                contexts[name] = ContextEntry(name, file=path, **fields)
        value = document.get("current-context")
        _expect_text(path, "current-context", value)
        if value and not current:
            current, current_file = str(value), path
    return Kubeconfig(
        tuple(p for p, _ in found),
        contexts,
        clusters,
        frozenset(users),
        current,
        current_file,
    )


# ---- one file ---------------------------------------------------------------------------------


def _read_file(path: Path) -> Mapping[str, Any] | None:
    """A file's document as a mapping, {} for an empty file, None when it does not exist."""
    where = f"kubeconfig {shown(path)}"
    try:
        info = path.stat()
    except FileNotFoundError:
        return None  # a missing entry of KUBECONFIG is skipped, as kubectl does
    except OSError as error:
        raise KubeconfigError(f"{where}: {_os_words(error)}") from None
    if stat.S_ISDIR(info.st_mode):
        raise KubeconfigError(f"{where} is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        # A FIFO would block the read, a device like /dev/zero never end it.
        raise KubeconfigError(f"{where} is not a regular file")
    if info.st_size > MAX_BYTES:
        raise KubeconfigError(
            f"{where} is {info.st_size:,} bytes; a kubeconfig is at most {MAX_BYTES:,}"
        )
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise KubeconfigError(f"{where}: {_os_words(error)}") from None
    if len(raw) > MAX_BYTES:
        raise KubeconfigError(f"{where} is larger than {MAX_BYTES:,} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise KubeconfigError(
            f"{where} is not UTF-8 text (byte 0x{raw[error.start]:02x} at offset {error.start})"
        ) from None
    document = _parse(where, text)
    if document is None:
        return {}
    if not isinstance(document, Mapping):
        raise KubeconfigError(
            f"{where}: expected a mapping of kubeconfig fields, found {_type_name(document)}"
        )
    return document


def _parse(where: str, text: str) -> Any:
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        _check_shape(where, yaml.parse(text, Loader=loader))
        return yaml.load(text, Loader=loader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        if isinstance(error, yaml.reader.ReaderError):
            char = error.character
            code = char if isinstance(char, int) else ord(str(char)[:1] or "\0")
            at = f" (U+{code:04X} at offset {error.position})"
        problem = getattr(error, "problem", None) or getattr(error, "reason", None)
        words = terminal_safe(" ".join(str(problem or type(error).__name__).split()))
        raise KubeconfigError(f"{where} is not valid YAML: {words}{at}") from None


def _check_shape(where: str, events: Iterator[Any]) -> None:
    """Depth, documents and expanded size from the parser's events, before anything is built:
    the parser keeps its own stack, so a hostile file cannot exhaust Python's."""
    import yaml

    depth = 0
    documents = 0
    sizes: dict[str, int] = {}
    frames: list[list[Any]] = [[None, 0]]  # [anchor, nodes so far] per open collection

    def add(count: int) -> None:
        frames[-1][1] += count
        if sum(frame[1] for frame in frames) > MAX_NODES:
            raise KubeconfigError(
                f"{where} expands to more than {MAX_NODES:,} YAML nodes (an alias bomb?)"
            )

    for event in events:
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                raise KubeconfigError(f"{where} holds more than one YAML document")
        elif isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                raise KubeconfigError(f"{where} is nested more than {MAX_DEPTH} levels deep")
            frames.append([event.anchor, 0])
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
            anchor, count = frames.pop()
            if anchor:
                sizes[anchor] = count + 1
            add(count + 1)
        elif isinstance(event, yaml.ScalarEvent):
            if event.anchor:
                sizes[event.anchor] = 1
            add(1)
        elif isinstance(event, yaml.AliasEvent):
            add(sizes.get(event.anchor or "", 1))


def _entries(
    path: Path, document: Mapping[str, Any], section: str, body_key: str
) -> Iterator[tuple[str, Mapping[str, Any]]]:
    items = document.get(section)
    if items is None:
        return
    if not isinstance(items, list):
        raise KubeconfigError(
            f"kubeconfig {shown(path)}: {section} must be a list, found {_type_name(items)}"
        )
    for index, item in enumerate(items):
        field = f"{section}[{index}]"
        if not isinstance(item, Mapping):
            raise KubeconfigError(
                f"kubeconfig {shown(path)}: {field} must be a mapping, found {_type_name(item)}"
            )
        name = item.get("name")
        if not isinstance(name, str) or not name:
            raise KubeconfigError(
                f"kubeconfig {shown(path)}: {field}.name must be non-empty text, "
                f"found {_type_name(name)}"
            )
        body = item.get(body_key)
        if body is None:
            body = {}
        if not isinstance(body, Mapping):
            raise KubeconfigError(
                f"kubeconfig {shown(path)}: {field}.{body_key} must be a mapping, "
                f"found {_type_name(body)}"
            )
        yield name, body


def _expect_text(path: Path, field: str, value: Any) -> None:
    if value is not None and not isinstance(value, str):
        raise KubeconfigError(
            f"kubeconfig {shown(path)}: {field} must be text, found {_type_name(value)}"
        )


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text" if value else "empty text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return type(value).__name__


def _os_words(error: OSError) -> str:
    import errno

    if error.errno == errno.ELOOP:
        return "a loop of symbolic links"
    if error.errno == errno.ENOTDIR:
        return "a part of the path is a file, not a directory"
    return (error.strerror or type(error).__name__).lower()


__all__ = ["ContextEntry", "Kubeconfig", "KubeconfigError", "read_kubeconfig"]
