"""A runbook section beside the dashboard: its text, its steps as a checklist, its commands.

The pane covers the right of the screen so the panels that sent the user here stay in view on
the left. It renders what the app hands it and posts what the user chose (a step marked done,
a command to run as an action); the app records, previews and applies. Nothing here reads
files or acts.

Marking a step done goes into the incident's record, so it is its own key (space) with its own
question ("Mark step 3 done? y/esc"). Enter only ever acts: on a command, or on a step whose
command is one of the cockpit's actions, it opens that action's preview; on any other step it
says so and records nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Footer, OptionList, Static
from textual.widgets.option_list import Option

from cockpit.runbooks.model import Command, Section, Step
from cockpit.widgets.header import ProductionBar


@dataclass(frozen=True, slots=True)
class CommandOffer:
    """A command as the pane lists it; `action` describes the cockpit action it runs as, and
    `refusal` says why it cannot here (another namespace or context). Both empty: copy only."""

    command: Command
    action: str = ""
    refusal: str = ""


class StepToggled(Message):
    def __init__(self, step: Step, ticked: bool) -> None:
        super().__init__()
        self.step = step
        self.ticked = ticked


class RunbookCommandChosen(Message):
    def __init__(self, offer: CommandOffer) -> None:
        super().__init__()
        self.offer = offer


def step_prompt(step: Step, ticked: bool, offer: CommandOffer | None = None) -> Content:
    # The box is text, so a tick reads the same without colour.
    box = "[x]" if ticked else "[ ]"
    number = f"{step.index + 1}."
    style = "$text-muted" if ticked else ""
    prompt = Content.assemble((f"{box} {number} ", "bold"), (step.text, style))
    if offer is not None and offer.refusal:
        return prompt + Content.styled(f"\n    ✗ not here: {offer.refusal}", "$warning")
    if offer is not None:
        return prompt + Content.styled(f"\n    ▶ enter: {offer.action}", "$accent")
    return prompt


def step_offer(step: Step, offers: Sequence[CommandOffer]) -> CommandOffer | None:
    """The action a step's own command runs as (or is refused as), if it has one."""
    for offer in offers:
        if (offer.action or offer.refusal) and offer.command in step.commands:
            return offer
    return None


NO_ACTION = "no action on this step; space marks it done"


