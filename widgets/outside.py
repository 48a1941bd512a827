"""Text from outside on the screen: where it is made safe, and how it is handed to Textual.

Two hazards, checked against the installed Textual 8.2.8 and Rich by writing hostile text into
a Static (as `Content`, as Rich `Text`) and a DataTable cell in a real pty and reading the
bytes the driver wrote:

- Control characters go through. `Content` and `Text` drop BEL and CR, but ESC, the C1
  controls and bidirectional overrides reach the terminal as they are: `ESC ] 0 ; … ` sets the
  window title and `ESC [ 2 J` clears the screen. So text is made terminal-safe
  (`cockpit.core.safe_text.terminal_safe`: visible stand-ins such as ␛) before it is drawn.
- A `str` is markup wherever Textual takes one: `Static(str)`, `update(str)`, `Label`,
  `border_title`, `notify`, an `Option` prompt, a DataTable `str` cell. `[link=…]` there
  becomes a live hyperlink and a stray `[/b]` raises MarkupError, which ends the app. So text
  from outside is handed over only as `Content` or `Text`, never as a `str`.

Terminal safety is applied once per flow, where outside data becomes what the screen shows:

- Readings (pods, workloads, alerts, health checks, backup, server errors, backend warnings)
  and the header: the model objects clean their own text when built (`cockpit.core.model`).
- Runbooks: their text is cleaned when a file is read (`cockpit.runbooks.load`), so the pane
  shows, and an action runs, exactly what was read.
- The timeline (titles, notes, actors), a pod's details (events, logs), the action dialogues
  (names, revisions, server messages), the chart's markers: where their rows become lines on
  screen, with the helpers below, in the one function per screen that builds those lines.
- Notifications: every one goes through the app's `notify`, which cleans it and turns markup
  off (`cockpit.app.base`).
"""

from __future__ import annotations

from rich.text import Text
from textual.content import Content

from cockpit.core.safe_text import terminal_safe


def safe_line(text: str, style: str = "") -> Content:
    """One line of outside text: never markup, never a control character, never two lines."""
    return Content.styled(terminal_safe(text), style) if style else Content(terminal_safe(text))


def safe_block(text: str, style: str = "") -> Content:
    """Outside text that may span lines (a note, a runbook paragraph): newlines kept."""
    clean = terminal_safe(text, multiline=True)
    return Content.styled(clean, style) if style else Content(clean)


def safe_cell(text: str, style: str = "") -> Text:
    """A DataTable cell of outside text (a `str` cell would be parsed as markup)."""
    return Text(terminal_safe(text), style=style, end="")
