"""Read the screen the way a person would: the text of every cell, line by line."""

from __future__ import annotations

from textual.app import App


def screen_lines(app: App[object]) -> list[str]:
    # The compositor's strips are exactly what the terminal would be sent, minus the styles.
    strips = app.screen._compositor.render_strips()
    return [strip.text for strip in strips]


def screen_text(app: App[object]) -> str:
    return "\n".join(screen_lines(app))
