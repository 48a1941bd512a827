"""A panel kind whole: its settings, its sources and its widget, registered with one call.

Each layer keeps its own part of a kind (`cockpit.config.panel_kinds`,
`cockpit.runtime.panel_sources`, `cockpit.screens.panel_widgets`), so the headless commands
never import the layers above them. Only the app sees all three; here a new kind is given as
one record and registered in every layer at once, or in none, and `disagreements` says where
the three registries (and each kind's `source` choices) do not match.
"""

from __future__ import annotations

import typing
from collections.abc import Mapping
from dataclasses import dataclass

from cockpit.config.panel_kinds import KINDS, PanelKind, register_panel_kind
from cockpit.runtime.panel_sources import SOURCES, SourceFactory, register_panel_sources
from cockpit.screens.panel_widgets import (
    WIDGETS,
    Area,
    Painter,
    WidgetFactory,
    register_panel_widget,
)


@dataclass(frozen=True, slots=True)
class PanelKindParts:
    """Everything one panel kind is: the config table (in `kind`), a source factory for each
    value of the table's `source` key, and the widget that draws its panels."""

    kind: PanelKind
    sources: Mapping[str, SourceFactory]
    widget: WidgetFactory
    show: Painter
    area: Area = "grid"

    @property
    def name(self) -> str:
        return self.kind.name


def register(parts: PanelKindParts) -> None:
    """Register the kind in the config, runtime and screen registries: all three, or none
    (a name already taken in one of them leaves the other two as they were)."""
    name = parts.name
    taken = [registry.part for registry in (KINDS, SOURCES, WIDGETS) if name in registry]
    if taken:
        raise ValueError(f"panel kind {name!r} already has its {', '.join(taken)} registered")
    register_panel_kind(parts.kind)
    try:
        register_panel_sources(name, parts.sources)
        register_panel_widget(name, parts.widget, parts.show, parts.area)
    except Exception:
        unregister(name)
        raise


def unregister(name: str) -> None:
    """Forget the kind everywhere (a test's toy kind, an unloaded plugin's)."""
    for registry in (KINDS, SOURCES, WIDGETS):
        registry.remove(name)


def source_choices(kind: PanelKind) -> tuple[str, ...]:
    """The values the kind's `source` key accepts, from its Literal."""
    field = kind.settings.model_fields.get("source")
    return typing.get_args(field.annotation) if field is not None else ()


def disagreements() -> list[str]:
    """Where the three registries do not describe the same kinds, one line each; [] if they
    agree. A kind's table must accept exactly the sources it has factories for."""
    problems = []
    config, runtime, screens = set(KINDS.names()), set(SOURCES.names()), set(WIDGETS.names())
    for name in sorted(config | runtime | screens):
        missing = [
            registry.part
            for registry, names in ((KINDS, config), (SOURCES, runtime), (WIDGETS, screens))
            if name not in names
        ]
        if missing:
            problems.append(f"panel kind {name!r} has no {' / '.join(missing)} registered")
            continue
        accepted = set(source_choices(KINDS.get(name)))
        built = set(SOURCES.get(name).factories)
        if accepted != built:
            problems.append(
                f"panel kind {name!r}: its table accepts source = {sorted(accepted)} but "
                f"there are factories for {sorted(built)}"
            )
    return problems
