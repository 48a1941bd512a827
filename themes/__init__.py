"""Themes as data: Textual `Theme`s, plus the stylesheet that uses their variables only."""

from __future__ import annotations

from importlib import resources

from textual.theme import Theme

DEFAULT_THEME = "cockpit-dark"

THEMES: dict[str, Theme] = {
    theme.name: theme
    for theme in (
        Theme(
            name="cockpit-dark",
            primary="#5fafff",
            secondary="#87afd7",
            accent="#ffaf5f",
            foreground="#d8dee9",
            background="#12161c",
            surface="#1a1f27",
            panel="#222a35",
            success="#5fd787",
            warning="#ffd75f",
            error="#ff5f5f",
            dark=True,
        ),
        Theme(
            name="cockpit-light",
            primary="#005fd7",
            secondary="#5f5f87",
            accent="#af5f00",
            foreground="#1c1c1c",
            background="#fafafa",
            surface="#f0f0f0",
            panel="#e4e4e4",
            success="#007f3f",
            warning="#8a6100",
            error="#c00000",
            dark=False,
        ),
        # For projectors: pure black and white, saturated status colours, nothing mid-grey.
        Theme(
            name="high-contrast",
            primary="#ffffff",
            secondary="#ffff00",
            accent="#00ffff",
            foreground="#ffffff",
            background="#000000",
            surface="#000000",
            panel="#000000",
            success="#00ff00",
            warning="#ffff00",
            error="#ff3030",
            dark=True,
        ),
        # Okabe-Ito colours: OK blue, WARN orange, CRIT vermilion stay distinct for the common
        # colour-vision deficiencies; the symbols and words carry status regardless.
        Theme(
            name="colorblind",
            primary="#0072b2",
            secondary="#cc79a7",
            accent="#f0e442",
            foreground="#e8e8e8",
            background="#101010",
            surface="#181818",
            panel="#262626",
            success="#56b4e9",
            warning="#e69f00",
            error="#d55e00",
            dark=True,
        ),
    )
}


def stylesheet_path() -> str:
    return str(resources.files(__name__).joinpath("cockpit.tcss"))
