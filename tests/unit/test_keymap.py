"""The keymap's data matches the code's bindings (ids, default keys, which are active together),
and a rebinding that would take away a way out or make one key do two things is refused —
where Textual itself would silently drop one of the two bindings."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import string

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from textual.binding import Binding, BindingsMap
from textual.keys import _character_to_key

from cockpit.app.cockpit_app import CockpitApp
from cockpit.app.notes import NotesApp
from cockpit.config.keymap import (
    BINDINGS,
    RESERVED_KEYS,
    SCOPES,
    default_keys,
    key_name,
    keymap_problems,
    parse_keys,
)


def _classes_with_bindings() -> list[type]:
    import cockpit.screens
    import cockpit.widgets

    found: list[type] = [CockpitApp, NotesApp]
    for package in (cockpit.screens, cockpit.widgets):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for _, cls in inspect.getmembers(module, inspect.isclass):
                if cls.__module__ == module.__name__ and "BINDINGS" in cls.__dict__:
                    found.append(cls)
    return found


def _bindings_of(cls: type) -> list[Binding]:
    """A class's own bindings and those it inherits, as Textual merges them."""
    merged: list[Binding] = []
    for base in reversed(cls.__mro__):
        merged += [b for b in base.__dict__.get("BINDINGS", []) if isinstance(b, Binding)]
    return [b for b in merged if b.id is not None and b.id in BINDINGS]


def test_default_keys_are_the_code_s() -> None:
    for cls in _classes_with_bindings():
        for binding in _bindings_of(cls):
            assert binding.id is not None
            keys = [key_name(k.strip()) for k in binding.key.split(",")]
            assert keys == default_keys(binding.id), (cls.__name__, binding.id)


def test_bindings_active_together_share_a_scope() -> None:
    for cls in _classes_with_bindings():
        ids = {b.id for b in _bindings_of(cls)}
        if cls in (CockpitApp, NotesApp) or len(ids) > 1:
            assert any(ids <= set(scope) for scope in SCOPES.values()), (cls.__name__, ids)


def test_the_defaults_are_safe() -> None:
    assert keymap_problems({}) == []
    assert keymap_problems({i: keys for i, (_, keys) in BINDINGS.items()}) == []


def test_key_names_are_textual_s() -> None:
    for char in string.printable.strip():
        if char != ",":
            assert key_name(char) == _character_to_key(char), char


@pytest.mark.parametrize(
    ("keymap", "problem"),
    [
        ({"incident.note": "q"}, "'q' is reserved for quit / back"),
        ({"incident.note": "?"}, "'question_mark' is reserved for help"),
        ({"action.scale": "escape"}, "'escape' is reserved for back / cancel"),
        ({"app.quit": "x"}, "'q' must stay bound here"),
        ({"confirm.no": "n"}, "'escape' must stay bound here"),
        ({"incident.note": "p"}, "'p' is also bound to refresh.pause"),
        ({"pods.filter": "n"}, "'n' is also bound to incident.note"),
        ({"timeline.search": "n"}, "'n' is also bound to incident.note (add a note to the "),
        ({"chart.15m": "escape,1"}, "'escape' is reserved"),
    ],
)
def test_unsafe_rebindings_are_refused(keymap: dict[str, str], problem: str) -> None:
    problems = keymap_problems(keymap)
    assert problems, keymap
    assert any(problem in text for _, text in problems), problems


@pytest.mark.parametrize(
    "keymap",
    [
        {"app.quit": "q,ctrl+x"},
        {"incident.note": "N"},
        {"confirm.no": "escape,x"},
        {"timeline.search": "ctrl+f"},
        # A screen's own key may shadow an app key while that screen is open: by design.
        {"chart.15m": "n"},
        # Swapping two keys in one scope.
        {"incident.note": "p", "refresh.pause": "n"},
        {"refresh.now": "f5, r"},
    ],
)
def test_safe_rebindings_pass(keymap: dict[str, str]) -> None:
    assert keymap_problems(keymap) == []


def test_key_syntax() -> None:
    assert parse_keys("ctrl+n, f2,?") == ["ctrl+n", "f2", "question_mark"]
    for bad in ("", "ctrl+", "a b", "ctrl+?", "r,r", "\x1b", "hyperctrl+r", "é"):
        with pytest.raises(ValueError):
            parse_keys(bad)
    assert set(RESERVED_KEYS) >= {"q", "question_mark", "escape"}


def test_textual_would_drop_quit_without_the_check() -> None:
    """Why the clash check exists: given a clash, Textual drops the other binding without a
    word (quit here), so the config check is the only place it can be caught."""
    bindings = BindingsMap([b for b in CockpitApp.BINDINGS if isinstance(b, Binding)])
    bindings.apply_keymap({"incident.note": "q"})
    assert [b.id for b in bindings.key_to_bindings["q"]] == ["incident.note"]
    assert all(b.id != "app.quit" for bs in bindings.key_to_bindings.values() for b in bs)
    assert keymap_problems({"incident.note": "q"})


# Mostly free keys (so that many generated keymaps pass and get checked against Textual), some
# taken or reserved ones, and now and then anything at all.
_KEY_POOL = ["N", "x", "X", "g", "j", "k", "f2", "f5", "ctrl+n", "ctrl+x", "q", "?", "escape", "n"]
_FREE = st.lists(st.sampled_from(_KEY_POOL), min_size=1, max_size=2, unique=True).map(",".join)


def _entry(binding_id: str) -> st.SearchStrategy[tuple[str, str]]:
    """A rebinding of `binding_id`: new keys, or its own plus one (which keeps reserved ones)."""
    own = BINDINGS[binding_id][1]
    keys = st.one_of(_FREE, _FREE.map(lambda extra: f"{own},{extra}"), st.text(max_size=6))
    return st.tuples(st.just(binding_id), keys)


_KEYMAPS = st.lists(
    st.one_of(
        st.sampled_from(sorted(BINDINGS)).flatmap(_entry),
        st.tuples(st.text(max_size=6), _FREE),
    ),
    max_size=3,
).map(dict)


@settings(max_examples=400, deadline=None)
@given(_KEYMAPS)
def test_a_keymap_that_passes_keeps_every_way_out_and_one_action_per_key(
    keymap: dict[str, str],
) -> None:
    if keymap_problems(keymap):
        return
    # Applied by Textual itself to the dashboard's bindings (the app's and the screen's).
    from cockpit.screens.dashboard import DashboardScreen

    own = [b for b in [*CockpitApp.BINDINGS, *DashboardScreen.BINDINGS] if isinstance(b, Binding)]
    bindings = BindingsMap(own)
    bindings.apply_keymap({k: ",".join(parse_keys(v)) for k, v in keymap.items()})
    holders: dict[str, set[str]] = {}
    for key, bound in bindings.key_to_bindings.items():
        holders.setdefault(key, set()).update(b.id for b in bound if b.id)
    assert all(len(ids) == 1 for ids in holders.values()), holders
    assert holders.get("q") == {"app.quit"} and holders.get("question_mark") == {"app.help"}
    assert {i for ids in holders.values() for i in ids} >= {b.id for b in own if b.id}
