"""Names the way the Kubernetes API server checks them: the one place every entry point (keys,
the command line, the config, runbook steps) asks before a name goes into a request.

Why it matters: the client library builds request paths by joining segments, so a name of
`.` or `..` is resolved away by the URL rules and the request reaches a *different* object
(`deployments/.` + `/scale` is `deployments/scale`). The API server refuses such names for
every kind; so do we, before anything is sent, and the message names the rule that failed.

Rules (from the API server's validation, per kind):
- every object name is a path segment: never `.` or `..`, never containing `/` or `%`;
- Deployments, StatefulSets, ReplicaSets, Pods, ConfigMaps, Secrets: a DNS-1123 subdomain
  (lower-case letters, digits, `-` and `.`; starts and ends with a letter or digit; ≤ 253);
- Namespaces: a DNS-1123 label (lower-case letters, digits and `-`; ≤ 63);
- Services: a DNS-1035 label (a DNS-1123 label that starts with a letter);
- label selectors: kubectl's `-l` grammar (`k=v`, `k==v`, `k!=v`, `k in (a,b)`,
  `k notin (a)`, `k`, `!k`, `k>1`, `k<1`), keys as qualified names, values as label values;
- kubeconfig context names: any printable text (cloud providers put `:` and `/` in them),
  but never empty and never with control characters; whether it exists is the kubeconfig's
  answer, not ours.

Names are taken exactly as given: no trimming, no lower-casing. ` web` is not `web`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from cockpit.core.safe_text import quoted

LABEL_MAX = 63
SUBDOMAIN_MAX = 253
CONTEXT_MAX = 1024

_DNS_LABEL = r"[a-z0-9](?:[-a-z0-9]*[a-z0-9])?"
_DNS1123_LABEL = re.compile(_DNS_LABEL, re.ASCII)
_DNS1123_SUBDOMAIN = re.compile(rf"{_DNS_LABEL}(?:\.{_DNS_LABEL})*", re.ASCII)
_DNS1035_LABEL = re.compile(r"[a-z](?:[-a-z0-9]*[a-z0-9])?", re.ASCII)
# A label value, and the name part of a label key: alphanumerics at both ends, `-_.` inside.
_LABEL_VALUE = re.compile(r"(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]*[A-Za-z0-9])?)?", re.ASCII)
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")

_SUBDOMAIN_RULE = (
    "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', "
    f"starting and ending with a letter or digit, at most {SUBDOMAIN_MAX} characters"
)
_LABEL_RULE = (
    "must be a DNS-1123 label: lower-case letters, digits and '-', "
    f"starting and ending with a letter or digit, at most {LABEL_MAX} characters"
)
_DNS1035_RULE = (
    "must be a DNS-1035 label: lower-case letters, digits and '-', "
    f"starting with a letter and ending with a letter or digit, at most {LABEL_MAX} characters"
)

# Which rule each kind's names follow (the API server's per-kind validation).
_KIND_RULES = {
    "deployment": "subdomain",
    "statefulset": "subdomain",
    "replicaset": "subdomain",
    "pod": "subdomain",
    "configmap": "subdomain",
    "secret": "subdomain",
    "namespace": "label",
    "service": "dns1035",
}

# kubectl's spellings of the workload kinds the cockpit acts on: singular, plural, short
# name, with the group and with the group's version (`deployments.v1.apps`).
_KIND_WORDS = {
    "deployment": ("deployment", "deployments", "deploy"),
    "statefulset": ("statefulset", "statefulsets", "sts"),
}
WORKLOAD_KINDS = {
    spelling: kind
    for kind, words in _KIND_WORDS.items()
    for word in words
    for spelling in (word, f"{word}.apps", f"{word}.v1.apps")
}


class InvalidName(ValueError):
    """A name, namespace, selector or context the API server (or kubeconfig) would refuse.
    The message says what was given and which rule it breaks."""


def _refuse(what: str, name: str, rule: str) -> InvalidName:
    return InvalidName(f"invalid {what} {quoted(name)}: {rule}")


def _path_segment(what: str, name: str) -> None:
    if not isinstance(name, str):
        raise InvalidName(f"invalid {what}: expected text, found {type(name).__name__}")
    if name == "":
        raise InvalidName(f"invalid {what}: a name may not be empty")
    if name in (".", ".."):
        raise _refuse(what, name, "a name may not be '.' or '..'")
    for char in "/%":
        if char in name:
            raise _refuse(what, name, f"a name may not contain '{char}'")


def object_name(kind: str, name: str) -> str:
    """`name` if the API server accepts it for `kind` (`deployment`, `pod`, `namespace`, …);
    else `InvalidName` naming the rule. Unknown kinds get the path-segment rule only."""
    what = f"{kind} name"
    _path_segment(what, name)
    rule = _KIND_RULES.get(kind)
    if rule == "subdomain":
        if len(name) > SUBDOMAIN_MAX or not _DNS1123_SUBDOMAIN.fullmatch(name):
            raise _refuse(what, name, _SUBDOMAIN_RULE)
    elif rule == "label":
        if len(name) > LABEL_MAX or not _DNS1123_LABEL.fullmatch(name):
            raise _refuse(what, name, _LABEL_RULE)
    elif rule == "dns1035" and (len(name) > LABEL_MAX or not _DNS1035_LABEL.fullmatch(name)):
        raise _refuse(what, name, _DNS1035_RULE)
    return name


def namespace(name: str) -> str:
    """A namespace name (a DNS-1123 label), or `InvalidName`."""
    return object_name("namespace", name)


def workload_ref(text: str) -> tuple[str, str]:
    """`deploy/web`, `deployments/web`, `deployment.apps/web` → ("deployment", "web").

    The kind is matched case-insensitively as kubectl does; the name is taken exactly and
    must be a valid name for that kind."""
    kind_text, slash, name = text.partition("/")
    if not slash:
        raise InvalidName(f"expected KIND/NAME like deployment/web, found {quoted(text)}")
    kind = WORKLOAD_KINDS.get(kind_text.lower())
    if kind is None:
        raise InvalidName(
            f"unknown kind {quoted(kind_text)}: use deployment/NAME or statefulset/NAME "
            "(also deploy/, deployments/, deployment.apps/, sts/)"
        )
    return kind, object_name(kind, name)


def context_name(name: str) -> str:
    """A kubeconfig context name: non-empty printable text of at most 1,024 characters.
    Whether the kubeconfig has it is checked where the kubeconfig is read."""
    if not isinstance(name, str):
        raise InvalidName(f"invalid context name: expected text, found {type(name).__name__}")
    if name == "":
        raise InvalidName("invalid context name: may not be empty")
    if _CONTROL.search(name):
        raise _refuse("context name", name, "may not contain control characters")
    if len(name) > CONTEXT_MAX:
        raise _refuse("context name", name, f"at most {CONTEXT_MAX} characters")
    return name


# ---- label selectors ----------------------------------------------------------------------

_SET_OPERATORS = ("in", "notin")


@dataclass(frozen=True, slots=True)
class Requirement:
    """One clause of a label selector: `key op values`."""

    key: str
    operator: str  # "=", "!=", "in", "notin", "exists", "!", ">", "<"
    values: tuple[str, ...] = ()

    def __str__(self) -> str:
        if self.operator == "exists":
            return self.key
        if self.operator == "!":
            return f"!{self.key}"
        if self.operator in _SET_OPERATORS:
            return f"{self.key} {self.operator} ({','.join(self.values)})"
        return f"{self.key}{self.operator}{self.values[0]}"


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """A parsed label selector; `str()` gives it back in canonical form."""

    requirements: tuple[Requirement, ...]

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


_TOKEN = re.compile(r"\s*(!=|==|=|!|\(|\)|,|<|>|[^\s!=(),<>]+)")


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:  # pragma: no cover - the pattern matches any non-space character
            raise InvalidName(f"invalid label selector {quoted(text)}")
        tokens.append(match.group(1))
        position = match.end()
    return tokens


def _label_key(selector: str, key: str) -> str:
    prefix, slash, name = key.rpartition("/")
    rule = (
        "a label key is an optional DNS-1123 subdomain prefix and '/', then a name of at most "
        f"{LABEL_MAX} letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    )
    bad = (
        not name
        or len(name) > LABEL_MAX
        or not _LABEL_VALUE.fullmatch(name)
        or (
            slash
            and (
                not prefix
                or len(prefix) > SUBDOMAIN_MAX
                or not _DNS1123_SUBDOMAIN.fullmatch(prefix)
            )
        )
    )
    if bad:
        raise InvalidName(f"invalid label selector {quoted(selector)}: key {quoted(key)}: {rule}")
    return key


def _label_value(selector: str, value: str) -> str:
    if len(value) > LABEL_MAX or not _LABEL_VALUE.fullmatch(value):
        raise InvalidName(
            f"invalid label selector {quoted(selector)}: value {quoted(value)}: a label value is "
            f"empty or at most {LABEL_MAX} letters, digits, '-', '_' or '.', starting and "
            "ending with a letter or digit"
        )
    return value


def label_selector(text: str) -> LabelSelector:
    """Parse a selector as `kubectl -l` does; `InvalidName` says where it is wrong.
    The empty selector selects everything."""
    if _CONTROL.search(text):
        raise InvalidName(
            f"invalid label selector {quoted(text)}: may not contain control characters"
        )
    tokens = _tokens(text)
    requirements: list[Requirement] = []
    i = 0

    def error(message: str) -> InvalidName:
        return InvalidName(f"invalid label selector {quoted(text)}: {message}")

    def take() -> str | None:
        nonlocal i
        if i >= len(tokens):
            return None
        i += 1
        return tokens[i - 1]

    def is_word(token: str | None) -> bool:
        return token is not None and token not in ("!=", "==", "=", "!", "(", ")", ",", "<", ">")

    while i < len(tokens):
        token = take()
        if token == "!":
            key = take()
            if not is_word(key):
                raise error("expected a label key after '!'")
            assert key is not None
            requirements.append(Requirement(_label_key(text, key), "!"))
        elif is_word(token):
            assert token is not None
            key = _label_key(text, token)
            following = tokens[i] if i < len(tokens) else None
            if following is None or following == ",":
                requirements.append(Requirement(key, "exists"))
            elif following in ("=", "==", "!="):
                take()
                value = tokens[i] if i < len(tokens) else None
                if is_word(value):
                    take()
                    assert value is not None
                else:
                    value = ""  # `k=` selects an empty value, as kubectl allows
                operator = "!=" if following == "!=" else "="
                requirements.append(Requirement(key, operator, (_label_value(text, value),)))
            elif following in (">", "<"):
                take()
                value = take()
                if not is_word(value) or not re.fullmatch(r"-?[0-9]+", value or "", re.ASCII):
                    raise error(f"'{following}' needs a whole number")
                assert value is not None
                requirements.append(Requirement(key, following, (value,)))
            elif following in _SET_OPERATORS:
                take()
                if take() != "(":
                    raise error(f"expected '(' after '{following}'")
                values: list[str] = []
                while True:
                    part = tokens[i] if i < len(tokens) else None
                    if part is None:
                        raise error("missing ')'")
                    if part == ")":
                        take()
                        break
                    if part == ",":
                        take()
                        if values and tokens[i - 2] == ",":
                            values.append("")
                        continue
                    if not is_word(part):
                        raise error(f"unexpected {quoted(part)} in a value list")
                    take()
                    values.append(_label_value(text, part))
                if not values:
                    raise error(f"'{following}' needs at least one value")
                requirements.append(Requirement(key, following, tuple(sorted(set(values)))))
            else:
                raise error(f"unexpected {quoted(following)} after key {quoted(key)}")
        else:
            raise error(f"unexpected {quoted(token or '')}")
        if i < len(tokens):
            if tokens[i] != ",":
                raise error(f"expected ',' before {quoted(tokens[i])}")
            take()
            if i >= len(tokens):
                raise error("a ',' must be followed by another requirement")
    return LabelSelector(tuple(requirements))


def check_label_selector(text: str) -> str:
    """`text` unchanged if it parses as a label selector, else `InvalidName`."""
    label_selector(text)
    return text
