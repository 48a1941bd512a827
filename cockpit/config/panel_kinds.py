"""Panel kinds, the config side: which `[panels.*]` tables exist and what their panels mean.

A panel kind is registered once in each layer that has a part of it, always under the same
name: here its settings (the table a config file holds, the title, how its numbers are read
and shown); in `cockpit.runtime.panel_sources` the sources that can feed it; in
`cockpit.screens.panel_widgets` the widget that draws it. Split this way each layer keeps its
contract (the config never imports sources or Textual, screens never reach sources), so
`cockpit config check` and `cockpit snapshot` still run without the layers above them. A test
proves that the three registries name the same kinds, and `cockpit.app.panel_kinds` registers
the three parts of a new kind with one call.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from pydantic import BaseModel

# A kind's name is a config key and a panel id (or an id's prefix): short and bare.
_NAME = re.compile(r"[a-z][a-z0-9_]{0,29}", re.ASCII)

T = TypeVar("T")


class KindRegistry(Generic[T]):
    """One layer's parts of the panel kinds, by kind name, in registration order (which is the
    dashboard's display order). Registering a name twice is a mistake, not an override."""

    def __init__(self, part: str) -> None:
        self.part = part  # "settings", "sources", "widget": named in errors
        self._items: dict[str, T] = {}

    def add(self, name: str, item: T) -> T:
        if not _NAME.fullmatch(name):
            raise ValueError(
                f"panel kind name {name!r}: expected a lower-case letter, then lower-case "
                "letters, digits and _ (at most 30 in all)"
            )
        if name in self._items:
            raise ValueError(f"panel kind {name!r} already has its {self.part} registered")
        self._items[name] = item
        return item

    def remove(self, name: str) -> None:
        self._items.pop(name, None)

    def get(self, name: str) -> T:
        try:
            return self._items[name]
        except KeyError:
            raise KeyError(
                f"panel kind {name!r} has no {self.part} registered "
                f"(known: {', '.join(self._items) or 'none'})"
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def __iter__(self) -> Iterator[T]:
        return iter(list(self._items.values()))

    def names(self) -> tuple[str, ...]:
        return tuple(self._items)


@dataclass(frozen=True, slots=True)
class PanelKind:
    """The config side of one panel kind."""

    name: str  # the `[panels.NAME]` table, and the panel's id
    # That table, validated: a `cockpit.config.schema.PanelSettings` subclass, whose
    # `measures()` are the panel's. Typed by its base here, since the schema registers the
    # built-in kinds and so imports this module.
    settings: type[BaseModel]
    title: str  # what the panel's frame says (a `many` kind's panels title themselves)
    description: str = ""  # the table's one-line help
    # `[[panels.NAME]]`: any number of tables, one panel each, with ids from `instance_id`.
    many: bool = False
    headline: str = ""  # the measure the presenter shows big; "" keeps it off the presenter
    trend: str = ""  # the measure drawn as the panel's trend line; "" draws none
    # Its thresholds are SLOs: crossing one is recorded in the incident timeline. (Alerts are
    # recorded one by one instead.)
    breaches: bool = True


KINDS: KindRegistry[PanelKind] = KindRegistry("settings")


def register_panel_kind(kind: PanelKind) -> PanelKind:
    return KINDS.add(kind.name, kind)


def panel_kinds() -> tuple[PanelKind, ...]:
    """Every registered kind, in display order."""
    return tuple(KINDS)