class ConfirmStep(ModalScreen[bool]):
    """Asks "Mark step 3 done? y/esc": a tick is a line in the incident's record."""

    DEFAULT_CSS = """
    ConfirmStep { align: center middle; }
    ConfirmStep > Vertical {
        width: 64; max-width: 90%; height: auto; padding: 0 1;
        border: round $accent; background: $panel;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # The same ids as the action confirmation's: a rebound "yes" answers both.
        Binding("y", "dismiss(True)", "Yes", id="confirm.yes"),
        Binding("escape,n", "dismiss(False)", "Cancel", id="confirm.no"),
    ]

    def __init__(self, step: Step, done: bool) -> None:
        super().__init__()
        self.step = step
        self.done = done

    def compose(self) -> ComposeResult:
        number = self.step.index + 1
        question = f"Mark step {number} done?" if self.done else f"Mark step {number} not done?"
        with Vertical():
            yield Static(Content.styled(question, "bold"), id="step-question")
            yield Static(Content(self.step.text), id="step-text")
            yield Static(Content.styled("y records it · esc cancels", "dim"))


def command_prompt(offer: CommandOffer) -> Content:
    first, *rest = offer.command.text.split("\n")
    more = f"  (+{len(rest)} lines)" if rest else ""
    if offer.refusal:
        hint = Content.styled(f"\n    ✗ not here: {offer.refusal}", "$warning")
    elif offer.action:
        hint = Content.styled(f"\n    ▶ enter: {offer.action}", "$accent")
    elif offer.command.placeholders:
        fill = ", ".join(offer.command.placeholders)
        hint = Content.styled(f"\n    fill in {fill}; c copies", "$text-muted")
    else:
        hint = Content.styled("\n    c copies", "$text-muted")
    return Content.assemble(("$ ", "bold"), first + more, hint)


class RunbookScreen(ModalScreen[None]):
    DEFAULT_CSS = """
    RunbookScreen {
        align: right top;
    }
    #runbook-pane {
        width: 60%;
        min-width: 48;
        height: 100%;
        background: $surface;
        border-left: thick $accent;
        padding: 0 1;
    }
    #runbook-title { text-style: bold; }
    #runbook-why { color: $text-muted; }
    #runbook-notes { height: auto; max-height: 35%; }
    #runbook-items { height: 1fr; border: none; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "tick", "Mark step done", id="runbook.tick"),
        Binding("c", "copy", "Copy command", id="runbook.copy"),
        # b again closes it: the key that opened the pane toggles it.
        Binding("escape,q,b", "app.pop_screen", "Back", id="runbook.back"),
    ]

    def __init__(
        self,
        source: str,
        section: Section,
        why: str,
        offers: Sequence[CommandOffer],
        ticked: Iterable[str] = (),
    ) -> None:
        super().__init__(id="runbook")
        self.source = source
        self.section = section
        self.why = why
        self.offers = list(offers)
        self.ticked: set[str] = set(ticked)
        self.items = OptionList(*self._options(), id="runbook-items")
        self.subtitle = Static(Content(self._subtitle()), id="runbook-why")

    def _options(self) -> list[Option | None]:
        options: list[Option | None] = []
        for step in self.section.steps:
            prompt = step_prompt(step, step.key in self.ticked, step_offer(step, self.offers))
            options.append(Option(prompt, id=f"s{step.index}"))
        if self.section.steps and self.offers:
            options.append(None)  # a separator between the checklist and the commands
        for index, offer in enumerate(self.offers):
            options.append(Option(command_prompt(offer), id=f"c{index}"))
        return options

    def compose(self) -> ComposeResult:
        title = self.section.title or "(before the first heading)"
        with Vertical(id="runbook-pane"):
            yield ProductionBar()
            yield Static(Content(f"{self.source} › {title}"), id="runbook-title")
            yield self.subtitle
            if self.section.notes:
                with VerticalScroll(id="runbook-notes"):
                    # As written: a runbook's brackets and asterisks are not markup here.
                    yield Static(Content(self.section.notes))
            if not self.section.steps and not self.offers:
                yield Static(Content.styled("No steps or commands in this section.", "$warning"))
            yield self.items
            yield Static(
                Content.styled(
                    "space marks a step done · enter runs an action · c copies · esc back", "dim"
                )
            )
        yield Footer()

    def on_mount(self) -> None:
        # See-through (the stylesheet), so the panels that sent the user here stay in view.
        self.items.focus()

    # ---- what the app tells it --------------------------------------------------------

    def set_ticked(self, keys: Iterable[str]) -> None:
        """Ticks read back from the incident record (a restarted cockpit shows them too)."""
        self.ticked = set(keys)
        for step in self.section.steps:
            self._redraw_step(step)

    def _redraw_step(self, step: Step) -> None:
        prompt = step_prompt(step, step.key in self.ticked, step_offer(step, self.offers))
        self.items.replace_option_prompt(f"s{step.index}", prompt)
        self.subtitle.update(Content(self._subtitle()))

    def _subtitle(self) -> str:
        """Why this section, and how far the checklist is."""
        steps = self.section.steps
        if not steps:
            return self.why
        done = sum(1 for step in steps if step.key in self.ticked)
        return f"{self.why} · {done}/{len(steps)} steps done"

    # ---- what the user does -------------------------------------------------------------

    def _current(self) -> tuple[str, int] | None:
        option = self.items.highlighted_option
        if option is None or not option.id:
            return None
        return option.id[0], int(option.id[1:])

    def action_tick(self) -> None:
        """Space: mark the highlighted step done (or not done again), once confirmed."""
        current = self._current()
        if current is None or current[0] != "s":
            return
        step = self.section.steps[current[1]]
        done = step.key not in self.ticked

        def answered(confirmed: bool | None) -> None:
            if not confirmed:
                return
            if done:
                self.ticked.add(step.key)
            else:
                self.ticked.discard(step.key)
            self._redraw_step(step)
            self.post_message(StepToggled(step, done))

        self.app.push_screen(ConfirmStep(step, done), answered)

    def action_copy(self) -> None:
        current = self._current()
        if current is None or current[0] != "c":
            self.notify("Highlight a command to copy it.", severity="warning")
            return
        text = self.offers[current[1]].command.text
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied: {text.splitlines()[0]}")

    @on(OptionList.OptionSelected, "#runbook-items")
    def _chosen(self, message: OptionList.OptionSelected) -> None:
        """Enter acts, and only acts: it never marks a step done."""
        current = self._current()
        if current is None:
            return
        kind, index = current
        if kind == "s":
            offer = step_offer(self.section.steps[index], self.offers)
            if offer is None:
                self.notify(NO_ACTION)
                return
        else:
            offer = self.offers[index]
        if offer.refusal:
            self.notify(f"Not run: {offer.refusal}", severity="error", timeout=15)
        elif not offer.action:
            self.notify("Not one of the cockpit's actions: c copies it.", severity="warning")
        else:
            self.post_message(RunbookCommandChosen(offer))
