"""Every binding the cockpit has, its default keys and where it is active: for `[keys]` in the
config (rebinding), the help screen, and the checks that keep a rebinding safe.

Pure data and pure Python so the config can be validated without importing Textual. The app's
BINDINGS use these ids; tests keep the ids, default keys and scopes in step with the code.

A rebinding is refused when it would take away a way out or make a key ambiguous:

- Reserved keys (q, ?, escape, and Textual's own ctrl+c / ctrl+q) stay with the bindings that
  have them by default: quit, help and every back / cancel. Those bindings may gain keys but
  not lose their reserved one, and no other binding may take one.
- Within one scope (the bindings active at the same time, e.g. the dashboard with the app's own
  keys) one key does one thing. Textual would otherwise drop one of the two bindings silently.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

# binding id → (what it does, default keys as Textual names them)
BINDINGS: dict[str, tuple[str, str]] = {
    "app.quit": ("quit", "q"),
    "app.help": ("help screen", "question_mark"),
    "app.theme": ("next theme", "T"),
    "app.presenter": ("presenter view (large numbers for a shared screen)", "z"),
    "refresh.pause": ("pause / resume refresh", "p"),
    "refresh.now": ("refresh every panel now", "r"),
    "focus.next": ("focus the next panel", "tab"),
    "focus.previous": ("focus the previous panel", "shift+tab"),
    "pods.filter": ("filter the pods table (name, status, node)", "slash"),
    "incident.note": ("add a note to the incident", "n"),
    "incident.declare": ("declare an incident", "D"),
    "incident.status": ("post a status update / change status", "u"),
    "incident.timeline": ("open the timeline", "t"),
    "incident.pick": ("attach to another open incident (or declare one)", "i"),
    "action.scale": ("scale the Deployment (preview, confirm)", "s"),
    "action.restart": ("rollout restart the Deployment (preview, confirm)", "R"),
    "action.rollback": ("rollout undo: pick a revision (preview, confirm)", "U"),
    "incident.phase": ("mark the incident's phase by hand (recorded)", "m"),
    "runbook.open": ("runbook section for the focused or breaching panel", "b"),
    "runbook.tick": (
        "runbook: mark the highlighted step done / not done (asks, then recorded)",
        "space",
    ),
    "runbook.copy": ("runbook: copy the highlighted command", "c"),
    "runbook.back": ("leave the runbook", "escape,q,b"),
    "history.pick": ("rollout history: roll back to the selected revision", "enter"),
    "confirm.yes": ("confirm the previewed action", "y"),
    "confirm.no": ("cancel the previewed action", "escape,n"),
    "confirm.down": ("confirmation: scroll a long preview down", "down"),
    "confirm.up": ("confirmation: scroll a long preview up", "up"),
    "timeline.back": ("leave the timeline", "escape,t"),
    "timeline.filter": ("timeline: next kind filter", "f"),
    "timeline.search": ("timeline: search", "slash"),
    "timeline.pin": ("timeline: pin / unpin the selected event", "P"),
    "timeline.edit": ("timeline: edit the selected note (a new version; history kept)", "e"),
    "timeline.delete": ("timeline: delete the selected note (recorded; history kept)", "x"),
    "event.close": ("leave the timeline entry shown in full", "escape,q,enter"),
    "app.palette": ("command palette", "ctrl+p"),
    "app.palette_colon": ("command palette (k9s-style `:`)", "colon"),
    "presenter.back": ("leave the presenter view", "escape,z"),
    "panel.chart": ("chart of the focused metric panel", "enter"),
    "pod.back": ("leave the pod details", "escape,q"),
    "chart.back": ("leave the chart", "escape,q"),
    "chart.15m": ("chart: last 15 minutes", "1"),
    "chart.1h": ("chart: last hour", "2"),
    "chart.6h": ("chart: last 6 hours", "3"),
    "note.expand": ("note form: switch to the multi-line editor", "ctrl+e"),
    "note.save": ("note form: save", "ctrl+s"),
    "form.cancel": ("any form: cancel", "escape"),
    "form.submit": ("any form: enter on a closed list submits the form", "enter"),
    "form.list": ("any form: open the list (severity, status)", "down,space,up"),
    "help.close": ("close the help screen", "escape,question_mark,q"),
    "pods.sort": ("sort the pods table: status (worst first), name, age, restarts", "S"),
    "alerts.open": ("open the firing alerts (labels, annotations, runbook URL)", "enter"),
    "alerts.back": ("leave the alerts", "escape,q"),
}

BINDING_IDS: dict[str, str] = {binding_id: what for binding_id, (what, _) in BINDINGS.items()}

_APP = (
    "app.quit", "app.help", "app.theme", "app.presenter", "refresh.pause", "refresh.now",
    "focus.next", "focus.previous", "incident.note", "incident.declare", "incident.status",
    "incident.timeline", "incident.pick", "action.scale", "action.restart", "action.rollback",
    "incident.phase", "runbook.open", "app.palette", "app.palette_colon",
)  # fmt: skip
_TIMELINE = (
    "timeline.back", "timeline.filter", "timeline.search", "timeline.pin", "timeline.edit",
    "timeline.delete",
)  # fmt: skip
_NOTES_APP = (
    "app.quit", "app.help", "incident.note", "incident.declare", "incident.status",
    "incident.pick",
)  # fmt: skip

# Bindings active at the same time. A screen's own keys may shadow the app's on purpose (q in
# the chart goes back, not quit), so a screen is checked on its own; the two main screens are
# checked together with the app keys underneath them, where a shadowed key would be lost.
SCOPES: dict[str, tuple[str, ...]] = {
    "the dashboard": (*_APP, "pods.filter", "pods.sort", "panel.chart"),
    # Enter opens the alerts there, as it opens a chart on a metric panel: one panel has focus.
    "the alerts panel": (*_APP, "pods.filter", "pods.sort", "alerts.open"),
    "the alerts": ("alerts.back",),
    "the notes window": (*_NOTES_APP, *_TIMELINE),
    "the timeline": _TIMELINE,
    "a timeline entry in full": ("event.close",),
    "the chart": ("chart.back", "chart.15m", "chart.1h", "chart.6h"),
    "the runbook": ("runbook.tick", "runbook.copy", "runbook.back"),
    "the presenter view": ("presenter.back",),
    "the pod details": ("pod.back",),
    "the help screen": ("help.close",),
    "the confirm dialog": ("confirm.yes", "confirm.no", "confirm.down", "confirm.up"),
    "a form's list (severity, status)": ("form.cancel", "form.submit", "form.list"),
    "the rollout history": ("form.cancel", "history.pick"),
    "the note form": ("form.cancel", "note.expand", "note.save"),
}

# Keys a person must always have to get out: quit, help, back / cancel. ctrl+c and ctrl+q are
# Textual's own (help-quit and quit) and belong to no binding id.
RESERVED_KEYS: dict[str, str] = {
    "q": "quit / back",
    "question_mark": "help",
    "escape": "back / cancel",
    "ctrl+c": "quit (Textual)",
    "ctrl+q": "quit (Textual)",
}

_MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")
_KEY_NAME = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
# Names Textual gives some characters instead of their Unicode names.
_CHAR_NAMES = {
    "solidus": "slash",
    "reverse_solidus": "backslash",
    "commercial_at": "at",
    "hyphen_minus": "minus",
    "plus_sign": "plus",
    "low_line": "underscore",
}


def key_name(token: str) -> str:
    """A key as Textual names it: a single character by its name ("?" → "question_mark",
    "/" → "slash"), letters and digits as they are, names and modifiers unchanged."""
    if len(token) == 1 and not token.isalnum():
        name = unicodedata.name(token, token).lower().replace("-", "_").replace(" ", "_")
        return _CHAR_NAMES.get(name, name)
    return token


def parse_keys(text: str) -> list[str]:
    """`"ctrl+n, f2"` → ["ctrl+n", "f2"], or ValueError saying which key is not one."""
    example = 'key names such as "n", "N", "f2", "ctrl+n" or "ctrl+n,f2"'
    if not text.strip():
        raise ValueError(f"expected {example}, found an empty string")
    keys: list[str] = []
    for raw in text.split(","):
        token = raw.strip()
        *modifiers, last = token.split("+") if token else [""]
        ok = (
            bool(last)
            and all(m in _MODIFIERS for m in modifiers)
            and (
                _KEY_NAME.fullmatch(last) is not None
                or (len(last) == 1 and last.isprintable() and not last.isspace() and last.isascii())
            )
            and not (modifiers and len(last) == 1 and not last.isalnum())
        )
        if not ok:
            raise ValueError(f"expected {example}, found {token!r} in {text!r}")
        keys.append("+".join([*modifiers, key_name(last)]))
    if len(set(keys)) != len(keys):
        raise ValueError(f"a key is listed twice in {text!r}")
    return keys


def default_keys(binding_id: str) -> list[str]:
    return BINDINGS[binding_id][1].split(",")


def keymap_problems(keymap: Mapping[str, str]) -> list[tuple[str, str]]:
    """(binding id, problem) for every rebinding that is unknown, misspelt, takes a reserved
    key, drops one, or clashes with another binding in the same scope. Empty when safe."""
    problems: list[tuple[str, str]] = []
    effective = {binding_id: default_keys(binding_id) for binding_id in BINDINGS}
    for binding_id, text in keymap.items():
        if binding_id not in BINDINGS:
            problems.append((binding_id, _unknown(binding_id)))
            continue
        try:
            keys = parse_keys(text)
        except ValueError as exc:
            problems.append((binding_id, str(exc)))
            continue
        own = default_keys(binding_id)
        taken = [k for k in keys if k in RESERVED_KEYS and k not in own]
        if taken:
            key = taken[0]
            problems.append(
                (binding_id, f"{key!r} is reserved for {RESERVED_KEYS[key]}; choose another key")
            )
            continue
        dropped = [k for k in own if k in RESERVED_KEYS and k not in keys]
        if dropped:
            kept = ",".join([*dropped, *keys])
            problems.append(
                (
                    binding_id,
                    f"{dropped[0]!r} must stay bound here (a reserved key: there is always a "
                    f"way out); to add keys write {kept!r}",
                )
            )
            continue
        effective[binding_id] = keys
    problems += _clashes(effective, keymap)
    return problems


def _clashes(effective: dict[str, list[str]], keymap: Mapping[str, str]) -> list[tuple[str, str]]:
    found: dict[tuple[str, str], tuple[str, str]] = {}
    for scope, ids in SCOPES.items():
        holder: dict[str, str] = {}
        for binding_id in ids:
            for key in effective[binding_id]:
                other = holder.setdefault(key, binding_id)
                if other == binding_id:
                    continue
                # Report it at the binding the config changed (both, if both were).
                blamed = binding_id if binding_id in keymap else other
                partner = other if blamed == binding_id else binding_id
                found.setdefault(
                    (blamed, key),
                    (
                        blamed,
                        f"{key!r} is also bound to {partner} ({BINDING_IDS[partner]}) in "
                        f"{scope}; one key, one action",
                    ),
                )
    return list(found.values())


def _unknown(binding_id: str) -> str:
    import difflib  # only on this error path: start-up does not pay for it

    hint = difflib.get_close_matches(binding_id, list(BINDINGS), n=1)
    maybe = f" (did you mean {hint[0]!r}?)" if hint else ""
    return f"unknown binding id {binding_id!r}{maybe}; known ids: {', '.join(BINDINGS)}"
