"""Runbook commands that are the cockpit's own actions: `kubectl scale`, `kubectl rollout
restart`, `kubectl rollout undo` become an `ActionRequest`; `helm rollback` an `ExternalCommand`
run as an argv list. Anything not understood exactly stays a command to copy."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from cockpit.core import names
from cockpit.core.mitigation import ActionPreview, ActionRequest, Verb
from cockpit.runbooks.commands import SHELL_OPERATOR
from cockpit.runbooks.text import PLACEHOLDER, split_argv, wordset


@dataclass(frozen=True, slots=True)
class ExternalCommand:
    """A runbook command the cockpit offers as an action but runs as a program, not through
    the Kubernetes API: `helm rollback`. The argv is rebuilt from what was understood, so only
    options read and checked here can reach the program."""

    argv: tuple[str, ...]
    verb: Verb
    release: str
    namespace: str
    context: str = ""
    revision: int = 0  # 0: the previous release

    def describe(self) -> str:
        to = f"revision {self.revision}" if self.revision else "the previous revision"
        return f"helm rollback {self.release} to {to} in {self.namespace or 'its namespace'}"

    def as_request(self, kind: str = "deployment", name: str = "") -> ActionRequest:
        """The same action in the cockpit's terms, run as this argv (never a shell)."""
        return ActionRequest(
            self.verb,
            kind,
            name or self.release,
            self.namespace,
            context=self.context,
            to_revision=self.revision,
            command=self.argv,
        )

    def preview(self, runbook: str = "") -> ActionPreview:
        """What the confirmation shows; a program has no server-side dry run to ask."""
        notes = ["run as an argv list, without a shell; no dry run is available for it"]
        if runbook:
            notes.insert(0, f"from runbook {runbook}")
        return ActionPreview(
            self.as_request(),
            (("command", "-", shlex.join(self.argv)),),
            notes=tuple(notes),
        )


# A helm release name (helm's own rule, not an object of the API server).
_RELEASE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,51}[a-z0-9])?$")
# The flags that take a value, each under the name the action reads it by.
_KUBECTL_VALUE_FLAGS = {
    "-n": "namespace",
    "--namespace": "namespace",
    "--context": "context",
    "--replicas": "replicas",
    "--current-replicas": "current_replicas",
    "--to-revision": "to_revision",
    "--timeout": "timeout",
}
_HELM_FLAGS = wordset("--wait --wait-for-jobs --cleanup-on-fail --force --recreate-pods --no-hooks")
_HELM_VALUE_FLAGS = frozenset(("--timeout", "--history-max"))
# helm's are kept under their long names: the argv is rebuilt from them.
_HELM_VALUE_FLAGS_BY_NAME = {
    "-n": "--namespace",
    **{name: name for name in ("--namespace", "--kube-context", *_HELM_VALUE_FLAGS)},
}


def _flags(
    words: Sequence[str], with_value: Mapping[str, str], booleans: frozenset[str] = frozenset()
) -> tuple[dict[str, str], list[str]] | None:
    """Split argv words into (flags, positionals); None on any flag not understood, because
    an action must never silently drop part of what the runbook said."""
    flags: dict[str, str] = {}
    positional: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word == "--":
            positional += words[i + 1 :]
            break
        if word.startswith("-") and len(word) > 1:
            name, eq, value = word.partition("=")
            if name in booleans and not eq:
                flags[name] = ""
                i += 1
                continue
            short = name[:2] if not name.startswith("--") and len(name) > 2 else ""
            if short and short in with_value:  # -nshop
                name, value, eq = short, word[2:], "="
            canonical = with_value.get(name)
            if canonical is None:
                return None
            if not eq:
                if i + 1 >= len(words):
                    return None
                value = words[i + 1]
                i += 1
            if canonical in flags and flags[canonical] != value:
                return None
            flags[canonical] = value
            i += 1
            continue
        positional.append(word)
        i += 1
    return flags, positional


class _NotACount(ValueError):
    pass


def _count(text: str | None) -> int | None:
    """A whole number ≥ 0 from a flag value, None when the flag is absent."""
    if text is None:
        return None
    if not text.isdigit():
        raise _NotACount(text)
    return int(text)


def command_to_action(
    argv: Sequence[str] | str, *, namespace: str = "default", context: str = ""
) -> ActionRequest | ExternalCommand | None:
    """The cockpit action a runbook command is, or None if it is none of them exactly.

    `kubectl scale`, `kubectl rollout restart`, `kubectl rollout undo` (deployments and
    statefulsets) become an `ActionRequest`, previewed and confirmed like the keys' own;
    `helm rollback RELEASE [REVISION]` becomes an `ExternalCommand`. `namespace` and `context`
    fill in what the command leaves out (the cockpit's own). Anything else — pipes, variables
    still to fill in, unknown options, selectors, `--dry-run` — is not an action: it stays a
    command to copy, so nothing runs that the runbook did not say exactly."""
    words = list(split_argv(argv)) if isinstance(argv, str) else list(argv)
    if words and words[0] == "$":
        words = words[1:]
    if not words or any(SHELL_OPERATOR.search(w) or PLACEHOLDER.search(w) for w in words):
        return None
    program = PurePosixPath(words[0]).name
    if program == "kubectl":
        return _kubectl(words[1:], namespace, context)
    if program == "helm":
        return _helm(words[1:], namespace, context)
    return None


