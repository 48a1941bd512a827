"""Textual screens: they arrange widgets and hand them state; they never fetch."""
