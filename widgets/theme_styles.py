"""Theme colours for what Textual draws as Rich renderables (DataTable cells, a Plotext chart).

Widgets that render `Content` name theme variables in their styles ("$warning bold") and
Textual resolves them. A DataTable cell or a plot is Rich text, which knows no variables: a
colour written there ("yellow") is the terminal's, the same under every theme. So the same
style specs are resolved here with the running app's theme variables, and a widget that draws
with them draws again when the theme changes (`on_theme_change`).
"""

from __future__ import annotations

from collections.abc import Callable

from rich.style import Style as RichStyle
from textual.app import App
from textual.color import Color
from textual.dom import DOMNode
from textual.markup import parse_style
from textual.theme import Theme


def rich_style(app: App[object], spec: str) -> RichStyle:
    """`spec` ("$warning bold", "dim") as a Rich style in the app's current theme.

    An `auto` colour (`$text-muted` is "auto 60%") is worked out against the background it is
    drawn on, which a Rich cell style does not know: such a spec is refused here (use `dim`)."""
    variables = app.theme_variables
    for word in spec.split():
        if word.startswith("$") and variables.get(word[1:], "").startswith("auto"):
            raise ValueError(f"{word} depends on the background; use dim for muted Rich text")
    return parse_style(spec, variables).rich_style


def theme_rgb(app: App[object], variable: str) -> tuple[int, int, int]:
    """A theme colour ("error", "primary") as red, green, blue: what Plotext takes."""
    return Color.parse(app.theme_variables[variable]).rgb


def on_theme_change(node: DOMNode, redraw: Callable[[], object]) -> None:
    """Call `redraw` after every theme change while `node` is mounted: cells and plots keep the
    colours they were drawn with until they are drawn again."""

    def changed(_theme: Theme) -> None:
        redraw()

    node.app.theme_changed_signal.subscribe(node, changed)
