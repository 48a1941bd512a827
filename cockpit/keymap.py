"""Every binding id the cockpit has, for `[keys]` in the config (rebinding) and the help screen.

Pure data so the config can validate ids without importing Textual. The app's BINDINGS use these
ids; a test keeps the two in step.
"""

from __future__ import annotations

BINDING_IDS: dict[str, str] = {
    "app.quit": "quit",
    "app.help": "help screen",
    "app.theme": "next theme",
    "app.presenter": "presenter view (large numbers for a shared screen)",
    "refresh.pause": "pause / resume refresh",
    "refresh.now": "refresh every panel now",
    "focus.next": "focus the next panel",
    "focus.previous": "focus the previous panel",
    "pods.filter": "filter the pods table (name, status, node)",
    "incident.note": "add a note to the incident",
    "incident.declare": "declare an incident",
    "incident.status": "post a status update / change status",
    "incident.timeline": "open the timeline",
    "incident.pick": "attach to another open incident (or declare one)",
    "action.scale": "scale the Deployment (preview, confirm)",
    "action.restart": "rollout restart the Deployment (preview, confirm)",
    "action.rollback": "rollout undo: pick a revision (preview, confirm)",
    "incident.phase": "mark the incident's phase by hand (recorded)",
    "runbook.open": "runbook section for the focused or breaching panel",
    "runbook.tick": "runbook: tick / untick the highlighted step (recorded)",
    "runbook.copy": "runbook: copy the highlighted command",
    "runbook.back": "leave the runbook",
    "history.pick": "rollout history: roll back to the selected revision",
    "confirm.yes": "confirm the previewed action",
    "confirm.no": "cancel the previewed action",
    "timeline.back": "leave the timeline",
    "timeline.filter": "timeline: next kind filter",
    "timeline.search": "timeline: search",
    "timeline.pin": "timeline: pin / unpin the selected event",
    "timeline.edit": "timeline: edit the selected note (a new version; history kept)",
    "timeline.delete": "timeline: delete the selected note (recorded; history kept)",
    "app.palette": "command palette",
    "app.palette_colon": "command palette (k9s-style `:`)",
    "presenter.back": "leave the presenter view",
    "panel.chart": "chart of the focused metric panel",
    "pod.back": "leave the pod details",
    "chart.back": "leave the chart",
    "chart.15m": "chart: last 15 minutes",
    "chart.1h": "chart: last hour",
    "chart.6h": "chart: last 6 hours",
    "note.expand": "note form: switch to the multi-line editor",
    "note.save": "note form: save",
    "form.cancel": "any form: cancel",
    "help.close": "close the help screen",
}