def _kubectl(words: Sequence[str], namespace: str, context: str) -> ActionRequest | None:
    parsed = _flags(words, _KUBECTL_VALUE_FLAGS)
    if parsed is None:
        return None
    flags, positional = parsed
    if positional[:2] == ["rollout", "restart"]:
        verb, rest = Verb.RESTART, positional[2:]
    elif positional[:2] == ["rollout", "undo"]:
        verb, rest = Verb.ROLLBACK, positional[2:]
    elif positional[:1] == ["scale"]:
        verb, rest = Verb.SCALE, positional[1:]
    else:
        return None
    if len(rest) == 1 and "/" in rest[0]:
        ref = rest[0]
    elif len(rest) == 2 and "/" not in rest[0]:
        ref = "/".join(rest)
    else:
        return None  # several objects, or none: not one action
    ns = flags.get("namespace", namespace)
    ctx = flags.get("context", context)
    try:
        # The same names the API server and the keys accept; anything else stays a command.
        kind, name = names.workload_ref(ref)
        names.namespace(ns)
        # Given, even empty, it must be a real name: `--context ""` would act on whatever
        # context is current, which is not what the runbook says.
        if "context" in flags or ctx:
            names.context_name(ctx)
    except names.InvalidName:
        return None
    allowed = {
        Verb.SCALE: {"namespace", "context", "replicas", "current_replicas", "timeout"},
        Verb.RESTART: {"namespace", "context"},
        Verb.ROLLBACK: {"namespace", "context", "to_revision"},
    }[verb]
    if set(flags) - allowed:
        return None
    try:
        replicas = _count(flags.get("replicas"))
        current = _count(flags.get("current_replicas"))
        revision = _count(flags.get("to_revision")) or 0
    except _NotACount:
        return None
    if verb is Verb.SCALE and replicas is None:
        return None
    return ActionRequest(
        verb,
        kind,
        name,
        ns,
        context=ctx,
        replicas=replicas,
        current_replicas=current,
        to_revision=revision,
    )


def _helm(words: Sequence[str], namespace: str, context: str) -> ExternalCommand | None:
    parsed = _flags(words, _HELM_VALUE_FLAGS_BY_NAME, _HELM_FLAGS)
    if parsed is None:
        return None
    flags, positional = parsed
    if positional[:1] != ["rollback"] or len(positional) not in (2, 3):
        return None
    release = positional[1]
    revision_text = positional[2] if len(positional) == 3 else "0"
    ns = flags.get("--namespace", namespace)
    ctx = flags.get("--kube-context", context)
    if (
        not _RELEASE.match(release)
        or not revision_text.isdigit()
        or not _valid(names.namespace, ns, given="--namespace" in flags)
        or not _valid(names.context_name, ctx, given="--kube-context" in flags)
        or ("--history-max" in flags and not flags["--history-max"].isdigit())
        or ("--timeout" in flags and not re.fullmatch(r"(\d+(ms|s|m|h))+", flags["--timeout"]))
    ):
        return None
    revision = int(revision_text)
    argv = ["helm", "rollback", release]
    if revision:
        argv.append(str(revision))
    if ns:
        argv += ["--namespace", ns]
    if ctx:
        argv += ["--kube-context", ctx]
    for flag in sorted(flags):
        if flag in _HELM_FLAGS:
            argv.append(flag)
        elif flag in _HELM_VALUE_FLAGS:
            argv.append(f"{flag}={flags[flag]}")
    return ExternalCommand(tuple(argv), Verb.ROLLBACK, release, ns, ctx, revision)


def _valid(check: Callable[[str], str], value: str, *, given: bool) -> bool:
    """An optional value that, when given (even empty) or filled in, passes `check`."""
    try:
        return not (value or given) or bool(check(value))
    except names.InvalidName:
        return False


def action_mismatch(request: ActionRequest, *, context: str, namespace: str) -> str | None:
    """Why the cockpit cannot run a runbook's action where it is connected, or None. The
    cockpit acts through one context; a runbook written for another must not reach this one."""
    if request.context and request.context != context:
        # With no --context the cockpit acts on the kubeconfig's current context, whatever it
        # is at the time: a runbook naming a context must not be taken to mean that one.
        here = repr(context) if context else "the kubeconfig's current context"
        return (
            f"the runbook says context {request.context!r}; this cockpit is on {here} "
            "(restart it with --context to act there)"
        )
    if request.namespace != namespace:
        return (
            f"the runbook says namespace {request.namespace!r}; this cockpit acts in "
            f"{namespace!r} (restart it with -n to act there)"
        )
    return None
