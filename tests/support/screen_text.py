"""Read the screen the way a person would: the text of every cell, line by line."""

from __future__ import annotations

from collections.abc import Callable

from textual.app import App
from textual.pilot import Pilot


def screen_lines(app: App[object]) -> list[str]:
    # The compositor's strips are exactly what the terminal would be sent, minus the styles.
    strips = app.screen._compositor.render_strips()
    return [strip.text for strip in strips]


def screen_text(app: App[object]) -> str:
    return "\n".join(screen_lines(app))


async def wait_for(pilot: Pilot[None], condition: Callable[[], object], rounds: int = 500) -> None:
    """Let the app run until `condition` holds; `rounds` bounds a hang, it asserts no speed."""
    for _ in range(rounds):
        if condition():
            return
        await pilot.pause(0.02)
    raise AssertionError("condition never became true")


async def settled_screen(pilot: Pilot[None], rounds: int = 500) -> str:
    """Let the app run until a frame equals the one before, and return its text. A frame's
    layout posts messages of its own (a panel that changed size fits its table and says which
    rows are in view when it handles its resize), which the next frame shows: the screen is
    complete when a frame changes nothing. `rounds` bounds a hang, it asserts no speed."""
    before: str | None = None
    for _ in range(rounds):
        await pilot.pause()
        now = screen_text(pilot.app)
        if now == before:
            return now
        before = now
    raise AssertionError("the screen never settled")
