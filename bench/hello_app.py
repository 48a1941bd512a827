"""The peer for start-up and idle CPU: the smallest Textual app, one Static saying hello.

    python bench/hello_app.py

Same Textual, same Python, same terminal as the cockpit, so the difference between the two is
what the cockpit itself costs.
"""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Static


class HelloApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Static("hello")


def main() -> None:
    HelloApp().run()


if __name__ == "__main__":
    main()
