"""The cockpit's keys as people meet them: the footer's order, the help screen's phrases and
which keys are also command-palette entries. The bindings themselves (and their ids, which the
`[keys]` config names) are declared by the app and its controllers."""

from __future__ import annotations

from textual.binding import Binding, BindingType

# Palette entries: actions worth finding by name (focus keys and quit are not).
PALETTE_IDS = {
    "refresh.pause",
    "refresh.now",
    "incident.note",
    "incident.declare",
    "incident.status",
    "incident.timeline",
    "action.scale",
    "action.restart",
    "action.rollback",
    "runbook.open",
    "incident.phase",
    "app.presenter",
    "app.theme",
    "app.help",
}
HELP_BUILTINS = {"app.focus_next", "app.focus_previous", "command_palette"}

# The footer shows bindings in this order and cuts what does not fit: at 80 columns the
# "? Keys" hint comes first so it is never cut, then what an incident needs most.
FOOTER_ORDER = (
    "app.help",
    "incident.note",
    "action.scale",
    "action.restart",
    "action.rollback",
    "incident.timeline",
    "runbook.open",
    "incident.status",
    "incident.declare",
    "refresh.pause",
    "refresh.now",
    "app.presenter",
    "app.quit",
)

# What each key acts on, for the help screen: the footer has room for a word, help for a
# phrase (at most 26 characters, so two columns of keys fit at 80x24 without scrolling).
HELP_TEXT = {
    "app.help": "This list of keys",
    "incident.note": "Note to the timeline",
    "incident.declare": "Declare an incident",
    "incident.status": "Status update (+ status)",
    "incident.timeline": "Timeline of the incident",
    "incident.pick": "Switch or add incident",
    "incident.phase": "Mark the incident phase",
    "action.scale": "Scale a Deployment/STS",
    "action.restart": "Restart a Deployment/STS",
    "action.rollback": "Undo a Deployment rollout",
    "runbook.open": "Runbook for the panel",
    "refresh.pause": "Pause/resume refreshing",
    "refresh.now": "Refresh every panel now",
    "app.presenter": "Presenter view",
    "app.theme": "Next theme",
    "app.quit": "Quit",
    "focus.next": "Next panel",
    "focus.previous": "Previous panel",
    "pods.filter": "Filter the pods",
    "pods.sort": "Sort pods (status, name…)",
    "alerts.open": "Firing alerts in full",
    "app.palette": "Command palette",
    "app.palette_colon": "Command palette",
}


def footer_order(bindings: list[BindingType]) -> list[BindingType]:
    """`bindings` sorted for the footer by `FOOTER_ORDER` (the rest keep their order, after)."""

    def rank(binding: BindingType) -> int:
        binding_id = binding.id if isinstance(binding, Binding) else None
        if binding_id in FOOTER_ORDER:
            return FOOTER_ORDER.index(binding_id)
        return len(FOOTER_ORDER)

    return sorted(bindings, key=rank)
